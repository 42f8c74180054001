#!/bin/bash
# Preflight on a target host, every app in one run: the tools are there, the app's data dir has
# room for NEED bytes, and the app's port is free (or held by our own earlier deploy).
# Args: KIND APP PORT NEED per item, KIND being app or db.
set -euo pipefail
while [ $# -ge 4 ]; do
  kind=$1 app=$2 port=$3 need=$4
  shift 4
  tools="rsync python3"
  [ "$kind" = db ] && tools="$tools psql pg_restore"
  for tool in $tools; do
    command -v "$tool" >/dev/null || { echo "$tool missing on target" >&2; exit 1; }
  done
  d=/srv/$app/data
  while [ ! -e "$d" ]; do d=$(dirname "$d"); done
  free=$(df -B1 --output=avail "$d" | tail -n 1 | tr -d ' ')
  if [ "$free" -lt "$need" ]; then echo "only $free bytes free at $d, need $need" >&2; exit 1; fi
  if [ "$kind" = app ] && ss -ltnH "sport = :$port" | grep -q .; then
    # Our own earlier deploy may hold the port; anything else is a conflict.
    "/etc/init.d/$app" status >/dev/null 2>&1 || { echo "port $port already in use" >&2; exit 1; }
  fi
done
[ $# -eq 0 ] || { echo "usage: dcc-preflight-target.sh [KIND APP PORT NEED]..." >&2; exit 2; }
echo ok
