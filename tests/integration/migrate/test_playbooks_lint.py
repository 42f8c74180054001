"""The pipeline playbooks pass ansible-lint's `production` profile, with no skip list to grow."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

PLAYBOOKS = Path(__file__).resolve().parents[3] / "playbooks"
PHASES = ("preflight", "backup", "collect", "restore", "deliver", "deploy", "cutover", "decommission", "rollback")


@pytest.mark.slow
def test_ansible_lint_production_profile_passes():
    lint = Path(sys.executable).parent / "ansible-lint"
    done = subprocess.run([str(lint), "--profile", "production", "--offline", "--nocolor"],
                          check=False, cwd=PLAYBOOKS, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]


def test_lint_config_skips_nothing():
    config = yaml.safe_load((PLAYBOOKS / ".ansible-lint").read_text())
    assert config.get("profile") == "production"
    assert not config.get("skip_list") and not config.get("warn_list")


@pytest.mark.parametrize("phase", PHASES)
def test_one_playbook_per_phase_with_its_role(phase):
    play = yaml.safe_load((PLAYBOOKS / f"{phase}.yml").read_text())
    roles = {r["role"] for p in play for r in p.get("roles", [])}
    assert f"dcc_{phase}" in roles
    assert (PLAYBOOKS / "roles" / f"dcc_{phase}" / "tasks" / "main.yml").is_file()
