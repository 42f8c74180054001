#!/bin/bash
# The collect phase's staging on a source host: `pack` archives each app's paths (or the dump the
# backup phase left) into STAGING/APP/KIND.tar for the controller to fetch; `clear` removes those
# archives once fetched. The archives live only for the length of the phase, so neither counts as a
# change: only making an app's staging folder (root only) does, and a second run changes nothing.
# Run by the dcc_run module. Args:
#   pack STAGING (files APP NPATHS PATH... | db APP)...   (PATH relative to /)
#   clear STAGING (KIND APP)...
set -euo pipefail
verb=$1 staging=$2
shift 2

folder() {  # STAGING/APP, root only; made (or its mode put back) as a change
  local dir=$staging/$1
  if [ ! -d "$dir" ]; then
    mkdir -p "$staging"
    install -d -m 0700 "$dir"
    dcc_changed
  elif [ "$(stat -c %a "$dir")" != 700 ]; then
    chmod 0700 "$dir"
    dcc_changed
  fi
}

pack() {  # KIND APP [NPATHS PATH...]: the archive, written whole or not at all
  local kind=$1 app=$2 archive=$staging/$2/$1.tar
  shift 2
  folder "$app"
  # --ignore-failed-read: an app without one of its paths (no data folder) is archived without it,
  # as rsync --ignore-missing-args does on the other data path.
  local tar=(tar --numeric-owner --ignore-failed-read --exclude=__pycache__ -cf "$archive.part")
  if [ "$kind" = files ]; then
    "${tar[@]}" -C / "$@"
  else
    "${tar[@]}" -C "$staging/$app/db" .
  fi
  mv -f "$archive.part" "$archive"
}

case "$verb" in
  pack)
    while [ $# -gt 0 ]; do
      kind=$1 app=$2
      case "$kind" in
        files) n=$3; pack files "$app" "${@:4:n}"; shift $((3 + n)) ;;
        db) pack db "$app"; shift 2 ;;
        *) echo "unknown archive kind $kind for $app" >&2; exit 2 ;;
      esac
    done ;;
  clear)
    while [ $# -gt 0 ]; do
      rm -f "$staging/$2/$1.tar" "$staging/$2/$1.tar.part"
      shift 2
    done ;;
  *)
    echo "usage: dcc-collect-stage.sh pack|clear STAGING ..." >&2
    exit 2 ;;
esac
