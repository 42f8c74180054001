#!/bin/bash
# Dump one database, its owner role and per-table row counts + checksums, all from ONE
# snapshot, without stopping anything. Prints "changed" only when the dump differs from the last.
set -euo pipefail
db=$1 role=$2 out=$3
mkdir -p "$out"
chmod 0700 "$out"
tmp=$(mktemp -d "$out/.tmp.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
cd /
coproc PSQL { runuser -u postgres -- psql -X -q -A -t -v ON_ERROR_STOP=1 -d "$db" 2>&1; }
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
wait "$PSQL_PID" || true
runuser -u postgres -- pg_dumpall --roles-only 2>/dev/null | grep -E "^(CREATE|ALTER) ROLE \"?$role\"?[ ;]" >"$tmp/roles.sql" || true
# Newer pg_dump wraps a plain dump in \restrict/\unrestrict with a random key: not a change.
same() { [ -f "$2" ] && cmp -s <(grep -Ev '^\\(un)?restrict ' "$1") <(grep -Ev '^\\(un)?restrict ' "$2" 2>/dev/null); }
changed=0
for f in dump.sql counts.txt roles.sql; do
  if ! same "$tmp/$f" "$out/$f"; then
    mv -f "$tmp/$f" "$out/$f"
    changed=1
  fi
done
[ "$changed" = 1 ] && echo changed || echo unchanged
