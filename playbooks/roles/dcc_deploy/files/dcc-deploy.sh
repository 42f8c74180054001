#!/bin/bash
# Install an app from its transferred tree (code, config, init script) with rsync, so only
# what differs is written. DB_HOST and PEERS are pointed at the national hosts first.
set -euo pipefail
app=$1 incoming=$2 db_host=${3:-} moved=${4:-}
conf=$incoming/etc/$app/app.conf
[ -d "$incoming/opt/$app" ] || { echo "no transferred code at $incoming/opt/$app" >&2; exit 1; }
if [ -n "$db_host" ] && [ -f "$conf" ]; then
  sed -i "s/^DB_HOST=.*/DB_HOST=$db_host/" "$conf"
fi
# PEERS URLs name legacy hosts; follow the apps that moved (old=new host ids).
for pair in $moved; do
  if [ -f "$conf" ]; then sed -i "/^PEERS=/ s#//${pair%%=*}:#//${pair#*=}:#g" "$conf"; fi
done
changes=$(
  rsync -ai --delete "$incoming/opt/$app/" "/opt/$app/"
  if [ -d "$incoming/etc/$app" ]; then rsync -ai --delete "$incoming/etc/$app/" "/etc/$app/"; fi
  rsync -ai "$incoming/etc/init.d/$app" "/etc/init.d/$app"
)
[ -n "$changes" ] && echo changed || echo unchanged
