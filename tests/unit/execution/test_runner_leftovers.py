"""A playbook a killed orchestrator left running is found and waited for before a new run starts
its own (ansible-runner gives each playbook its own session, so it outlives the orchestrator).
Real processes stand in for the leftover: a script named ansible-playbook pointing at the work dir."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from migration.errors import MigrationFailed
from migration.execution.runner import leftover_playbooks, wait_for_leftover_playbooks


def fake_playbook(tmp_path: Path, work: Path, seconds: float) -> subprocess.Popen[bytes]:
    """A process whose command line looks like ansible-runner's: ansible-playbook -i <work>/runner/inventory."""
    script = tmp_path / f"bin-{work.name}" / "ansible-playbook"  # one per fake: each sleeps its own time
    script.parent.mkdir(exist_ok=True)
    script.write_text(f"import time\ntime.sleep({seconds})\n")
    proc = subprocess.Popen([sys.executable, str(script), "-i", f"{work}/runner/inventory", "restore.yml"])
    # Until the child has exec'd, /proc shows the parent's command line: wait for it (bounded).
    deadline = time.monotonic() + 10
    while proc.pid not in leftover_playbooks(work) and time.monotonic() < deadline:
        time.sleep(0.01)
    return proc


def test_a_leftover_on_this_work_dir_is_waited_for_until_it_ends(tmp_path):
    work, other = tmp_path / "work", tmp_path / "other"
    mine, theirs = fake_playbook(tmp_path, work, 1.5), fake_playbook(tmp_path, other, 30)
    try:
        assert leftover_playbooks(work) == [mine.pid]
        assert wait_for_leftover_playbooks(work, timeout=20) == [mine.pid]
        assert mine.poll() is not None or mine.wait(timeout=5) == 0  # it had ended, not been killed
        assert theirs.poll() is None, "a playbook of another work dir is none of this run's business"
        assert leftover_playbooks(work) == []
    finally:
        for proc in (mine, theirs):
            proc.kill()
            proc.wait()


def test_nothing_left_means_no_wait(tmp_path):
    assert wait_for_leftover_playbooks(tmp_path / "work", timeout=0) == []


def test_a_leftover_that_outlives_the_timeout_is_a_one_line_error(tmp_path):
    work = tmp_path / "work"
    stuck = fake_playbook(tmp_path, work, 60)
    try:
        with pytest.raises(MigrationFailed) as err:
            wait_for_leftover_playbooks(work, timeout=1)
        assert str(stuck.pid) in err.value.line() and "\n" not in err.value.line()
        assert stuck.poll() is None, "it is reported, never killed"
    finally:
        stuck.kill()
        stuck.wait()
