#!/bin/bash
# Restore a dump into a FRESH database in one transaction, compare row counts and checksums
# with the source's (taken in the dump's snapshot), then swap it in. A database already there
# under the name is never dropped: it may hold the only copy of writes (a target that served,
# a source before its failback); it is renamed to <db>__dcc_kept_<epoch> and kept.
# Prints "changed" or "unchanged".
set -euo pipefail
db=$1 role=$2 in=$3 digest=$4
cd /
pg() { runuser -u postgres -- psql -X -q -A -t -v ON_ERROR_STOP=1 "$@"; }
counts() {
  pg -d "$1" <<'SQL'
SELECT c.relname || ' ' ||
  (xpath('/row/n/text()', query_to_xml(format('SELECT count(*) AS n FROM public.%I', c.relname), false, true, '')))[1]::text || ' ' ||
  (xpath('/row/h/text()', query_to_xml(format('SELECT md5(coalesce(string_agg(md5(t::text), '''' ORDER BY md5(t::text)), '''')) AS h FROM public.%I t', c.relname), false, true, '')))[1]::text
FROM pg_class c JOIN pg_namespace s ON s.oid = c.relnamespace
WHERE s.nspname = 'public' AND c.relkind = 'r' ORDER BY c.relname;
SQL
}
marker="dcc-restored $digest"
current=$(pg -d postgres -c "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = '$db'")
if [ "$current" = "$marker" ]; then
  echo unchanged
  exit 0
fi
pg -d postgres -c "DO \$\$BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$role') THEN CREATE ROLE \"$role\" LOGIN; END IF; END\$\$;"
# The role's definition (with its password hash, never the password) comes from the source.
grep -E '^ALTER ROLE' "$in/roles.sql" | pg -d postgres -f - >/dev/null || true
fresh="${db}__dcc_restore"
pg -d postgres -c "DROP DATABASE IF EXISTS \"$fresh\""
pg -d postgres -c "CREATE DATABASE \"$fresh\" OWNER \"$role\" TEMPLATE template0"
# Fed by root: the dump is private (0600 root), the postgres user cannot open it itself.
pg -d "$fresh" --single-transaction -f - <"$in/dump.sql" >/dev/null
if ! diff -u "$in/counts.txt" <(counts "$fresh") >&2; then
  pg -d postgres -c "DROP DATABASE IF EXISTS \"$fresh\""
  echo "row counts or checksums differ from the source's" >&2
  exit 1
fi
exists=$(pg -d postgres -c "SELECT 1 FROM pg_database WHERE datname = '$db'")
if [ -n "$exists" ]; then
  kept="${db:0:40}__dcc_kept_$(date +%s)"
  pg -d postgres -c "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '$db' AND pid <> pg_backend_pid()" >/dev/null
  pg -d postgres -c "ALTER DATABASE \"$db\" RENAME TO \"$kept\""
  pg -d postgres -c "COMMENT ON DATABASE \"$kept\" IS 'dcc: kept when a restore replaced $db; drop it only by hand'"
fi
pg -d postgres -c "ALTER DATABASE \"$fresh\" RENAME TO \"$db\""
pg -d postgres -c "COMMENT ON DATABASE \"$db\" IS '$marker'"
echo changed
