#!/bin/bash
# Roll apps back on this host in one run. On a source database (reopen): a database closed by
# decommission takes connections again. On a source (start): bring the data back from
# retention if the app was decommissioned, then start the app and enable it at boot. On a
# target (stop): stop the app and disable it at boot, if it was ever installed there.
# Args: RETAINED FROZEN then ACTION APP DB per item (DB is "-" unless ACTION is reopen).
# Prints "changed" or "unchanged".
set -euo pipefail
retained=$1 frozen=$2
shift 2
changed=0
enabled() { compgen -G "/etc/rc[2345].d/S[0-9][0-9]$1" >/dev/null; }
while [ $# -ge 3 ]; do
  action=$1 app=$2 db=$3
  shift 3
  init=/etc/init.d/$app
  case "$action" in
    reopen)
      q() { (cd / && runuser -u postgres -- psql -XAtq -v ON_ERROR_STOP=1 -d postgres -c "$1"); }
      allowed=$(q "SELECT datallowconn FROM pg_database WHERE datname = '$db'")
      [ -n "$allowed" ] || { echo "database $db not found" >&2; exit 1; }
      if [ "$allowed" != t ]; then
        q "ALTER DATABASE \"$db\" WITH ALLOW_CONNECTIONS true" >/dev/null
        changed=1
      fi
      # The backup's write freeze (CONNECTION LIMIT 0) ends: the previous limit comes back.
      if [ -f "$frozen/$db.connlimit" ]; then
        limit=$(cat "$frozen/$db.connlimit")
        [[ "$limit" =~ ^-?[0-9]+$ ]] || { echo "bad saved connection limit for $db: $limit" >&2; exit 1; }
        q "ALTER DATABASE \"$db\" CONNECTION LIMIT $limit" >/dev/null
        rm -f "$frozen/$db.connlimit"
        changed=1
      fi ;;
    start)
      if [ ! -e "/srv/$app/data" ]; then
        latest=$(ls -1d "$retained/$app"-*/ 2>/dev/null | sort | tail -n 1)
        [ -n "$latest" ] || { echo "no data and no retained copy for $app" >&2; exit 1; }
        mv -T "${latest%/}" "/srv/$app/data"
        changed=1
      fi
      [ -x "$init" ] || { echo "no $init" >&2; exit 1; }
      if ! "$init" status >/dev/null 2>&1; then
        "$init" start >/dev/null 2>&1 </dev/null
        "$init" status >/dev/null 2>&1 || { echo "$app did not start" >&2; exit 1; }
        changed=1
      fi
      if ! enabled "$app"; then
        update-rc.d "$app" defaults >/dev/null 2>&1
        update-rc.d "$app" enable >/dev/null 2>&1
        changed=1
      fi ;;
    stop)
      # A target that never got the app has nothing to stop.
      [ -x "$init" ] || continue
      if "$init" status >/dev/null 2>&1; then
        "$init" stop >/dev/null 2>&1 </dev/null
        ! "$init" status >/dev/null 2>&1 || { echo "$app still running after stop" >&2; exit 1; }
        changed=1
      fi
      if enabled "$app"; then
        update-rc.d "$app" disable >/dev/null 2>&1
        changed=1
      fi ;;
    *)
      echo "unknown rollback action $action for $app" >&2
      exit 2 ;;
  esac
done
[ $# -eq 0 ] || { echo "usage: dcc-rollback.sh RETAINED FROZEN [reopen|start|stop APP DB]..." >&2; exit 2; }
[ "$changed" = 1 ] && echo changed || echo unchanged
