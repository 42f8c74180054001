#!/usr/bin/env bash
# The end-to-end demo on the lab estate: real hosts -> discover -> assess -> plan -> migrate every
# wave -> verify -> render and validate the cloud manifests -> HTML report. Run by `make demo`.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.venv/bin:$PATH"
ESTATE=inventory/lab
OUT=out/demo
S3_PORT=${DCC_DEMO_S3_PORT:-9000}

# Piped output (CI logs, `tee`) gets wide tables rather than rich's 80-column default.
[[ -t 1 ]] || export COLUMNS=${COLUMNS:-140}

if [[ $EUID -ne 0 ]]; then
  echo "demo: the lab starts network namespaces and needs root" >&2
  exit 3
fi

step() { printf '\n\033[1;36m== %s\033[0m\n' "$*"; }

step "Fresh start: stop any earlier lab, clear earlier journal, facts and output"
dcc lab down lab >/dev/null
rm -rf "$ESTATE/state" "$ESTATE/facts" "$OUT"
mkdir -p "$OUT"

step "Inventory: validate the lab estate"
dcc inventory validate "$ESTATE"
dcc inventory show "$ESTATE"

step "Lab: start 20 real hosts (namespaces, overlay roots, sshd, sample apps, national portal)"
dcc lab up "$ESTATE"
dcc lab status lab

step "Object storage: two S3 sites (SeaweedFS on disk, object lock) on loopback for the backups"
S3_PORT_2=${DCC_DEMO_S3_PORT_2:-9002}
dcc s3 serve --port "$S3_PORT" --dir "$OUT/s3-site1" >"$OUT/s3.log" 2>&1 &
S3_PID=$!
dcc s3 serve --port "$S3_PORT_2" --dir "$OUT/s3-site2" >"$OUT/s3-site2.log" 2>&1 &
S3_PID_2=$!
trap 'kill "$S3_PID" "$S3_PID_2" 2>/dev/null || true; wait' EXIT
export DCC_S3_ENDPOINT="http://127.0.0.1:$S3_PORT" DCC_S3_ENDPOINT_2="http://127.0.0.1:$S3_PORT_2"
export DCC_BACKUP_LOCK_MODE=GOVERNANCE DCC_BACKUP_LOCK_DAYS=1  # the lab's backups; production: COMPLIANCE
for url in "$DCC_S3_ENDPOINT" "$DCC_S3_ENDPOINT_2"; do
  for _ in $(seq 120); do curl -s -o /dev/null "$url" && break; sleep 0.5; done
done

step "Discovery: read-only facts over SSH with pinned host keys"
dcc discover --estate "$ESTATE"
dcc discover diff --estate "$ESTATE"

step "Assessment: what each app becomes"
dcc assess --estate "$ESTATE" --apps

step "Plan: move groups and waves from the declared + observed dependency graph"
dcc plan --estate "$ESTATE" --facts "$ESTATE/facts" --out "$OUT/plan.json"
WAVES=$(python -c 'import json,sys; print(" ".join(str(w["number"]) for w in json.load(open(sys.argv[1]))["waves"]))' "$OUT/plan.json")

for wave in $WAVES; do
  step "Migrate wave $wave: backup -> restore -> deploy -> verify -> cutover -> decommission"
  dcc migrate --estate "$ESTATE" --plan "$OUT/plan.json" --wave "$wave"
done

step "Status: the journal of every step"
dcc status --estate "$ESTATE"

step "Stacks: render the tenants and migrated apps, validate against the schemas and the policy pack"
dcc render --estate "$ESTATE" --plan "$OUT/plan.json" --out "$OUT/manifests"
dcc validate "$OUT/manifests"

step "Report"
dcc report --estate "$ESTATE" --plan "$OUT/plan.json" --out "$OUT/report.html"
printf '\nDemo finished. Report: %s\nThe lab is still up: `dcc lab status lab`; stop it with `dcc lab down lab`.\n' "$PWD/$OUT/report.html"
