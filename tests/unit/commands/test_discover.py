"""`dcc discover` user mistakes: one line naming the option or file, exit 2, no traceback, nothing written."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.inventory import lab_copy


@pytest.fixture
def estate(tmp_path: Path) -> Path:
    return lab_copy(tmp_path, "estate")


@pytest.mark.parametrize(("args", "line"), [
    (["discover"], "error: --estate: missing option --estate"),
    (["discover", "--estate", "{tmp}/nope"], "error: {tmp}/nope: not an estate folder"),
    (["discover", "--estate", "{estate}", "--hosts", "zzz*"], "error: --hosts: no host id matches 'zzz*'"),
    (["discover", "--estate", "{estate}", "--identity", "{tmp}/no-key", "--known-hosts", "{tmp}/kh"],
     "error: {tmp}/no-key: identity file not found"),
    (["discover", "--estate", "{estate}", "--identity", "{estate}/hosts.yaml", "--known-hosts", "{tmp}/kh"],
     "error: {estate}/hosts.yaml: cannot load SSH identity"),
    (["discover", "diff", "--estate", "{estate}"], "error: {estate}/facts: no facts stored"),
])
def test_user_mistakes_are_one_line_exit_2(estate: Path, tmp_path: Path, args: list[str], line: str) -> None:
    fill = {"tmp": str(tmp_path), "estate": str(estate)}
    run = subprocess.run([sys.executable, "-m", "migration", *(a.format(**fill) for a in args)],
                         capture_output=True, text=True, timeout=60, check=False)
    assert run.returncode == 2, run.stderr
    assert run.stderr.startswith(line.format(**fill)), run.stderr
    assert run.stderr.count("\n") == 1 and "Traceback" not in run.stderr
    assert not (estate / "facts").exists() and not (tmp_path / "kh").exists()
