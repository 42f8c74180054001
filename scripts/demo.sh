#!/usr/bin/env bash
# The end-to-end demo on the lab estate: real hosts -> discover -> assess -> plan -> migrate every
# wave -> verify -> render and validate the cloud manifests -> HTML report. Then the same for the
# vendor-shaped estate (PHP with MariaDB on another host, a service under its own user with SQLite,
# a cron batch): discovered, compared with its committed reviewed profiles, planned, migrated and
# verified. Run by `make demo`.
# DCC_DEMO_ESTATE / DCC_DEMO_VENDOR_ESTATE: other estate folders (e.g. copies renumbered with
# `migration.lab.renumber`, so the demo runs beside someone else's lab; docs/lab.md).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.venv/bin:$PATH"
ESTATE=${DCC_DEMO_ESTATE:-inventory/lab}
VENDOR=${DCC_DEMO_VENDOR_ESTATE:-inventory/vendor}
OUT=out/demo
S3_PORT=${DCC_DEMO_S3_PORT:-9000}

# Piped output (CI logs, `tee`) gets wide tables rather than rich's 80-column default.
[[ -t 1 ]] || export COLUMNS=${COLUMNS:-140}

if [[ $EUID -ne 0 ]]; then
  echo "demo: the lab starts network namespaces and needs root" >&2
  exit 3
fi

step() { printf '\n\033[1;36m== %s\033[0m\n' "$*"; }
name_of() { sed -n 's/^name: *//p' "$1/estate.yaml" | head -n 1; }
waves_of() { python -c 'import json,sys; print(" ".join(str(w["number"]) for w in json.load(open(sys.argv[1]))["waves"]))' "$1"; }
LAB=$(name_of "$ESTATE")
VENDOR_LAB=$(name_of "$VENDOR")
START=$SECONDS

step "Fresh start: stop any earlier lab, clear earlier journal, facts, proposals and output"
for estate in "$ESTATE" "$VENDOR"; do
  dcc lab down "$(name_of "$estate")" >/dev/null
  rm -rf "$estate/state" "$estate/facts" "$estate"/profiles/*.proposed.yaml
done
rm -rf "$OUT"
mkdir -p "$OUT"

step "Inventory: validate the lab estate"
dcc inventory validate "$ESTATE"
dcc inventory show "$ESTATE"

step "Lab: start 20 real hosts (namespaces, overlay roots, sshd, sample apps, national portal)"
dcc lab up "$ESTATE"
dcc lab status "$LAB"

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
for wave in $(waves_of "$OUT/plan.json"); do
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
LAB_DONE=$SECONDS

step "Vendor-shaped estate: start its hosts (Apache + PHP, MariaDB, a service under its own user, a cron batch)"
dcc inventory validate "$VENDOR"
dcc lab up "$VENDOR"
dcc lab status "$VENDOR_LAB"

step "Vendor estate: discover; each proposal against the team's committed reviewed profile"
dcc discover --estate "$VENDOR"
for profile in "$VENDOR"/profiles/*.yaml; do
  case "$profile" in *.proposed.yaml | *'*'*) continue ;; esac
  dcc profile diff "$(basename "$profile" .yaml)" --estate "$VENDOR"
done

step "Vendor estate: plan, then migrate and verify every wave from the reviewed profiles"
dcc plan --estate "$VENDOR" --facts "$VENDOR/facts" --out "$OUT/vendor-plan.json"
for wave in $(waves_of "$OUT/vendor-plan.json"); do
  dcc migrate --estate "$VENDOR" --plan "$OUT/vendor-plan.json" --wave "$wave"
  dcc verify --estate "$VENDOR" --plan "$OUT/vendor-plan.json" --wave "$wave"
done
dcc status --estate "$VENDOR"
dcc report --estate "$VENDOR" --plan "$OUT/vendor-plan.json" --out "$OUT/report-vendor.html"

printf '\nDemo finished in %d s (lab estate %d s, vendor estate %d s).\n' \
  $((SECONDS - START)) $((LAB_DONE - START)) $((SECONDS - LAB_DONE))
printf 'Reports: %s\n         %s\n' "$PWD/$OUT/report.html" "$PWD/$OUT/report-vendor.html"
printf 'Both labs are still up: `dcc lab status %s`, `dcc lab status %s`; stop them with `dcc lab down NAME`.\n' \
  "$LAB" "$VENDOR_LAB"
