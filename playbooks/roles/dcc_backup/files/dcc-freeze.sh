#!/bin/bash
# Write freeze: stop each app on this source so the data captured next is its final copy.
# Not disabled at boot: a rollback starts it again, decommission disables it.
# Args: APP... Prints "changed" or "unchanged".
set -euo pipefail
changed=0
for app in "$@"; do
  init=/etc/init.d/$app
  [ -x "$init" ] || { echo "no $init" >&2; exit 1; }
  if "$init" status >/dev/null 2>&1; then
    "$init" stop >/dev/null 2>&1 </dev/null
    if "$init" status >/dev/null 2>&1; then
      echo "$app: still running after stop" >&2
      exit 1
    fi
    changed=1
  fi
done
[ "$changed" = 1 ] && echo changed || echo unchanged
