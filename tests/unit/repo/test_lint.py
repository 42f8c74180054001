"""`make lint`'s type and shell checks hold: mypy (strict, configured in pyproject.toml) and
shellcheck at warning level report nothing."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]


def shell_scripts() -> list[str]:
    listed = subprocess.run(["git", "ls-files", "*.sh"], cwd=ROOT, capture_output=True, text=True, check=True)
    return listed.stdout.split()


def test_shellcheck_finds_nothing_at_warning_level() -> None:
    if shutil.which("shellcheck") is None:
        pytest.fail("shellcheck is not installed (scripts/setup.sh installs it)")
    scripts = shell_scripts()
    assert len(scripts) > 10, scripts
    out = subprocess.run(["shellcheck", "-S", "warning", *scripts], cwd=ROOT, capture_output=True, text=True,
                         check=False)
    assert out.returncode == 0, out.stdout[-3000:]


@pytest.mark.slow
def test_mypy_strict_finds_nothing() -> None:
    out = subprocess.run([sys.executable, "-m", "mypy", "migration", "stacks"], cwd=ROOT, capture_output=True,
                         text=True, check=False)
    assert out.returncode == 0, out.stdout[-3000:]
