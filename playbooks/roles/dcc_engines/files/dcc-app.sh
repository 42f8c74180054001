#!/bin/bash
# An app's services and data folders, as its profile describes them, in one file shared by the
# phase roles (backup, decommission, rollback), so that starting, stopping, enabling and
# retaining an app is written once and never derived from the app's name.
# Items, any number, one after another (CRON is NCRON FILE...: the files that hold the app's cron
# jobs, a cron.d file or a user's crontab):
#   freeze APP SVCS CRON                  its cron jobs off (and none of them still running), then
#                                         each service stopped (write freeze; not disabled at boot)
#   start  APP SVCS CRON NDATA PATH...    data folders back from retention where missing, then each
#                                         service started and enabled at boot, its cron jobs on
#   stop   APP SVCS CRON                  cron jobs off, each service stopped and disabled at boot
#   retire APP UNTIL STAMP SVCS CRON NDATA PATH...
#                                         stopped, disabled, cron jobs off, each data folder moved
#                                         into RETAINED/APP-STAMP/<its path>, with a retention record
#   deploy APP INCOMING SVCS CRON NTREE PATH... NDATA PATH... NREW (FILE OLD NEW)...
#          NGROUP (NAME GID)... NUSER (NAME UID GID)...
#                                         the app's groups and users made with their ids where
#                                         missing, the config rewrites applied to the transferred
#                                         copies (a line OLD, indentation aside, becomes NEW), each
#                                         tree path installed from INCOMING (data folders inside left
#                                         alone), services restarted if anything changed, started
#                                         and enabled at boot; its cron jobs stay off: they come
#                                         on with `start` once the app serves from here (cutover)
# SVCS is NSVC then five words per service: NAME INIT START STOP CHECK (INIT sysv | systemd | none;
# CHECK exits 0 while the service runs). The first argument is RETAINED, the root-only retention
# folder. A cron job is turned off by commenting its line out with the prefix "#dcc-frozen# " (the
# file keeps its place, so the backup carries it) and on by removing that prefix.
# Prints "changed" or "unchanged" last.
set -euo pipefail
# Under dcc_run (the Ansible module) dcc_changed tells Ansible this run changed the host; run alone,
# the last line says it.
command -v dcc_changed >/dev/null || dcc_changed() { :; }
retained=$1
shift
args=("$@")
at=0
changed=0
take() { REPLY=${args[at]:?missing argument after item ${args[0]:-}}; at=$((at + 1)); }
running() { bash -c "$1" >/dev/null 2>&1 </dev/null; }

services() {  # reads NSVC SVC... into the arrays names inits starts stops checks
  names=() inits=() starts=() stops=() checks=()
  take
  local n=$REPLY
  for ((k = 0; k < n; k++)); do
    take; names+=("$REPLY"); take; inits+=("$REPLY"); take; starts+=("$REPLY")
    take; stops+=("$REPLY"); take; checks+=("$REPLY")
  done
}

crons() {  # reads NCRON FILE... into the array cronfiles
  cronfiles=()
  take
  local n=$REPLY
  for ((k = 0; k < n; k++)); do take; cronfiles+=("$REPLY"); done
}

cron_edit() {  # off|on FILE: comment the file's job lines out, or back in; keeps owner and mode
  local f=$1 tmp
  [ -f "$f" ] || return 0
  tmp=$(mktemp "$(dirname "$f")/.dcc-cron-XXXXXX")
  if [ "$2" = off ]; then
    # A job line: not empty, not a comment, not an environment setting (NAME=value).
    awk '/^[[:space:]]*($|#)/ || /^[[:space:]]*[A-Za-z_][A-Za-z0-9_]*[[:space:]]*=/ { print; next }
         { print "#dcc-frozen# " $0 }' "$f" >"$tmp"
  else
    sed 's/^#dcc-frozen# //' "$f" >"$tmp"
  fi
  chown --reference="$f" "$tmp"
  chmod --reference="$f" "$tmp"
  if cmp -s "$f" "$tmp"; then rm -f "$tmp"; return 0; fi
  mv -f "$tmp" "$f"  # a rename: cron sees the folder change and reloads
  changed=1
}

cron_users() {  # the users the app's cron jobs run as: a crontab's owner, or a cron.d line's user field
  local f
  for f in "${cronfiles[@]}"; do
    [ -f "$f" ] || continue
    case "$f" in
      /var/spool/cron/crontabs/*) basename "$f" ;;
      *) sed 's/^#dcc-frozen# //' "$f" | awk '/^[[:space:]]*($|#)/ || /^[[:space:]]*[A-Za-z_][A-Za-z0-9_]*[[:space:]]*=/ { next }
           { print ($1 ~ /^@/) ? $2 : $6 }' ;;
    esac
  done | sort -u
}

cron_jobs() {  # "pid command" of each job cron runs now as one of USERS (the app's; others' are theirs)
  local users=$1 daemon pid job
  for daemon in $(pgrep -x 'cron|crond' || true); do
    for pid in $(pgrep -P "$daemon" || true); do
      for job in $(pgrep -P "$pid" || true); do
        grep -qxF "$(ps -o user= -p "$job" 2>/dev/null | tr -d ' ')" <<<"$users" || continue
        echo "$job $(tr '\0' ' ' <"/proc/$job/cmdline" 2>/dev/null | cut -c1-80)"
      done
    done
  done
  return 0
}

cron_off() {  # APP: the app's cron jobs off, then wait (60 s at most) until none of them still runs
  local app=$1 f left="" users
  [ "${#cronfiles[@]}" -gt 0 ] || return 0
  users=$(cron_users)
  for f in "${cronfiles[@]}"; do cron_edit "$f" off; done
  for _ in $(seq 1 600); do
    left=$(cron_jobs "$users")
    [ -z "$left" ] && return 0
    sleep 0.1
  done
  echo "$app: its cron jobs still running after 60 s: $(tr '\n' ';' <<<"$left")" >&2
  exit 1
}

cron_on() {
  local f
  for f in "${cronfiles[@]}"; do cron_edit "$f" on; done
}

accounts() {  # NGROUP (NAME GID)... NUSER (NAME UID GID)...: made where missing (preflight checked ids)
  local n name id gid
  take; n=$REPLY
  for ((k = 0; k < n; k++)); do
    take; name=$REPLY; take; id=$REPLY
    if ! getent group "$name" >/dev/null; then groupadd -g "$id" "$name"; changed=1; fi
  done
  take; n=$REPLY
  for ((k = 0; k < n; k++)); do
    take; name=$REPLY; take; id=$REPLY; take; gid=$REPLY
    if ! getent passwd "$name" >/dev/null; then
      useradd --system -u "$id" -g "$gid" -M -d /nonexistent -s /usr/sbin/nologin "$name"
      changed=1
    fi
  done
}

paths() {  # reads NDATA PATH... into the array data
  data=()
  take
  local n=$REPLY
  for ((k = 0; k < n; k++)); do take; data+=("$REPLY"); done
}

boot() {  # boot NAME INIT on|off: enabled at boot or not, as the init system does it
  local name=$1 init=$2 want=$3
  case "$init" in
    sysv)
      if compgen -G "/etc/rc[2345].d/S[0-9][0-9]$name" >/dev/null; then [ "$want" = on ] && return; else [ "$want" = off ] && return; fi
      if [ "$want" = on ]; then update-rc.d "$name" defaults >/dev/null 2>&1; update-rc.d "$name" enable >/dev/null 2>&1
      else update-rc.d "$name" disable >/dev/null 2>&1; fi ;;
    systemd)
      if systemctl is-enabled --quiet "$name" 2>/dev/null; then [ "$want" = on ] && return; else [ "$want" = off ] && return; fi
      if [ "$want" = on ]; then systemctl enable --quiet "$name"; else systemctl disable --quiet "$name"; fi ;;
    *) return ;;
  esac
  changed=1
}

stop_all() {  # stop every service read by `services`; fails naming the one that would not stop
  local app=$1 k
  for k in "${!names[@]}"; do
    running "${checks[k]}" || continue
    running "${stops[k]}" || true
    for _ in $(seq 1 100); do running "${checks[k]}" || break; sleep 0.1; done
    if running "${checks[k]}"; then echo "$app: ${names[k]} still running after \`${stops[k]}\`" >&2; exit 1; fi
    changed=1
  done
}

start_all() {
  local app=$1 k
  for k in "${!names[@]}"; do
    if ! running "${checks[k]}"; then
      running "${starts[k]}" || true
      for _ in $(seq 1 100); do running "${checks[k]}" && break; sleep 0.1; done
      running "${checks[k]}" || { echo "$app: ${names[k]} did not start with \`${starts[k]}\`" >&2; exit 1; }
      changed=1
    fi
    boot "${names[k]}" "${inits[k]}" on
  done
}

record() {  # FILE BODY: the retention record, rewritten only when it differs
  if [ ! -f "$1" ] || [ "$(cat "$1")" != "$2" ]; then
    printf '%s\n' "$2" >"$1.tmp"
    chmod 0600 "$1.tmp"
    mv -f "$1.tmp" "$1"
    changed=1
  fi
}

rewrite() {  # FILE OLD NEW on the transferred copy FILE, keeping its owner and mode
  local f=$1 tmp
  tmp=$(mktemp "$f.dcc-XXXXXX")
  OLD=$2 NEW=$3 awk '{ s = $0; sub(/^[ \t]+/, "", s)
    if (s == ENVIRON["OLD"]) { match($0, /^[ \t]*/); print substr($0, 1, RLENGTH) ENVIRON["NEW"] } else print }' \
    "$f" >"$tmp"
  chown --reference="$f" "$tmp"
  chmod --reference="$f" "$tmp"
  if cmp -s "$f" "$tmp"; then rm -f "$tmp"; else mv -f "$tmp" "$f"; fi
}

install_tree() {  # APP INCOMING: each path of `tree` from INCOMING, data folders inside left alone
  local app=$1 incoming=$2 p d src out ex
  installed=""
  for p in "${tree[@]}"; do
    src=$incoming$p
    [ -e "$src" ] || { echo "$app: $p is not in the transferred tree (profile)" >&2; exit 1; }
    if [ -d "$src" ]; then
      ex=(--exclude=__pycache__/ --exclude='.dcc-incoming-*' --exclude='.dcc-replaced-*')
      for d in "${keep[@]}"; do case "$d" in "${p%/}"/*) ex+=("--exclude=/${d#"${p%/}"/}") ;; esac; done
      mkdir -p "$p"
      # The running app writes __pycache__ and touches its folders' times: neither is a change.
      out=$(rsync -ai --omit-dir-times --delete "${ex[@]}" "$src/" "$p/")
    else
      mkdir -p "$(dirname "$p")"
      out=$(rsync -ai "$src" "$p")
    fi
    [ -z "$out" ] || installed=1
  done
}

while [ "$at" -lt "${#args[@]}" ]; do
  take; verb=$REPLY
  take; app=$REPLY
  case "$verb" in
    freeze)
      services
      crons
      cron_off "$app"
      stop_all "$app" ;;
    stop)
      services
      crons
      cron_off "$app"
      stop_all "$app"
      for k in "${!names[@]}"; do boot "${names[k]}" "${inits[k]}" off; done ;;
    start)
      services
      crons
      paths
      for p in "${data[@]}"; do
        [ -e "$p" ] && continue
        latest=$(ls -1d "$retained/$app"-*/ 2>/dev/null | sort | while read -r d; do [ -e "$d${p#/}" ] && echo "$d"; done | tail -n 1)
        [ -n "$latest" ] || { echo "$app: no $p and no retained copy of it" >&2; exit 1; }
        mkdir -p "$(dirname "$p")"
        mv -T "$latest${p#/}" "$p"
        changed=1
      done
      start_all "$app"
      cron_on ;;
    retire)
      take; until=$REPLY
      take; stamp=$REPLY
      services
      crons
      paths
      cron_off "$app"
      stop_all "$app"
      for k in "${!names[@]}"; do boot "${names[k]}" "${inits[k]}" off; done
      if [ ! -d "$retained" ]; then install -d -m 0700 -o root -g root "$retained"; changed=1; fi
      kept=$retained/$app-$stamp
      for p in "${data[@]}"; do
        [ -e "$p" ] || continue
        mkdir -p "$kept$(dirname "$p")"
        mv -T "$p" "$kept$p"
        changed=1
      done
      record "$kept.retention" "$(printf 'app=%s\nretain_until=%s' "$app" "$until")" ;;
    deploy)
      take; incoming=$REPLY
      services
      crons
      paths; tree=("${data[@]}")
      paths; keep=("${data[@]}")
      take; nrew=$REPLY
      rewrites=()
      for ((r = 0; r < nrew; r++)); do
        take; rewrites+=("$REPLY"); take; rewrites+=("$REPLY"); take; rewrites+=("$REPLY")
      done
      accounts
      for ((r = 0; r < ${#rewrites[@]}; r += 3)); do
        file=${rewrites[r]} old=${rewrites[r + 1]} new=${rewrites[r + 2]}
        [ -f "$incoming$file" ] || { echo "$app: $file is not in the transferred tree (profile: rewrites)" >&2; exit 1; }
        rewrite "$incoming$file" "$old" "$new"
      done
      install_tree "$app" "$incoming"
      if [ -n "$installed" ]; then
        changed=1
        stop_all "$app"  # a running app picks up new code or config only on a restart
      fi
      start_all "$app" ;;  # its cron jobs stay off until the app serves from here (`start` at cutover)
    *)
      echo "unknown item $verb for $app" >&2
      exit 2 ;;
  esac
done
[ "$changed" = 1 ] && { dcc_changed; echo changed; } || echo unchanged
