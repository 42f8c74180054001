#!/bin/bash
# File databases (SQLite, or any file an app keeps its records in) behind the verbs every database
# engine of the pipeline has. The file moves inside its data folder, so this engine moves no bytes:
# it makes sure nothing holds the file while it is captured, and proves the copy on the target is
# the same database. A file that starts with SQLite's header is checked as SQLite (integrity_check,
# then rows and checksums per table); any other file by its size and SHA-256.
#   size PATH                   bytes of the file and its journal or WAL (fails if it is not there)
#   room NEED                   the tools are here (the room is its data folder's, checked with the app)
#   freeze PATH STATE           wait until no process holds the file (or its journal) open; after 30 s,
#                               refuse, naming the processes (the app's services are stopped already)
#   dump PATH OWNER OUT STATE   freeze, then `counts` into OUT/counts.txt; a SQLite file must pass
#                               integrity_check (opened as the file's owner: a journal left by a crash is
#                               rolled back by SQLite itself, and no root-owned file is left beside it)
#   counts PATH                 SQLite: "table rows md5" per table, md5 over the sorted md5s of each row;
#                               another file: "<name> <bytes> <sha256>"
#   restore PATH OWNER IN CLIENTS DIGEST
#                               the copy now at PATH (placed with its data folder) passes integrity_check
#                               and its counts equal IN/counts.txt
#   access | thaw PATH STATE | close APP PATH RETAINED UNTIL STAMP STATE
#                               nothing to do for a file (its data folder is retained with the app)
# Verbs that could change something print "changed" or "unchanged" last.
set -euo pipefail
# Under dcc_run (the Ansible module) dcc_changed tells Ansible this run changed the host; run alone,
# the last line says it.
command -v dcc_changed >/dev/null || dcc_changed() { :; }
umask 077
cd /

checked() {
  [[ "$1" == /* && "$1" != *"/../"* && "$1" != *"/./"* ]] || { echo "not an absolute path: $1" >&2; exit 2; }
}

size() {
  local f total=0
  checked "$1"
  [ -f "$1" ] || { echo "database file $1 not found on $(hostname)" >&2; exit 1; }
  for f in "$1" "$1-wal" "$1-journal"; do
    if [ -f "$f" ]; then total=$((total + $(stat -c %s "$f"))); fi
  done
  echo "$total"
}

room() {
  command -v python3 >/dev/null || { echo "python3 missing on $(hostname)" >&2; exit 1; }
  echo ok
}

holders() {  # "pid command" of each process that has PATH, its journal or its WAL open
  local fd target
  for fd in /proc/[0-9]*/fd/*; do
    target=$(readlink "$fd" 2>/dev/null) || continue
    case "$target" in
      "$1" | "$1-wal" | "$1-journal") fd=${fd#/proc/}; echo "${fd%%/*} $(cat "/proc/${fd%%/*}/comm" 2>/dev/null)" ;;
    esac
  done | sort -u
}

freeze() {
  local held=""
  checked "$1"
  for _ in $(seq 1 300); do
    held=$(holders "$1")
    [ -z "$held" ] && return 0
    sleep 0.1
  done
  echo "database file $1 is still open after 30 s, by: $(tr '\n' ',' <<<"$held" | sed 's/,$//')" >&2
  exit 1
}

counts() {  # PATH: run as the file's owner (numeric: the user may not exist yet on a target)
  checked "$1"
  [ -f "$1" ] || { echo "database file $1 not found on $(hostname)" >&2; exit 1; }
  setpriv --reuid="$(stat -c %u "$1")" --regid="$(stat -c %g "$1")" --clear-groups -- python3 -I - "$1" <<'PY'
import hashlib
import os
import sqlite3
import sys

path = sys.argv[1]
with open(path, "rb") as handle:
    head = handle.read(16)
if head != b"SQLite format 3\x00":
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    print(os.path.basename(path).replace(" ", "_"), os.path.getsize(path), digest.hexdigest())
    sys.exit(0)


def cell(value):
    kind = type(value).__name__
    shown = value.hex() if isinstance(value, bytes) else repr(value)
    return f"{kind}:{shown}"


db = sqlite3.connect(path, isolation_level=None)
try:
    problems = [row[0] for row in db.execute("PRAGMA integrity_check")]
    if problems != ["ok"]:
        print(f"integrity_check of {path}: " + "; ".join(problems[:5]), file=sys.stderr)
        sys.exit(1)
    tables = [row[0] for row in db.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
    for table in tables:
        quoted = '"' + table.replace('"', '""') + '"'
        rows = sorted(hashlib.md5("\x1f".join(map(cell, row)).encode()).hexdigest()
                      for row in db.execute(f"SELECT * FROM {quoted}"))
        print(table.replace(" ", "_"), len(rows), hashlib.md5("".join(rows).encode()).hexdigest())
finally:
    db.close()
PY
}

dump() {
  local path=$1 out=$3 tmp changed=0
  freeze "$path"
  mkdir -p "$out"
  chmod 0700 "$out"
  tmp=$(mktemp "$out/.counts.XXXXXX")
  if ! counts "$path" >"$tmp"; then rm -f "$tmp"; exit 1; fi
  if cmp -s "$tmp" "$out/counts.txt"; then rm -f "$tmp"; else mv -f "$tmp" "$out/counts.txt"; changed=1; fi
  if [ "$changed" = 1 ]; then { dcc_changed; echo changed; }; else echo unchanged; fi
}

restore() {
  local path=$1 in=$3
  if ! diff -u "$in/counts.txt" <(counts "$path") >&2; then
    echo "database file $path: rows or checksums differ from the source's" >&2
    exit 1
  fi
  echo unchanged
}

usage() {
  echo "usage: dcc-filedb.sh size PATH | room NEED | freeze PATH STATE | dump PATH OWNER OUT STATE | counts PATH |" \
    "restore PATH OWNER IN CLIENTS DIGEST | access | thaw PATH STATE | close APP PATH RETAINED UNTIL STAMP STATE" >&2
  exit 2
}
verb=${1:-}
[ $# -gt 0 ] && shift
declare -A ARGC=([size]=1 [room]=1 [freeze]=2 [dump]=4 [counts]=1 [restore]=5 [thaw]=2 [close]=6)
case "$verb" in
  access) echo unchanged ;;
  thaw | close) [ $# -eq "${ARGC[$verb]}" ] || usage; echo unchanged ;;
  freeze) [ $# -eq 2 ] || usage; freeze "$1"; echo unchanged ;;
  *) [ -n "$verb" ] && [ -n "${ARGC[$verb]:-}" ] && [ $# -eq "${ARGC[$verb]}" ] || usage; "$verb" "$@" ;;
esac
