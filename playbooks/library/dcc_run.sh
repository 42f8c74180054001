#!/bin/bash
# dcc_run: the Ansible module that runs one of the pipeline's bash scripts on a host and answers in
# JSON (changed, failed, msg, rc, stdout, stderr), so a task never reads a script's output to decide
# what happened. It is bash: no Python starts on the host (docs/playbooks.md, "Modules").
#
# An old-style module: Ansible writes the task's arguments into the file "$1" as key='value' pairs,
# each value shell-quoted (the module reads them as shell words, once it has checked that every
# value is quoted that way, and refuses a parameter it does not know). Arguments:
#   script  the script's text, e.g. "{{ lookup('ansible.builtin.file', 'dcc-nginx-reload.sh') }}"
#   argv    its arguments, each one quoted: "{{ [a, b] | map('quote') | join(' ') }}"
#   name    the script's file name, for its $0 and the messages it prints (default: script)
# The script runs in a process of its own with argv as its arguments and no stdin. It calls
# `dcc_changed` when it changes the host, and when it fails it exits non-zero with the reason as the
# last line of its stderr, which becomes the task's msg.
set -uo pipefail

work=$(dirname "$1")/dcc_run
# What `quote` makes of a value: plain safe characters, '...', and the "'" that stands for a quote.
# Only such words are ever evaluated, so nothing in a value (or in argv) runs.
quoted="([A-Za-z0-9@%+=:,./_-]|'[^']*'|\"'\")+"

json() {  # "$1" as a JSON string
  local s=$1 out='' c i
  s=${s//\\/\\\\}
  s=${s//\"/\\\"}
  s=${s//$'\n'/\\n}
  s=${s//$'\t'/\\t}
  s=${s//$'\r'/\\r}
  if [[ $s == *[[:cntrl:]]* ]]; then
    for ((i = 0; i < ${#s}; i++)); do
      c=${s:i:1}
      [[ $c == [[:cntrl:]] ]] && printf -v c '\\u%04x' "'$c"
      out+=$c
    done
    s=$out
  fi
  printf '"%s"' "$s"
}

answer() {  # RC CHANGED MSG: the one JSON object Ansible reads
  local rc=$1 changed=$2 msg=$3 out='' err=''
  # (a NUL cannot be in a bash string, nor in the text Ansible reads)
  [ -f "$work.out" ] && out=$(tr -d '\000' <"$work.out")
  [ -f "$work.err" ] && err=$(tr -d '\000' <"$work.err")
  printf '{"changed": %s, "rc": %d, "stdout": %s, "stderr": %s' "$changed" "$rc" "$(json "$out")" "$(json "$err")"
  if [ "$rc" -ne 0 ]; then printf ', "failed": true, "msg": %s' "$(json "$msg")"; fi
  printf '}\n'
  rm -f "$work".*
  exit 0
}

# The key=value pairs Ansible wrote: script, argv, name, and its own _ansible_* settings.
script='' argv='' name=script check=False
given=$(<"$1")
[[ $given =~ ^(\ *[A-Za-z_][A-Za-z0-9_]*=$quoted)*\ *$ ]] || answer 2 false "dcc_run: unreadable arguments"
pairs=()
eval "pairs=($given)"
for pair in "${pairs[@]}"; do
  value=${pair#*=}
  case "${pair%%=*}" in
    script) script=$value ;;
    argv) argv=$value ;;
    name) name=$value ;;
    _ansible_check_mode) check=$value ;;
    _ansible_*) ;;
    *) answer 2 false "dcc_run: unsupported parameter ${pair%%=*} (script, argv, name)" ;;
  esac
done
if [ "$check" = True ]; then
  printf '{"changed": false, "skipped": true, "msg": "dcc_run does not support check mode"}\n'
  exit 0
fi
if ! [[ $argv =~ ^(\ *$quoted)*\ *$ ]]; then
  answer 2 false "dcc_run: argv must be quoted words (map('quote') | join(' ')), got: ${argv:0:200}"
fi
case "$name" in */* | '' | .*) answer 2 false "dcc_run: name must be a plain file name, got: $name" ;; esac
if [ -z "$script" ]; then answer 2 false "dcc_run: no script given"; fi

args=()
eval "args=($argv)"
printf '%s\n' "$script" >"$work.$name"
# The script is sourced by a bash of its own (its $0 is its name, its line numbers its own), in
# which dcc_changed is defined, so nothing is exported to the services it may start.
marker=$work.changed
define="dcc_changed() { : >$(printf '%q' "$marker"); }"
bash -c "$define; source \"\$0\"" "$work.$name" "${args[@]}" </dev/null >"$work.out" 2>"$work.err"
rc=$?
changed=false
if [ -e "$marker" ]; then changed=true; fi
reason=$(tail -n 1 "$work.err")
answer "$rc" "$changed" "${reason:-$name exited with status $rc}"
