#!/bin/bash
# Preflight on a target host, every app in one run: the tools are there, the app's first data
# folder (or the database's) has room for NEED bytes, and the app's ports are free (or held by
# our own earlier deploy: one of its services' status commands exits 0).
# Items: app NEED NPORTS PORT... ROOM NCHECK CHECK... | db NEED ROOM.
set -euo pipefail
args=("$@")
at=0
take() { REPLY=${args[at]:?missing argument}; at=$((at + 1)); }
room() {  # PATH NEED: the nearest existing folder of PATH has NEED bytes free
  local d=$1 free
  while [ ! -e "$d" ]; do d=$(dirname "$d"); done
  free=$(df -B1 --output=avail "$d" | tail -n 1 | tr -d ' ')
  if [ "$free" -lt "$2" ]; then echo "only $free bytes free at $d, need $2" >&2; exit 1; fi
}
while [ "$at" -lt "${#args[@]}" ]; do
  take; kind=$REPLY
  take; need=$REPLY
  tools="rsync python3"
  [ "$kind" = db ] && tools="$tools psql pg_restore"
  for tool in $tools; do
    command -v "$tool" >/dev/null || { echo "$tool missing on target" >&2; exit 1; }
  done
  if [ "$kind" = db ]; then
    take; room "$REPLY" "$need"
    continue
  fi
  take; n=$REPLY
  ports=()
  for ((i = 0; i < n; i++)); do take; ports+=("$REPLY"); done
  take; room "$REPLY" "$need"
  take; n=$REPLY
  ours=1
  for ((i = 0; i < n; i++)); do take; bash -c "$REPLY" >/dev/null 2>&1 </dev/null || ours=0; done
  for port in "${ports[@]}"; do
    if ss -ltnH "sport = :$port" | grep -q . && { [ "$ours" = 0 ] || [ "$n" = 0 ]; }; then
      echo "port $port already in use" >&2
      exit 1
    fi
  done
done
echo ok
