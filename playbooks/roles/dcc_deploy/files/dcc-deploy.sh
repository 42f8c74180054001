#!/bin/bash
# Install an app from its transferred tree (code, config, init script) with rsync, so only
# what differs is written. DB_HOST and PEERS are pointed at the national hosts first.
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
if [ -z "$changes" ]; then
  echo unchanged
  exit 0
fi
# A running app picks up new code or config only on restart; a stopped one is started next task.
if /etc/init.d/"$app" status >/dev/null 2>&1; then
  /etc/init.d/"$app" restart >/dev/null 2>&1 </dev/null
fi
echo changed
