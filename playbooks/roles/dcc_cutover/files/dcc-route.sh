#!/bin/bash
# Write the portal's route for each service, then check nginx's whole configuration and reload
# it, all in one run. A route file is replaced only when its content changes. If nginx rejects
# the new configuration, every file this run changed is put back and nothing is reloaded, so
# the portal keeps serving the routes it had.
# Args: CONF_DIR then APP SERVICE BACKEND PORT MODE REDIRECT per route, MODE being
# proxy (to BACKEND:PORT; each answer carries X-Dcc-Upstream, the address nginx proxied to),
# maintenance (503 "moving" with Retry-After, answered by the portal itself: the app never sees
# the request), redirect (308 to REDIRECT) or gone (410).
# After a reload it waits until nginx's old workers have finished the requests they were
# proxying, so when it returns no request is on its way to the previous backend any more.
# Prints "changed" or "unchanged".
set -euo pipefail
conf_dir=$1
shift
changed=()
restore() {
  for f in "${changed[@]}"; do
    if [ -f "$f.dcc-prev" ]; then mv -f "$f.dcc-prev" "$f"; else rm -f "$f"; fi
  done
}
render() {
  local app=$1 service=$2 backend=$3 port=$4 mode=$5 redirect=$6
  printf '# Written by dcc (backup/cutover/rollback); changes here are overwritten.\n'
  printf '# Portal route for %s.\nserver {\n    listen 80;\n    server_name %s;\n' "$app" "$service"
  case "$mode" in
    redirect)
      printf '    # Replaced by the national shared service %s.\n' "$redirect"
      printf '    return 308 https://%s$request_uri;\n' "$redirect" ;;
    gone)
      printf '    # Retired: no successor service.\n    return 410;\n' ;;
    proxy)
      printf '    location / {\n        proxy_pass http://%s:%s;\n' "$backend" "$port"
      printf '        proxy_set_header Host $host;\n        proxy_connect_timeout 5s;\n'
      # Says which backend answered, so the pipeline can tell the source from the target for
      # any app, not only one whose health answer names its host.
      printf '        add_header X-Dcc-Upstream $upstream_addr always;\n    }\n' ;;
    maintenance)
      # The write freeze: the portal answers for the app, which never receives the request, so
      # this error answer can never go with a write the app committed. Not a 502 mapped to a
      # 503: a 502 may come after the app took the write.
      printf '    # Write freeze of a migration: %s does not receive requests.\n' "$app"
      printf '    default_type text/plain;\n    add_header Retry-After 120 always;\n'
      printf '    return 503 "%s is moving to the national data center; please try again in a few minutes.\\n";\n' "$service" ;;
    *)
      echo "unknown route mode $mode for $service" >&2
      return 2 ;;
  esac
  printf '}\n'
}
while [ $# -ge 6 ]; do
  app=$1 service=$2
  conf=$conf_dir/dcc-$service.conf
  if ! body=$(render "$@"); then
    restore
    exit 2
  fi
  shift 6
  if [ -f "$conf" ] && [ "$(cat "$conf")" = "$body" ]; then
    continue
  fi
  rm -f "$conf.dcc-prev"
  if [ -f "$conf" ]; then cp -p "$conf" "$conf.dcc-prev"; fi
  printf '%s\n' "$body" >"$conf.dcc-new"
  chmod 0644 "$conf.dcc-new"
  mv -f "$conf.dcc-new" "$conf"
  changed+=("$conf")
done
if [ $# -ne 0 ]; then
  restore
  echo "usage: dcc-route.sh CONF_DIR [APP SERVICE BACKEND PORT MODE REDIRECT]..." >&2
  exit 2
fi
if [ ${#changed[@]} -eq 0 ]; then
  echo unchanged
  exit 0
fi
if ! nginx -t -q; then
  restore
  echo "nginx rejected the new routes; the previous ones are back" >&2
  exit 1
fi
old_workers=$(ps -eo pid=,args= | awk '$2 == "nginx:" && $3 == "worker" {print $1}')
nginx -s reload
for f in "${changed[@]}"; do rm -f "$f.dcc-prev"; done
# Old workers finish their in-flight requests, then exit; wait for that (bounded).
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
echo changed
