#!/bin/bash
# Preflight on a target host, every app in one run: the tools are there, the app's first data
# folder (or the database's) has room for NEED bytes, and the app's ports are free (or held by
# our own earlier deploy: one of its services' status commands exits 0).
# Then what the app needs of the host: each group and user free or already the same (name and
# id), each package installed; a mismatch is one line naming the profile's field and this host.
# Items: app NEED NPORTS PORT... ROOM NCHECK CHECK... NNEED (LABEL KIND NAME VALUE)...
# (KIND group|user: VALUE is its id; package: VALUE is the version seen on the source).
# A database's target is checked by its engine script (`room`).
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
host=$(hostname)
needs() {  # LABEL KIND NAME VALUE
  local got
  case "$2" in
    group | user)
      local db=passwd
      [ "$2" = group ] && db=group
      got=$(getent "$db" "$3" | cut -d: -f3) || true
      if [ -n "$got" ]; then
        [ "$got" = "$4" ] || { echo "$1: $2 $3 has id $got on $host, the profile says $4" >&2; exit 1; }
      else
        got=$(getent "$db" "$4" | cut -d: -f1) || true
        [ -z "$got" ] || { echo "$1: id $4 of $2 $3 is taken by $got on $host" >&2; exit 1; }
      fi ;;
    package)
      dpkg-query -W -f='${Status}' "$3" 2>/dev/null | grep -q 'install ok installed' \
        || { echo "$1: package $3 ($4 on the source) is not installed on $host" >&2; exit 1; } ;;
    *) echo "unknown need $2" >&2; exit 2 ;;
  esac
}
while [ "$at" -lt "${#args[@]}" ]; do
  take; kind=$REPLY
  take; need=$REPLY
  [ "$kind" = app ] || { echo "unknown item $kind" >&2; exit 2; }
  for tool in rsync python3; do
    command -v "$tool" >/dev/null || { echo "$tool missing on target" >&2; exit 1; }
  done
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
  take; n=$REPLY
  for ((i = 0; i < n; i++)); do
    take; label=$REPLY; take; what=$REPLY; take; name=$REPLY; take; value=$REPLY
    needs "$label" "$what" "$name" "$value"
  done
done
echo ok
