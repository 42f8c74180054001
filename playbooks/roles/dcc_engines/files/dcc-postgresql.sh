#!/bin/bash
# PostgreSQL behind the verbs every database engine of the pipeline has (one file per engine, so
# that the checksum query exists once: dump, restore and verification all use COUNTS).
#   size DB                     bytes DB holds (fails if it is not there)
#   room NEED                   the tools are here and the cluster's folder has NEED bytes free
#   freeze DB STATE             CONNECTION LIMIT 0 (superusers, and so our dump, are exempt; the previous
#                               limit is kept in STATE/<DB>.connlimit for thaw), every other session
#                               ended, then a wait until none is left; a superuser session refuses it
#   dump DB OWNER OUT STATE     freeze, then the dump, OWNER's role definition (its password hash, never
#                               the password) and `counts`, all from ONE snapshot, into OUT
#   counts DB                   "table rows md5" per table of schema public; md5 over sorted row md5s
#   restore DB OWNER IN CLIENTS DIGEST
#                               into a fresh database in one transaction, counts compared with the
#                               source's, then swapped in; a DB already there is kept as
#                               DB__dcc_kept_<epoch>, never dropped; marked with DIGEST (CLIENTS, the
#                               comma-separated addresses the app connects from, get in by `access`)
#   access [DB OWNER CLIENT_IP]...
#                               listen on the network, "host DB OWNER CLIENT_IP/32 md5" in pg_hba.conf,
#                               restarted only if that changed, running and started at boot
#   thaw DB STATE               connections allowed again and the limit freeze kept put back
#   close APP DB RETAINED UNTIL STAMP STATE
#                               no connections at all (decommission: the data stays as the retained
#                               copy), with a retention record RETAINED/APP-db-STAMP.retention
# Names are checked as plain identifiers. Verbs that change something print "changed" or
# "unchanged" last.
set -euo pipefail
# Under dcc_run (the Ansible module) dcc_changed tells Ansible this run changed the host; run alone,
# the last line says it.
command -v dcc_changed >/dev/null || dcc_changed() { :; }
umask 077
cd /

COUNTS="SELECT c.relname || ' ' ||
  (xpath('/row/n/text()', query_to_xml(format('SELECT count(*) AS n FROM public.%I', c.relname), false, true, '')))[1]::text || ' ' ||
  (xpath('/row/h/text()', query_to_xml(format('SELECT md5(coalesce(string_agg(md5(t::text), '''' ORDER BY md5(t::text)), '''')) AS h FROM public.%I t', c.relname), false, true, '')))[1]::text
FROM pg_class c JOIN pg_namespace s ON s.oid = c.relnamespace
WHERE s.nspname = 'public' AND c.relkind = 'r' ORDER BY c.relname;"

pg() { runuser -u postgres -- psql -X -q -A -t -v ON_ERROR_STOP=1 "$@"; }
q() { pg -d postgres -c "$1"; }
ident() {
  [[ "$1" =~ ^[A-Za-z_][A-Za-z0-9_.-]{0,62}$ ]] || { echo "not a plain name: $1" >&2; exit 2; }
}
addresses() {  # a comma-separated list of 1 to 64 IP addresses
  local a
  [[ "$1" =~ ^[0-9a-fA-F.:]{2,45}(,[0-9a-fA-F.:]{2,45}){0,63}$ ]] || { echo "not a list of addresses: $1" >&2; exit 2; }
  for a in ${1//,/ }; do [[ "$a" =~ ^[0-9a-fA-F.:]{2,45}$ ]] || { echo "not an address: $a" >&2; exit 2; }; done
}
say() { if [ "$1" = 1 ]; then { dcc_changed; echo changed; }; else echo unchanged; fi; }
CLEAN_DIR=""
trap '[ -z "$CLEAN_DIR" ] || rm -rf "$CLEAN_DIR"' EXIT

size() {
  ident "$1"
  [ -n "$(q "SELECT 1 FROM pg_database WHERE datname = '$1'")" ] || { echo "database $1 not found on $(hostname)" >&2; exit 1; }
  q "SELECT pg_database_size('$1')"
}

room() {
  local need=$1 tool d free
  for tool in psql pg_dump; do command -v "$tool" >/dev/null || { echo "$tool missing on $(hostname)" >&2; exit 1; }; done
  d=/var/lib/postgresql
  while [ ! -e "$d" ]; do d=$(dirname "$d"); done
  free=$(df -B1 --output=avail "$d" | tail -n 1 | tr -d ' ')
  [ "$free" -ge "$need" ] || { echo "only $free bytes free at $d on $(hostname), need $need" >&2; exit 1; }
  echo ok
}

FROZE=0
freeze() {  # sets FROZE=1 if anything changed
  local db=$1 state=$2 limit others supers left=0
  ident "$db"
  # Checked before anything is written: a database decommission closed has nothing new to give.
  limit=$(q "SELECT datconnlimit || CASE WHEN datallowconn THEN ' t' ELSE ' f' END FROM pg_database WHERE datname = '$db'")
  [ -n "$limit" ] || { echo "database $db not found" >&2; exit 1; }
  [ "${limit#* }" = t ] || { echo "database $db is closed to connections (decommissioned): reopen it first" >&2; exit 1; }
  limit=${limit% *}
  install -d -m 0700 "$state"
  if [ ! -f "$state/$db.connlimit" ]; then
    echo "$limit" >"$state/$db.connlimit.tmp"
    mv -f "$state/$db.connlimit.tmp" "$state/$db.connlimit"
  fi
  if [ "$limit" != 0 ]; then
    q "ALTER DATABASE \"$db\" CONNECTION LIMIT 0" >/dev/null
    FROZE=1
  fi
  others="datname = '$db' AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
  supers=$(q "SELECT string_agg(DISTINCT usename, ',') FROM pg_stat_activity a JOIN pg_roles r ON r.oid = a.usesysid WHERE $others AND r.rolsuper")
  if [ -n "$supers" ]; then
    q "ALTER DATABASE \"$db\" CONNECTION LIMIT $(cat "$state/$db.connlimit")" >/dev/null
    rm -f "$state/$db.connlimit"
    echo "database $db has sessions of superuser(s) $supers, which a freeze cannot stop; end them and retry" >&2
    exit 1
  fi
  for _ in $(seq 1 300); do
    left=$(q "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE $others")
    [ "$left" = 0 ] && break
    FROZE=1
    sleep 0.1
  done
  [ "$left" = 0 ] || { echo "database $db: $left session(s) still open after 30 s" >&2; exit 1; }
}

dump() {
  local db=$1 owner=$2 out=$3 state=$4 tmp snap psql_pid line changed f
  ident "$owner"
  freeze "$db" "$state"
  mkdir -p "$out"
  chmod 0700 "$out"
  tmp=$(mktemp -d "$out/.tmp.XXXXXX")
  CLEAN_DIR=$tmp
  coproc PSQL { runuser -u postgres -- psql -X -q -A -t -v ON_ERROR_STOP=1 -d "$db" 2>&1; }
  psql_pid=$PSQL_PID  # bash unsets PSQL_PID once the coproc has exited: keep it for the wait
  echo "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SELECT pg_export_snapshot();" >&"${PSQL[1]}"
  read -r snap <&"${PSQL[0]}"
  runuser -u postgres -- pg_dump --snapshot="$snap" -d "$db" >"$tmp/dump.sql"
  printf '%s\nSELECT %s;\n' "$COUNTS" "'__end__'" >&"${PSQL[1]}"
  : >"$tmp/counts.txt"
  while read -r line <&"${PSQL[0]}"; do
    [ "$line" = "__end__" ] && break
    echo "$line" >>"$tmp/counts.txt"
  done
  echo "COMMIT;" >&"${PSQL[1]}"
  eval "exec ${PSQL[1]}>&-"
  wait "$psql_pid" 2>/dev/null || true
  runuser -u postgres -- pg_dumpall --roles-only 2>/dev/null | grep -E "^(CREATE|ALTER) ROLE \"?$owner\"?[ ;]" >"$tmp/roles.sql" || true
  # Newer pg_dump wraps a plain dump in \restrict/\unrestrict with a random key: not a change.
  same() { [ -f "$2" ] && cmp -s <(grep -Ev '^\\(un)?restrict ' "$1") <(grep -Ev '^\\(un)?restrict ' "$2" 2>/dev/null); }
  changed=$FROZE
  for f in dump.sql counts.txt roles.sql; do
    if ! same "$tmp/$f" "$out/$f"; then
      mv -f "$tmp/$f" "$out/$f"
      changed=1
    fi
  done
  say "$changed"
}

counts() {
  ident "$1"
  pg -d "$1" -c "$COUNTS"
}

restore() {
  local db=$1 owner=$2 in=$3 client=$4 digest=$5 marker fresh kept
  ident "$db"
  ident "$owner"
  addresses "$client"
  [[ "$digest" =~ ^[0-9a-f]{16,128}$ ]] || { echo "not a digest: $digest" >&2; exit 2; }
  marker="dcc-restored $digest"
  if [ "$(q "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = '$db'")" = "$marker" ]; then
    echo unchanged
    return
  fi
  q "DO \$\$BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$owner') THEN CREATE ROLE \"$owner\" LOGIN; END IF; END\$\$;"
  # The role's definition (with its password hash, never the password) comes from the source.
  grep -E '^ALTER ROLE' "$in/roles.sql" | pg -d postgres -f - >/dev/null || true
  fresh="${db:0:40}__dcc_restore"
  q "DROP DATABASE IF EXISTS \"$fresh\""
  q "CREATE DATABASE \"$fresh\" OWNER \"$owner\" TEMPLATE template0"
  # Fed by root: the dump is private (0600 root), the postgres user cannot open it itself.
  pg -d "$fresh" --single-transaction -f - <"$in/dump.sql" >/dev/null
  if ! diff -u "$in/counts.txt" <(counts "$fresh") >&2; then
    q "DROP DATABASE IF EXISTS \"$fresh\""
    echo "row counts or checksums differ from the source's" >&2
    exit 1
  fi
  if [ -n "$(q "SELECT 1 FROM pg_database WHERE datname = '$db'")" ]; then
    kept="${db:0:40}__dcc_kept_$(date +%s)"
    q "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '$db' AND pid <> pg_backend_pid()" >/dev/null
    q "ALTER DATABASE \"$db\" RENAME TO \"$kept\""
    q "COMMENT ON DATABASE \"$kept\" IS 'dcc: kept when a restore replaced $db; drop it only by hand'"
  fi
  q "ALTER DATABASE \"$fresh\" RENAME TO \"$db\""
  q "COMMENT ON DATABASE \"$db\" IS '$marker'"
  { dcc_changed; echo changed; }
}

access() {
  local conf pgconf hba want line changed=0
  conf=$(find /etc/postgresql -mindepth 2 -maxdepth 2 -name main -type d 2>/dev/null | sort -V | tail -n 1)
  [ -n "$conf" ] || { echo "no PostgreSQL cluster configuration under /etc/postgresql on $(hostname)" >&2; exit 1; }
  pgconf=$conf/postgresql.conf hba=$conf/pg_hba.conf
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
    ident "$1"
    ident "$2"
    [[ "$3" =~ ^[0-9a-fA-F.:]{2,45}$ ]] || { echo "not an address: $3" >&2; exit 2; }
    line="host $1 $2 $3/32 md5"
    shift 3
    if ! grep -qxF "$line" "$hba"; then
      echo "$line" >>"$hba"
      changed=1
    fi
  done
  [ $# -eq 0 ] || usage
  svc() { service postgresql "$1" >/dev/null 2>&1 </dev/null; }  # whatever the host's init system
  if svc status; then
    if [ "$changed" = 1 ]; then svc restart; fi
  else
    svc start
    changed=1
  fi
  svc status || { echo "postgresql is not running on $(hostname)" >&2; exit 1; }
  if ! compgen -G "/etc/rc[2345].d/S[0-9][0-9]postgresql" >/dev/null; then
    update-rc.d postgresql defaults >/dev/null 2>&1
    update-rc.d postgresql enable >/dev/null 2>&1
    changed=1
  fi
  say "$changed"
}

thaw() {
  local db=$1 state=$2 allowed limit changed=0
  ident "$db"
  allowed=$(q "SELECT datallowconn FROM pg_database WHERE datname = '$db'")
  [ -n "$allowed" ] || { echo "database $db not found" >&2; exit 1; }
  if [ "$allowed" != t ]; then
    q "ALTER DATABASE \"$db\" WITH ALLOW_CONNECTIONS true" >/dev/null
    changed=1
  fi
  if [ -f "$state/$db.connlimit" ]; then
    limit=$(cat "$state/$db.connlimit")
    [[ "$limit" =~ ^-?[0-9]+$ ]] || { echo "bad saved connection limit for $db: $limit" >&2; exit 1; }
    q "ALTER DATABASE \"$db\" CONNECTION LIMIT $limit" >/dev/null
    rm -f "$state/$db.connlimit"
    changed=1
  fi
  say "$changed"
}

close() {
  local app=$1 db=$2 retained=$3 until=$4 stamp=$5 allowed changed=0
  ident "$db"
  allowed=$(q "SELECT datallowconn FROM pg_database WHERE datname = '$db'")
  [ -n "$allowed" ] || { echo "database $db not found" >&2; exit 1; }
  if [ "$allowed" = t ]; then
    q "ALTER DATABASE \"$db\" WITH ALLOW_CONNECTIONS false" >/dev/null
    q "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '$db'" >/dev/null
    changed=1
  fi
  retain "$retained" "$retained/$app-db-$stamp.retention" \
    "$(printf 'app=%s\ndatabase=%s\nretain_until=%s' "$app" "$db" "$until")" || changed=1
  say "$changed"
}

retain() {  # RETAINED FILE BODY: the retention record, rewritten only when it differs (returns 1 if so)
  if [ ! -d "$1" ]; then install -d -m 0700 -o root -g root "$1"; fi
  if [ -f "$2" ] && [ "$(cat "$2")" = "$3" ]; then return 0; fi
  printf '%s\n' "$3" >"$2.tmp"
  chmod 0600 "$2.tmp"
  mv -f "$2.tmp" "$2"
  return 1
}

usage() {
  echo "usage: dcc-postgresql.sh size DB | room NEED | freeze DB STATE | dump DB OWNER OUT STATE | counts DB |" \
    "restore DB OWNER IN CLIENTS DIGEST | access [DB OWNER CLIENT_IP]... | thaw DB STATE |" \
    "close APP DB RETAINED UNTIL STAMP STATE" >&2
  exit 2
}
verb=${1:-}
[ $# -gt 0 ] && shift
declare -A ARGC=([size]=1 [room]=1 [freeze]=2 [dump]=4 [counts]=1 [restore]=5 [thaw]=2 [close]=6)
case "$verb" in
  access) access "$@" ;;
  freeze) [ $# -eq 2 ] || usage; freeze "$@"; say "$FROZE" ;;
  *) [ -n "$verb" ] && [ -n "${ARGC[$verb]:-}" ] && [ $# -eq "${ARGC[$verb]}" ] || usage; "$verb" "$@" ;;
esac
