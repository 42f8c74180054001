#!/bin/bash
# Install an app from its transferred tree (code, config, init script) with rsync, so only
# what differs is written. DB_HOST and PEERS are pointed at the national hosts first. The app
# ends running and enabled at boot. Prints "changed" or "unchanged" last.
set -euo pipefail
app=$1 incoming=$2 db_host=${3:-} moved=${4:-}
conf=$incoming/etc/$app/app.conf
[ -d "$incoming/opt/$app" ] || { echo "no transferred code at $incoming/opt/$app" >&2; exit 1; }
# Rewrite the transferred app.conf only when its content changes, so a second run (same
# content, same mtime) gives rsync nothing to do.
if [ -f "$conf" ]; then
  edits=()
  [ -n "$db_host" ] && edits+=(-e "s/^DB_HOST=.*/DB_HOST=$db_host/")
  # PEERS URLs name legacy hosts; follow the apps that moved (old=new host ids).
  for pair in $moved; do
    edits+=(-e "/^PEERS=/ s#//${pair%%=*}:#//${pair#*=}:#g")
  done
  if [ ${#edits[@]} -gt 0 ]; then
    sed "${edits[@]}" "$conf" >"$conf.dcc-new"
    chmod --reference="$conf" "$conf.dcc-new"  # app.conf holds a password: keep its mode
    if cmp -s "$conf" "$conf.dcc-new"; then rm -f "$conf.dcc-new"; else mv -f "$conf.dcc-new" "$conf"; fi
  fi
fi
# The running app writes __pycache__ and so touches its dirs' times: neither is a change.
copy_tree() { rsync -ai --omit-dir-times --exclude=__pycache__/ "$@"; }
changes=$(
  copy_tree --delete "$incoming/opt/$app/" "/opt/$app/"
  if [ -d "$incoming/etc/$app" ]; then copy_tree --delete "$incoming/etc/$app/" "/etc/$app/"; fi
  rsync -ai "$incoming/etc/init.d/$app" "/etc/init.d/$app"
)
init=/etc/init.d/$app
changed=0
if [ -n "$changes" ]; then
  changed=1
  # A running app picks up new code or config only on restart.
  if "$init" status >/dev/null 2>&1; then
    "$init" restart >/dev/null 2>&1 </dev/null
  fi
fi
# Started and enabled at boot (what sysvinit's started/enabled would do, without a module run).
if ! "$init" status >/dev/null 2>&1; then
  "$init" start >/dev/null 2>&1 </dev/null
  changed=1
fi
if ! compgen -G "/etc/rc[2345].d/S[0-9][0-9]$app" >/dev/null; then
  update-rc.d "$app" defaults >/dev/null 2>&1
  update-rc.d "$app" enable >/dev/null 2>&1
  changed=1
fi
[ "$changed" = 1 ] && echo changed || echo unchanged
