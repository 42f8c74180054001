#!/usr/bin/env bash
# Set up everything dcc needs on a Debian machine, as root. Safe to run again.
# apt packages -> uv (in .tools/) -> .venv from uv.lock (frozen).
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  python3 python3-venv ca-certificates curl
  openssh-server openssh-client iproute2 rsync nftables
  mmdebstrap debootstrap zstd util-linux procps psmisc
  chromium
  postgresql
  shellcheck
)

need_apt=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need_apt+=("$p")
done
if ((${#need_apt[@]})); then
  if [[ $EUID -ne 0 ]]; then
    echo "setup: these Debian packages are missing and installing them needs root: ${need_apt[*]}" >&2
    exit 1
  fi
  echo "setup: installing ${need_apt[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi

PY=$(command -v python3.11 || command -v python3)
if [[ ! -x .tools/bin/uv ]]; then
  "$PY" -m venv .tools
  .tools/bin/pip install -q "uv==0.13.9"
fi
export UV_PYTHON_DOWNLOADS=never
# --compile-bytecode: write every package's .pyc now. Without it, a machine that sets
# PYTHONDONTWRITEBYTECODE (as CI images often do) compiles Ansible from source at each
# ansible-playbook start: ~0.9 s of every phase of every migration.
.tools/bin/uv sync --frozen --python "$PY" -q --compile-bytecode
UV_PROJECT_ENVIRONMENT="$PWD/.tools/scanners" .tools/bin/uv sync --frozen --project scanners --python "$PY" -q  # checkov, own lock
echo "setup: ready (.venv, $(.venv/bin/python --version))"
