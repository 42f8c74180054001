#!/bin/bash
# Move each of an app's transferred data folders from its temp path beside the destination into
# place with one rename, so a destination is either the old folder or the complete new one,
# never half. A folder already there is moved aside (.dcc-replaced-<name>-<epoch>), not deleted.
# Args: APP DIGEST DATA... Prints "changed" or "unchanged".
set -euo pipefail
# Under dcc_run (the Ansible module) dcc_changed tells Ansible this run changed the host; run alone,
# the last line says it.
command -v dcc_changed >/dev/null || dcc_changed() { :; }
app=$1 digest=$2
shift 2
placed=/var/lib/dcc/placed/$app
changed=0
for dest in "$@"; do
  parent=$(dirname "$dest") name=$(basename "$dest")
  incoming=$parent/.dcc-incoming-$name marker=$placed$dest.digest
  if [ -d "$dest" ] && [ -f "$marker" ] && [ "$(cat "$marker")" = "$digest" ]; then
    continue
  fi
  [ -d "$incoming" ] || { echo "no transferred data at $incoming" >&2; exit 1; }
  if [ -e "$dest" ]; then
    mv -T "$dest" "$parent/.dcc-replaced-$name-$(date +%s)"
  fi
  mv -T "$incoming" "$dest"
  install -d -m 0700 "$(dirname "$marker")"
  echo "$digest" >"$marker.tmp"
  mv -f "$marker.tmp" "$marker"
  changed=1
done
[ "$changed" = 1 ] && { dcc_changed; echo changed; } || echo unchanged
