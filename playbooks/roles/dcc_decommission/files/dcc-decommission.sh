#!/bin/bash
# Decommission apps on this source host, all in one run (no remote Python per item).
# An app: stop it, disable it at boot, move its data into the root-only retention area.
# A database: refuse new connections and end open ones; its data stays where it is.
# Either way, record until when the retained copy is kept.
# Args: RETAINED then KIND APP DB UNTIL STAMP per item, KIND being app or db.
# Prints "changed" or "unchanged" last.
set -euo pipefail
retained=$1
shift
changed=0
note() { changed=1; }
if [ ! -d "$retained" ]; then
  install -d -m 0700 -o root -g root "$retained"
  note
fi
psql_q() { runuser -u postgres -- psql -XAtq -v ON_ERROR_STOP=1 -d postgres -c "$1"; }
retain() {  # FILE BODY: the retention record, rewritten only when it differs
  if [ ! -f "$1" ] || [ "$(cat "$1")" != "$2" ]; then
    printf '%s\n' "$2" >"$1.tmp"
    chmod 0600 "$1.tmp"
    mv -f "$1.tmp" "$1"
    note
  fi
}
while [ $# -ge 5 ]; do
  kind=$1 app=$2 db=$3 until=$4 stamp=$5
  shift 5
  if [ "$kind" = db ]; then
    allowed=$(cd / && psql_q "SELECT datallowconn FROM pg_database WHERE datname = '$db'")
    [ -n "$allowed" ] || { echo "database $db not found" >&2; exit 1; }
    if [ "$allowed" = t ]; then
      (cd / && psql_q "ALTER DATABASE \"$db\" WITH ALLOW_CONNECTIONS false" >/dev/null)
      (cd / && psql_q "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '$db'" >/dev/null)
      note
    fi
    retain "$retained/$app-db-$stamp.retention" "$(printf 'app=%s\ndatabase=%s\nretain_until=%s' "$app" "$db" "$until")"
    continue
  fi
  init=/etc/init.d/$app
  if [ -x "$init" ] && "$init" status >/dev/null 2>&1; then
    "$init" stop >/dev/null 2>&1 </dev/null
    if "$init" status >/dev/null 2>&1; then
      echo "$app: still running after stop" >&2
      exit 1
    fi
    note
  fi
  if compgen -G "/etc/rc[2345].d/S[0-9][0-9]$app" >/dev/null; then
    update-rc.d "$app" disable >/dev/null 2>&1
    note
  fi
  kept=$retained/$app-$stamp
  if [ -d "/srv/$app/data" ]; then
    mv -T "/srv/$app/data" "$kept"
    note
  fi
  retain "$kept.retention" "$(printf 'app=%s\nretain_until=%s' "$app" "$until")"
done
if [ $# -ne 0 ]; then
  echo "usage: dcc-decommission.sh RETAINED [KIND APP DB UNTIL STAMP]..." >&2
  exit 2
fi
[ "$changed" = 1 ] && echo changed || echo unchanged
