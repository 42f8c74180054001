#!/bin/bash
# Reopen source databases in one run: a database closed by decommission takes connections
# again, and the backup's write freeze (CONNECTION LIMIT 0) ends, the previous limit coming
# back. (Starting and stopping the app's services is dcc-app.sh's, from its profile.)
# Args: FROZEN then DB per database. Prints "changed" or "unchanged".
set -euo pipefail
frozen=$1
shift
changed=0
q() { (cd / && runuser -u postgres -- psql -XAtq -v ON_ERROR_STOP=1 -d postgres -c "$1"); }
for db in "$@"; do
  allowed=$(q "SELECT datallowconn FROM pg_database WHERE datname = '$db'")
  [ -n "$allowed" ] || { echo "database $db not found" >&2; exit 1; }
  if [ "$allowed" != t ]; then
    q "ALTER DATABASE \"$db\" WITH ALLOW_CONNECTIONS true" >/dev/null
    changed=1
  fi
  if [ -f "$frozen/$db.connlimit" ]; then
    limit=$(cat "$frozen/$db.connlimit")
    [[ "$limit" =~ ^-?[0-9]+$ ]] || { echo "bad saved connection limit for $db: $limit" >&2; exit 1; }
    q "ALTER DATABASE \"$db\" CONNECTION LIMIT $limit" >/dev/null
    rm -f "$frozen/$db.connlimit"
    changed=1
  fi
done
[ "$changed" = 1 ] && echo changed || echo unchanged
