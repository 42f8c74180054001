#!/bin/bash
# Put the portal's route files back as they were before this run, nginx having rejected one route of
# the batch: each replaced file from the template's backup, each added file removed; then every
# backup the template left (the rejected route's too) is removed. Run by the dcc_run module.
# Args: CONF_DIR then DEST BACKUP per route this run wrote (BACKUP "-": the file was new).
set -euo pipefail
conf_dir=$1
shift
while [ $# -ge 2 ]; do
  dest=$1 backup=$2
  shift 2
  if [ "$backup" = - ]; then rm -f -- "$dest"; else mv -f -- "$backup" "$dest"; fi
  dcc_changed
done
rm -f -- "$conf_dir"/dcc-*.conf.*~
