"""A run whose process died is closed as `died` by the next command; a live one is left running."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from sqlalchemy import update

from migration.execution import steps
from migration.state import StateStore
from migration.state import schema as t
from migration.verify.checks import live_rows_hold

START_AND_EXIT = """
import sys
from migration.state import StateStore
with StateStore.open(sys.argv[1]) as s:
    print(s.start_run("lab", 1))
"""


def _store(tmp_path: Path) -> tuple[StateStore, str]:
    url = f"sqlite:///{tmp_path / 'state.db'}"
    return StateStore.open(url), url


def test_a_run_whose_process_exited_is_closed_as_died(tmp_path: Path) -> None:
    store, url = _store(tmp_path)
    out = subprocess.run([sys.executable, "-c", START_AND_EXIT, url], check=True, capture_output=True, text=True)
    dead = int(out.stdout)
    mine = store.start_run("lab", 2)
    assert store.close_dead_runs() == [dead]
    status = {r.id: r.status for r in store.runs()}
    assert status == {dead: "died", mine: "running"}
    assert next(r for r in store.runs() if r.id == dead).ended_at is not None


def test_a_run_owned_by_another_machine_is_left_running(tmp_path: Path) -> None:
    store, _ = _store(tmp_path)
    run = store.start_run("lab", 1)
    with store._write() as conn:  # the owner row as another machine would write it
        conn.execute(update(t.run_owners).where(t.run_owners.c.run_id == run).values(machine="other-boot", pid=1))
    assert store.close_dead_runs() == []
    assert [r.status for r in store.runs()] == ["running"]


def test_a_reused_pid_is_not_taken_for_the_owner(tmp_path: Path) -> None:
    store, _ = _store(tmp_path)
    run = store.start_run("lab", 1)
    with store._write() as conn:  # same pid, another start time: another process
        conn.execute(update(t.run_owners).where(t.run_owners.c.run_id == run).values(pid_start="1"))
    assert store.close_dead_runs() == [run]


def test_an_unexpected_exception_fails_every_app_of_the_step_with_its_type_and_trace() -> None:
    def boom(_ctx: object, _moves: list) -> dict:
        raise KeyError("host key changed")

    class Move:
        app = "a"
    out = steps.guarded_step(boom, None, [Move()])  # type: ignore[arg-type]
    assert not out["a"].ok
    assert out["a"].detail["error"] == "unexpected KeyError: 'host key changed'"
    assert "boom" in out["a"].detail["trace"]


def test_failed_keeps_an_expected_error_to_its_line() -> None:
    from migration.errors import RemoteError

    assert steps.failed(RemoteError("refused", where="kmk-web1")).detail == {"error": "kmk-web1: refused"}


def test_live_rows_hold_table() -> None:
    backup = "records 10 abc\nusers 2 def"
    cases = [
        ("records 10 abc\nusers 2 def", True),     # unchanged
        ("records 15 zzz\nusers 2 def", True),     # writes after cutover
        ("records 9 zzz\nusers 2 def", False),     # a row lost
        ("users 2 def", False),                    # a table lost
        ("records x abc\nusers 2 def", False),     # unparseable
        ("", False),
    ]
    for live, holds in cases:
        assert live_rows_hold(backup, live) is holds, live
