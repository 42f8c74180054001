#!/bin/bash
# Decommission apps on this source host, all in one run (no remote Python per item):
# stop each app, disable it at boot, move its data into the root-only retention area and
# record until when that copy is kept. Args: RETAINED then APP UNTIL STAMP per app.
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
while [ $# -ge 3 ]; do
  app=$1 until=$2 stamp=$3
  shift 3
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
  record=$kept.retention
  body=$(printf 'app=%s\nretain_until=%s\n' "$app" "$until")
  if [ ! -f "$record" ] || [ "$(cat "$record")" != "$body" ]; then
    printf '%s\n' "$body" >"$record.tmp"
    chmod 0600 "$record.tmp"
    mv -f "$record.tmp" "$record"
    note
  fi
done
if [ $# -ne 0 ]; then
  echo "usage: dcc-decommission.sh RETAINED [APP UNTIL STAMP]..." >&2
  exit 2
fi
[ "$changed" = 1 ] && echo changed || echo unchanged
