#!/bin/bash
# Freeze one database at the data, then dump it, its owner role and per-table row counts +
# checksums, all from ONE snapshot. The freeze: CONNECTION LIMIT 0 (which superusers, and so
# this dump, are exempt from; the previous limit is kept in FROZEN/<db>.connlimit for the
# rollback to put back), every other session ended, and a wait until none is left, so no
# writer, the app or anyone connecting directly, can commit after the snapshot. A superuser
# session other than ours cannot be stopped that way: the freeze is then refused.
# Prints "changed" when the freeze or the dump changed anything.
set -euo pipefail
umask 077
db=$1 role=$2 out=$3 frozen=${4:-/var/lib/dcc/frozen}
cd /
q() { runuser -u postgres -- psql -XAtq -v ON_ERROR_STOP=1 -d postgres -c "$1"; }
# Checked before anything is written: a database decommission closed has nothing new to dump.
state=$(q "SELECT datconnlimit || CASE WHEN datallowconn THEN ' t' ELSE ' f' END FROM pg_database WHERE datname = '$db'")
[ -n "$state" ] || { echo "database $db not found" >&2; exit 1; }
limit=${state% *}
[ "${state#* }" = t ] || { echo "database $db is closed to connections (decommissioned): reopen it first" >&2; exit 1; }
mkdir -p "$out"
chmod 0700 "$out"
tmp=$(mktemp -d "$out/.tmp.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
install -d -m 0700 "$frozen"
froze=0
if [ ! -f "$frozen/$db.connlimit" ]; then
  echo "$limit" >"$frozen/$db.connlimit.tmp"
  mv -f "$frozen/$db.connlimit.tmp" "$frozen/$db.connlimit"
fi
if [ "$limit" != 0 ]; then
  q "ALTER DATABASE \"$db\" CONNECTION LIMIT 0" >/dev/null
  froze=1
fi
others="datname = '$db' AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
supers=$(q "SELECT string_agg(DISTINCT usename, ',') FROM pg_stat_activity a JOIN pg_roles r ON r.oid = a.usesysid WHERE $others AND r.rolsuper")
if [ -n "$supers" ]; then
  q "ALTER DATABASE \"$db\" CONNECTION LIMIT $(cat "$frozen/$db.connlimit")" >/dev/null
  rm -f "$frozen/$db.connlimit"
  echo "database $db has sessions of superuser(s) $supers, which a freeze cannot stop; end them and retry" >&2
  exit 1
fi
for _ in $(seq 1 300); do
  left=$(q "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE $others")
  [ "$left" = 0 ] && break
  froze=1
  sleep 0.1
done
[ "$left" = 0 ] || { echo "database $db: $left session(s) still open after 30 s" >&2; exit 1; }
coproc PSQL { runuser -u postgres -- psql -X -q -A -t -v ON_ERROR_STOP=1 -d "$db" 2>&1; }
psql_pid=$PSQL_PID  # bash unsets PSQL_PID once the coproc has exited: keep it for the wait
echo "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SELECT pg_export_snapshot();" >&"${PSQL[1]}"
read -r snap <&"${PSQL[0]}"
runuser -u postgres -- pg_dump --snapshot="$snap" -d "$db" >"$tmp/dump.sql"
# Same query as the restore side and the verify checks: table, rows, md5 over sorted row md5s.
cat >&"${PSQL[1]}" <<'SQL'
SELECT c.relname || ' ' ||
  (xpath('/row/n/text()', query_to_xml(format('SELECT count(*) AS n FROM public.%I', c.relname), false, true, '')))[1]::text || ' ' ||
  (xpath('/row/h/text()', query_to_xml(format('SELECT md5(coalesce(string_agg(md5(t::text), '''' ORDER BY md5(t::text)), '''')) AS h FROM public.%I t', c.relname), false, true, '')))[1]::text
FROM pg_class c JOIN pg_namespace s ON s.oid = c.relnamespace
WHERE s.nspname = 'public' AND c.relkind = 'r' ORDER BY c.relname;
SELECT '__end__';
SQL
: >"$tmp/counts.txt"
while read -r line <&"${PSQL[0]}"; do
  [ "$line" = "__end__" ] && break
  echo "$line" >>"$tmp/counts.txt"
done
echo "COMMIT;" >&"${PSQL[1]}"
eval "exec ${PSQL[1]}>&-"
wait "$psql_pid" 2>/dev/null || true
runuser -u postgres -- pg_dumpall --roles-only 2>/dev/null | grep -E "^(CREATE|ALTER) ROLE \"?$role\"?[ ;]" >"$tmp/roles.sql" || true
# Newer pg_dump wraps a plain dump in \restrict/\unrestrict with a random key: not a change.
same() { [ -f "$2" ] && cmp -s <(grep -Ev '^\\(un)?restrict ' "$1") <(grep -Ev '^\\(un)?restrict ' "$2" 2>/dev/null); }
changed=$froze
for f in dump.sql counts.txt roles.sql; do
  if ! same "$tmp/$f" "$out/$f"; then
    mv -f "$tmp/$f" "$out/$f"
    changed=1
  fi
done
[ "$changed" = 1 ] && echo changed || echo unchanged
