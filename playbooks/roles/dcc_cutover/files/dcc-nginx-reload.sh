#!/bin/bash
# Reload nginx when the portal's routes (CONF_DIR/dcc-*.conf) differ from the ones it last loaded,
# whose digest is kept in the file LOADED; then wait until nginx's old workers have finished the
# requests they were proxying, so when this returns no request is on its way to a previous backend.
# Run by the dcc_run module (it reports the reload through dcc_changed).
# Why not a handler: a handler reloads only in the run that changed a route file; a run that fails
# (or is killed) between the two leaves nginx on the old routes, and the next run, finding the files
# as wanted, would never reload. The digest makes whichever run finds nginx behind its files reload.
# The template's backups of replaced routes (dcc-*.conf.<pid>.<time>~, kept to put a batch back if
# nginx rejected one of its routes) are removed: nginx never reads them, and they are not a change.
# Args: CONF_DIR LOADED
set -euo pipefail
conf_dir=$1 loaded=$2
shopt -s nullglob
rm -f -- "$conf_dir"/dcc-*.conf.*~
routes=("$conf_dir"/dcc-*.conf)
digest=none
if [ ${#routes[@]} -gt 0 ]; then
  digest=$(sha256sum -- "${routes[@]}" | sha256sum | cut -d' ' -f1)
fi
if [ -f "$loaded" ] && [ "$(<"$loaded")" = "$digest" ]; then
  exit 0
fi
if ! nginx -t -q; then
  echo "nginx rejects its configuration: nothing reloaded, it keeps serving the routes it had" >&2
  exit 1
fi
old_workers=$(ps -eo pid=,args= | awk '$2 == "nginx:" && $3 == "worker" {print $1}')
nginx -s reload
dcc_changed
# Old workers finish their in-flight requests, then exit; wait for that (bounded).
left=0
for _ in $(seq 1 600); do
  left=0
  for pid in $old_workers; do
    if [ -d "/proc/$pid" ]; then left=1; fi
  done
  [ "$left" = 0 ] && break
  sleep 0.1
done
if [ "$left" = 1 ]; then
  echo "nginx's old workers still serve requests after 60 s" >&2
  exit 1
fi
mkdir -p "$(dirname "$loaded")"
printf '%s\n' "$digest" >"$loaded.tmp"
mv -f "$loaded.tmp" "$loaded"
