#!/bin/bash
# Preflight on a source host, every app in one run: rsync is there; each app is as its profile
# says (every path there, every service running, every port listening: a mismatch is one line
# naming the profile's file and field, and this host). Prints "KEY BYTES" per item: the data
# each one will move. (Each database is measured by its engine script: `size`.)
# Items: app KEY NCHECK (LABEL KIND VALUE)... NDATA PATH...; KIND is path, service (VALUE: its
# status command) or port.
set -euo pipefail
command -v rsync >/dev/null || { echo "rsync missing" >&2; exit 1; }
cd /
host=$(hostname)
args=("$@")
at=0
take() { REPLY=${args[at]:?missing argument}; at=$((at + 1)); }
check() {  # LABEL KIND VALUE
  case "$2" in
    path) [ -e "$3" ] || { echo "$1: $3 is not on $host" >&2; exit 1; } ;;
    service) bash -c "$3" >/dev/null 2>&1 </dev/null || { echo "$1: not running on $host (\`$3\`)" >&2; exit 1; } ;;
    port) ss -ltnH "sport = :$3" | grep -q . || { echo "$1: nothing listens on port $3 on $host" >&2; exit 1; } ;;
    *) echo "unknown check $2" >&2; exit 2 ;;
  esac
}
while [ "$at" -lt "${#args[@]}" ]; do
  take; kind=$REPLY
  take; key=$REPLY
  [ "$kind" = app ] || { echo "unknown item $kind" >&2; exit 2; }
  take; n=$REPLY
  for ((i = 0; i < n; i++)); do take; label=$REPLY; take; what=$REPLY; take; check "$label" "$what" "$REPLY"; done
  take; n=$REPLY
  size=0
  for ((i = 0; i < n; i++)); do
    take
    if [ -d "$REPLY" ]; then size=$((size + $(du -sb "$REPLY" | cut -f1))); fi
  done
  echo "$key $size"
done
