#!/bin/bash
# Preflight on a source host, every app in one run: rsync is there, each app (init script) or
# database exists. Prints "KEY BYTES" per item: the data each one will move.
# Args: KIND APP DB KEY per item, KIND being app or db.
set -euo pipefail
command -v rsync >/dev/null || { echo "rsync missing" >&2; exit 1; }
cd /
psql_q() { runuser -u postgres -- psql -XAtq -d postgres -c "$1"; }
while [ $# -ge 4 ]; do
  kind=$1 app=$2 db=$3 key=$4
  shift 4
  if [ "$kind" = db ]; then
    psql_q "SELECT 1 FROM pg_database WHERE datname = '$db'" | grep -q 1 \
      || { echo "database $db not found" >&2; exit 1; }
    size=$(psql_q "SELECT pg_database_size('$db')")
  else
    [ -x "/etc/init.d/$app" ] || { echo "no /etc/init.d/$app" >&2; exit 1; }
    size=0
    if [ -d "/srv/$app/data" ]; then size=$(du -sb "/srv/$app/data" | cut -f1); fi
  fi
  echo "$key $size"
done
[ $# -eq 0 ] || { echo "usage: dcc-preflight-source.sh [KIND APP DB KEY]..." >&2; exit 2; }
