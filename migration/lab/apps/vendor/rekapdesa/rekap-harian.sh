#!/bin/sh
# Rekap harian dana desa: moves new submissions (masuk/) to the archive (arsip/) and writes a
# fresh CSV report of every archived submission into reports/. Run by cron as the rekap user.
set -eu
. /etc/default/@VENDOR@
cd "$SPOOL"
exec 9>"$SPOOL/.batch.lock"
flock -n 9 || exit 0
for f in "$SPOOL"/masuk/*.txt; do
    [ -e "$f" ] || break
    mv "$f" "$SPOOL/arsip/"
done
ts=$(date -u +%Y%m%d-%H%M%S)
tmp="$SPOOL/reports/.rekap-$ts.tmp"
{
    echo "desa,kiriman,jumlah"
    find "$SPOOL/arsip" -name '*.txt' -exec cat {} + |
        awk -F'\t' 'NF >= 2 { n[$1]++; s[$1] += $2 } END { for (d in n) printf "%s,%d,%d\n", d, n[d], s[d] }' | sort
} > "$tmp"
mv "$tmp" "$SPOOL/reports/rekap-$ts.csv"
echo "$(date -u +%FT%TZ) report rekap-$ts.csv"
