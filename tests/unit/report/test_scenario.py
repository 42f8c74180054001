"""The known lab scenario the report tests share (tests/support/report_scenario.py) holds what its
figures assume."""

from __future__ import annotations

from pathlib import Path

from migration.state import StateStore
from tests.support.report_scenario import build_scenario


def test_scenario_journal_is_what_the_figures_assume(tmp_path: Path) -> None:
    _, url = build_scenario(tmp_path)
    with StateStore.open(url, create=False) as store:
        runs = store.runs()
        assert [(r.wave, r.status) for r in runs] == [(1, "succeeded"), (2, "partial")]
        assert store.last_status(2, "sehat-api", "kmk-api1", "verify") == "failed"
        assert sum(1 for b in store.backups() if b.restore_verified_at) == 3
