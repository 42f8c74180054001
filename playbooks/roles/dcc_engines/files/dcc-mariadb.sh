#!/bin/bash
# MariaDB/MySQL behind the verbs every database engine of the pipeline has (one file per engine,
# so that the checksum query exists once: dump, restore and verification all run `counts`).
#   size DB                lines of DB's tables and indexes, in bytes (fails if it is not there)
#   room NEED              the tools are here and the server's folder has NEED bytes free
#   freeze DB STATE        lock every account with privileges on DB, end its sessions, wait until none
#                          is left; the accounts locked are listed in STATE/<DB>.mariadb-locked
#   dump DB OWNER OUT STATE
#                          freeze, then one consistent dump (--single-transaction: InnoDB tables in one
#                          snapshot), the accounts and grants on DB (without the lock freeze put on
#                          them), and `counts` of exactly what the dump holds (it is loaded into a
#                          scratch database for that, then dropped); OWNER is not needed here
#   counts DB              "table rows md5" per base table, by table name; md5 over the sorted md5s of
#                          each row's quoted columns (NULL and the string 'NULL' differ)
#   restore DB OWNER IN CLIENTS DIGEST
#                          load the dump into a scratch database and compare `counts` with the source's;
#                          then (a DB already there is kept as DB__dcc_kept_<epoch>, never dropped) load
#                          it as DB, compare again, mark it with DIGEST; the accounts recreated for each
#                          address of CLIENTS (comma-separated: every host the app connects from)
#   access [DB OWNER CLIENT_IP]...
#                          listen on the network, run and start at boot (accounts come with restore)
#   thaw DB STATE          unlock exactly the accounts freeze locked
#   close APP DB RETAINED UNTIL STAMP STATE
#                          the accounts stay locked (decommission: the data stays as the retained copy),
#                          with a retention record RETAINED/APP-db-STAMP.retention
# Database names are plain identifiers ([A-Za-z0-9_]). Verbs that change something print
# "changed" or "unchanged" last.
set -euo pipefail
# Under dcc_run (the Ansible module) dcc_changed tells Ansible this run changed the host; run alone,
# the last line says it.
command -v dcc_changed >/dev/null || dcc_changed() { :; }
umask 077
cd /

sql() { mariadb --batch --skip-column-names "$@"; }

CLEAN_DIR="" CLEAN_DB=""
cleanup() {
  if [ -n "$CLEAN_DIR" ]; then rm -rf "$CLEAN_DIR"; fi
  if [ -n "$CLEAN_DB" ]; then sql -e "DROP DATABASE IF EXISTS \`$CLEAN_DB\`" || true; fi
}
trap cleanup EXIT

ident() {
  [[ "$1" =~ ^[A-Za-z0-9_]{1,48}$ ]] || { echo "not a plain database name: $1" >&2; exit 2; }
}

addresses() {  # a comma-separated list of 1 to 64 IP addresses
  local a
  [[ "$1" =~ ^[0-9a-fA-F.:]{2,45}(,[0-9a-fA-F.:]{2,45}){0,63}$ ]] || { echo "not a list of addresses: $1" >&2; exit 2; }
  for a in ${1//,/ }; do [[ "$a" =~ ^[0-9a-fA-F.:]{2,45}$ ]] || { echo "not an address: $a" >&2; exit 2; }; done
}

counts() {
  local db=$1 gen
  ident "$db"
  # Generate one query per table from the catalog, then run them all in one session.
  gen=$(sql <<SQL
SET SESSION group_concat_max_len = 1048576;
SELECT CONCAT('SELECT ', QUOTE(c.table_name), ', COUNT(*), MD5(COALESCE(GROUP_CONCAT(', c.e,
              ' ORDER BY ', c.e, ' SEPARATOR ''''), '''')) FROM \`$db\`.\`',
              REPLACE(c.table_name, '\`', '\`\`'), '\`;')
FROM (SELECT table_name,
             CONCAT('MD5(CONCAT_WS(0x1f, ', GROUP_CONCAT(CONCAT('QUOTE(\`', REPLACE(column_name, '\`', '\`\`'), '\`)')
                    ORDER BY ordinal_position SEPARATOR ', '), '))') AS e
      FROM information_schema.columns
      WHERE table_schema = '$db'
        AND table_name IN (SELECT table_name FROM information_schema.tables
                           WHERE table_schema = '$db' AND table_type = 'BASE TABLE')
      GROUP BY table_name) c
ORDER BY c.table_name;
SQL
)
  [ -n "$gen" ] || return 0
  { echo "SET SESSION group_concat_max_len = 18446744073709551615;"; echo "$gen"; } | sql | tr '\t' ' '
}

grantees() {  # `user`@`host` of every account with privileges on DB (database or table level)
  sql <<SQL
SELECT DISTINCT CONCAT('\`', REPLACE(User, '\`', '\`\`'), '\`@\`', REPLACE(Host, '\`', '\`\`'), '\`')
FROM (SELECT User, Host FROM mysql.db WHERE Db = '$1'
      UNION SELECT User, Host FROM mysql.tables_priv WHERE Db = '$1') g
ORDER BY 1;
SQL
}

exists() { [ -n "$(sql -e "SELECT 1 FROM information_schema.schemata WHERE schema_name = '$1'")" ]; }

freeze() {
  local db=$1 state=$2 changed=0 account users left
  ident "$db"
  install -d -m 0700 "$state"
  touch "$state/$db.mariadb-locked"
  while read -r account; do
    [ -n "$account" ] || continue
    if ! sql -e "SHOW CREATE USER $account" | grep -q 'ACCOUNT LOCK'; then
      sql -e "ALTER USER $account ACCOUNT LOCK"
      grep -qxF "$account" "$state/$db.mariadb-locked" || echo "$account" >>"$state/$db.mariadb-locked"
      changed=1
    fi
  done < <(grantees "$db")
  users=$(sed -E 's/^`(([^`]|``)*)`@.*$/\1/; s/``/`/g' "$state/$db.mariadb-locked" | sort -u)
  for _ in $(seq 1 300); do
    left=0
    while read -r id user; do
      if grep -qxF "$user" <<<"$users"; then
        sql -e "KILL CONNECTION $id" 2>/dev/null || true
        left=$((left + 1))
        changed=1
      fi
    done < <(sql -e "SELECT id, user FROM information_schema.processlist WHERE id <> CONNECTION_ID()")
    [ "$left" = 0 ] && break
    sleep 0.1
  done
  [ "$left" = 0 ] || { echo "database $db: $left session(s) still open after 30 s" >&2; exit 1; }
  [ "$changed" = 1 ] && { dcc_changed; echo changed; } || echo unchanged
}

thaw() {
  local db=$1 state=$2 account changed=0
  ident "$db"
  [ -f "$state/$db.mariadb-locked" ] || { echo unchanged; return; }
  while read -r account; do
    [ -n "$account" ] || continue
    sql -e "ALTER USER $account ACCOUNT UNLOCK"
    changed=1
  done <"$state/$db.mariadb-locked"
  rm -f "$state/$db.mariadb-locked"
  [ "$changed" = 1 ] && { dcc_changed; echo changed; } || echo unchanged
}

dump() {
  local db=$1 out=$3 state=$4 tmp scratch account create changed=0 f
  ident "$db"
  exists "$db" || { echo "database $db not found" >&2; exit 1; }
  [ "$(freeze "$db" "$state")" = changed ] && changed=1
  mkdir -p "$out"
  chmod 0700 "$out"
  tmp=$(mktemp -d "$out/.tmp.XXXXXX")
  scratch="${db:0:40}__dcc_check"
  CLEAN_DIR=$tmp CLEAN_DB=$scratch
  mariadb-dump --single-transaction --skip-lock-tables --routines --triggers --events --hex-blob \
    --skip-comments --skip-dump-date --default-character-set=utf8mb4 "$db" >"$tmp/dump.sql"
  : >"$tmp/grants.sql"
  while read -r account; do
    [ -n "$account" ] || continue
    create=$(sql -e "SHOW CREATE USER $account")
    # The lock is the freeze's own, not the account's: the restored account takes connections.
    if grep -qxF "$account" "$state/$db.mariadb-locked"; then create=${create/ ACCOUNT LOCK/}; fi
    { printf '%s\n' "$create"; sql -e "SHOW GRANTS FOR $account"; } | sed 's/$/;/' >>"$tmp/grants.sql"
  done < <(grantees "$db")
  sql -e "DROP DATABASE IF EXISTS \`$scratch\`; CREATE DATABASE \`$scratch\`"
  sql "$scratch" <"$tmp/dump.sql"
  counts "$scratch" >"$tmp/counts.txt"
  for f in dump.sql counts.txt grants.sql; do
    if ! cmp -s "$tmp/$f" "$out/$f"; then
      mv -f "$tmp/$f" "$out/$f"
      changed=1
    fi
  done
  [ "$changed" = 1 ] && { dcc_changed; echo changed; } || echo unchanged
}

keep_aside() {  # move DB's tables into DB__dcc_kept_<epoch>; refuse what RENAME TABLE cannot move
  local db=$1 kept tables
  kept="${db:0:40}__dcc_kept_$(date +%s)"
  if [ -n "$(sql -e "SELECT 1 FROM information_schema.triggers WHERE trigger_schema = '$db' UNION
                     SELECT 1 FROM information_schema.views WHERE table_schema = '$db' LIMIT 1")" ]; then
    echo "database $db is already here and has triggers or views; move it aside by hand first" >&2
    exit 1
  fi
  tables=$(sql -e "SELECT GROUP_CONCAT(CONCAT('\`$db\`.\`', REPLACE(table_name, '\`', '\`\`'), '\` TO \`$kept\`.\`',
                   REPLACE(table_name, '\`', '\`\`'), '\`') SEPARATOR ', ')
                   FROM information_schema.tables WHERE table_schema = '$db'")
  sql -e "CREATE DATABASE \`$kept\` COMMENT 'dcc: kept when a restore replaced $db; drop it only by hand'"
  if [ -n "$tables" ] && [ "$tables" != NULL ]; then sql -e "RENAME TABLE $tables"; fi
  sql -e "DROP DATABASE \`$db\`"  # empty now: its tables are in $kept
}

restore() {
  local db=$1 in=$3 clients=$4 digest=$5 scratch marker client
  ident "$db"
  addresses "$clients"
  [[ "$digest" =~ ^[0-9a-f]{16,128}$ ]] || { echo "not a digest: $digest" >&2; exit 2; }
  marker="dcc-restored $digest"
  if [ "$(sql -e "SELECT schema_comment FROM information_schema.schemata WHERE schema_name = '$db'")" = "$marker" ]; then
    echo unchanged
    return
  fi
  scratch="${db:0:40}__dcc_restore"
  CLEAN_DB=$scratch
  sql -e "DROP DATABASE IF EXISTS \`$scratch\`; CREATE DATABASE \`$scratch\`"
  sql "$scratch" <"$in/dump.sql"
  if ! diff -u "$in/counts.txt" <(counts "$scratch") >&2; then
    sql -e "DROP DATABASE IF EXISTS \`$scratch\`"
    echo "row counts or checksums differ from the source's" >&2
    exit 1
  fi
  sql -e "DROP DATABASE \`$scratch\`"
  CLEAN_DB=""
  if exists "$db"; then keep_aside "$db"; fi
  sql -e "CREATE DATABASE \`$db\`"
  sql "$db" <"$in/dump.sql"
  if ! diff -u "$in/counts.txt" <(counts "$db") >&2; then
    echo "row counts or checksums differ from the source's after the final load" >&2
    exit 1
  fi
  # The accounts, with their password hashes, for each address the app connects from once moved.
  for client in ${clients//,/ }; do
    sed -E "s/@\`([^\`]|\`\`)*\`/@\`$client\`/g; s/^CREATE USER /CREATE OR REPLACE USER /" "$in/grants.sql" | sql
  done
  sql -e "ALTER DATABASE \`$db\` COMMENT '$marker'"
  { dcc_changed; echo changed; }
}

size() {
  ident "$1"
  exists "$1" || { echo "database $1 not found on $(hostname)" >&2; exit 1; }
  sql -e "SELECT COALESCE(SUM(data_length + index_length), 0) FROM information_schema.tables WHERE table_schema = '$1'"
}

room() {
  local need=$1 tool d free
  for tool in mariadb mariadb-dump; do command -v "$tool" >/dev/null || { echo "$tool missing on $(hostname)" >&2; exit 1; }; done
  d=/var/lib/mysql
  while [ ! -e "$d" ]; do d=$(dirname "$d"); done
  free=$(df -B1 --output=avail "$d" | tail -n 1 | tr -d ' ')
  [ "$free" -ge "$need" ] || { echo "only $free bytes free at $d on $(hostname), need $need" >&2; exit 1; }
  echo ok
}

close() {
  local app=$1 db=$2 retained=$3 until=$4 stamp=$5 state=$6 changed=0 record body
  ident "$db"
  exists "$db" || { echo "database $db not found" >&2; exit 1; }
  [ "$(freeze "$db" "$state")" = changed ] && changed=1
  [ -d "$retained" ] || install -d -m 0700 -o root -g root "$retained"
  record="$retained/$app-db-$stamp.retention"
  body=$(printf 'app=%s\ndatabase=%s\nretain_until=%s' "$app" "$db" "$until")
  if [ ! -f "$record" ] || [ "$(cat "$record")" != "$body" ]; then
    printf '%s\n' "$body" >"$record.tmp"
    chmod 0600 "$record.tmp"
    mv -f "$record.tmp" "$record"
    changed=1
  fi
  [ "$changed" = 1 ] && { dcc_changed; echo changed; } || echo unchanged
}

access() {
  local conf=/etc/mysql/mariadb.conf.d/95-dcc.cnf want changed=0
  want=$'# Written by dcc: the app\'s hosts reach this database over the network.\n[mysqld]\nbind-address = 0.0.0.0'
  if [ ! -f "$conf" ] || [ "$(cat "$conf")" != "$want" ]; then
    printf '%s\n' "$want" >"$conf.tmp"
    chmod 0644 "$conf.tmp"
    mv -f "$conf.tmp" "$conf"
    changed=1
  fi
  if service mariadb status >/dev/null 2>&1; then
    if [ "$changed" = 1 ]; then service mariadb restart >/dev/null 2>&1 </dev/null; fi
  else
    service mariadb start >/dev/null 2>&1 </dev/null
    changed=1
  fi
  service mariadb status >/dev/null 2>&1 || { echo "mariadb is not running" >&2; exit 1; }
  if ! compgen -G "/etc/rc[2345].d/S[0-9][0-9]mariadb" >/dev/null; then
    update-rc.d mariadb defaults >/dev/null 2>&1
    update-rc.d mariadb enable >/dev/null 2>&1
    changed=1
  fi
  [ "$changed" = 1 ] && { dcc_changed; echo changed; } || echo unchanged
}

usage() {
  echo "usage: dcc-mariadb.sh size DB | room NEED | freeze DB STATE | dump DB OWNER OUT STATE | counts DB |" \
    "restore DB OWNER IN CLIENTS DIGEST | access [DB OWNER CLIENT_IP]... | thaw DB STATE |" \
    "close APP DB RETAINED UNTIL STAMP STATE" >&2
  exit 2
}
verb=${1:-}
[ $# -gt 0 ] && shift
declare -A ARGC=([size]=1 [room]=1 [freeze]=2 [thaw]=2 [dump]=4 [counts]=1 [restore]=5 [close]=6)
if [ "$verb" = access ]; then
  [ $(($# % 3)) -eq 0 ] || usage
  access
  exit 0
fi
[ -n "$verb" ] && [ -n "${ARGC[$verb]:-}" ] && [ $# -eq "${ARGC[$verb]}" ] || usage
"$verb" "$@"
