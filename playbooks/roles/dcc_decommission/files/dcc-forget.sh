#!/bin/bash
# Remove the transfer's copies of moved apps from this host (dumps, pulled and pushed trees):
# only folders under /var/lib/dcc/, never an app's own paths. Args: PATH... Prints "changed" or
# "unchanged".
set -euo pipefail
# Under dcc_run (the Ansible module) dcc_changed tells Ansible this run changed the host; run alone,
# the last line says it.
command -v dcc_changed >/dev/null || dcc_changed() { :; }
changed=0
for p in "$@"; do
  case "$p" in
    /var/lib/dcc/staging/?*|/var/lib/dcc/incoming/?*) ;;
    *) echo "not a transfer copy: $p" >&2; exit 2 ;;
  esac
  case "$p" in *..*) echo "not a plain path: $p" >&2; exit 2 ;; esac
  if [ -e "$p" ]; then
    rm -rf -- "$p"
    changed=1
  fi
done
[ "$changed" = 1 ] && { dcc_changed; echo changed; } || echo unchanged
