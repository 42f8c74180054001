#!/usr/bin/env bash
# Every benchmark, each running its baseline beside the toolkit in the same run and printing
# the ratio. Needs root (lab hosts). `make bench` runs this; pass names to run a subset:
#   bash bench/run_all.sh plan render
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
names=("$@")
((${#names[@]})) || names=(plan render report transfer lab discovery migrate)
for name in "${names[@]}"; do
  printf '\n\033[1;36m== bench_%s\033[0m\n' "$name"
  "$PY" "bench/bench_$name.py"
done
