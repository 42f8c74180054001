#!/bin/bash
# Close each migrated app's source database to connections, all in one run; its data stays
# where it is as the retained copy, with a record of until when it is kept. (The app's services
# and data folders are retired by dcc-app.sh, from its profile.)
# Args: RETAINED then APP DB UNTIL STAMP per database. Prints "changed" or "unchanged" last.
set -euo pipefail
retained=$1
shift
changed=0
if [ ! -d "$retained" ]; then
  install -d -m 0700 -o root -g root "$retained"
  changed=1
fi
psql_q() { (cd / && runuser -u postgres -- psql -XAtq -v ON_ERROR_STOP=1 -d postgres -c "$1"); }
retain() {  # FILE BODY: the retention record, rewritten only when it differs
  if [ ! -f "$1" ] || [ "$(cat "$1")" != "$2" ]; then
    printf '%s\n' "$2" >"$1.tmp"
    chmod 0600 "$1.tmp"
    mv -f "$1.tmp" "$1"
    changed=1
  fi
}
while [ $# -ge 4 ]; do
  app=$1 db=$2 until=$3 stamp=$4
  shift 4
  allowed=$(psql_q "SELECT datallowconn FROM pg_database WHERE datname = '$db'")
  [ -n "$allowed" ] || { echo "database $db not found" >&2; exit 1; }
  if [ "$allowed" = t ]; then
    psql_q "ALTER DATABASE \"$db\" WITH ALLOW_CONNECTIONS false" >/dev/null
    psql_q "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '$db'" >/dev/null
    changed=1
  fi
  retain "$retained/$app-db-$stamp.retention" "$(printf 'app=%s\ndatabase=%s\nretain_until=%s' "$app" "$db" "$until")"
done
if [ $# -ne 0 ]; then
  echo "usage: dcc-decommission.sh RETAINED [APP DB UNTIL STAMP]..." >&2
  exit 2
fi
[ "$changed" = 1 ] && echo changed || echo unchanged
