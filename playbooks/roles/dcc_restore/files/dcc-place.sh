#!/bin/bash
# Move the app's transferred data from its temp path beside the destination into place with
# one rename, so the destination is either the old tree or the complete new one, never half.
set -euo pipefail
app=$1 digest=$2
base=/srv/$app
dest=$base/data incoming=$base/.dcc-incoming marker=$base/.dcc-restored
if [ -d "$dest" ] && [ -f "$marker" ] && [ "$(cat "$marker")" = "$digest" ]; then
  echo unchanged
  exit 0
fi
[ -d "$incoming" ] || { echo "no transferred data at $incoming" >&2; exit 1; }
if [ -e "$dest" ]; then
  mv -T "$dest" "$base/.dcc-replaced-$(date +%s)"
fi
mv -T "$incoming" "$dest"
echo "$digest" >"$marker.tmp"
mv -f "$marker.tmp" "$marker"
echo changed
