#!/bin/bash
# Open this database target to the apps' hosts: PostgreSQL listens on the network, and each
# "host DB ROLE CLIENT_IP/32 md5" line is in pg_hba.conf. Restarts PostgreSQL only when its
# configuration changed; then it is running and enabled at boot.
# Args: CONF_DIR then DB ROLE CLIENT_IP per app. Prints "changed" or "unchanged".
set -euo pipefail
conf_dir=$1
shift
changed=0
pgconf=$conf_dir/postgresql.conf hba=$conf_dir/pg_hba.conf
want="listen_addresses = '*'"
if ! grep -qxF "$want" "$pgconf"; then
  if grep -qE '^#?listen_addresses[[:space:]]*=' "$pgconf"; then
    sed -i -E "0,/^#?listen_addresses[[:space:]]*=.*/s//$want/" "$pgconf"
  else
    echo "$want" >>"$pgconf"
  fi
  changed=1
fi
while [ $# -ge 3 ]; do
  line="host $1 $2 $3/32 md5"
  shift 3
  if ! grep -qxF "$line" "$hba"; then
    echo "$line" >>"$hba"
    changed=1
  fi
done
[ $# -eq 0 ] || { echo "usage: dcc-pgaccess.sh CONF_DIR [DB ROLE CLIENT_IP]..." >&2; exit 2; }
pg() { service postgresql "$1" >/dev/null 2>&1 </dev/null; }  # whatever the host's init system
if pg status; then
  if [ "$changed" = 1 ]; then pg restart; fi
else
  pg start
  changed=1
fi
pg status || { echo "postgresql is not running" >&2; exit 1; }
if ! compgen -G "/etc/rc[2345].d/S[0-9][0-9]postgresql" >/dev/null; then
  update-rc.d postgresql defaults >/dev/null 2>&1
  update-rc.d postgresql enable >/dev/null 2>&1
  changed=1
fi
[ "$changed" = 1 ] && echo changed || echo unchanged
