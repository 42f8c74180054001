"""The KPI ledger against the state it came from: a known plan and a real SQLite journal."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from migration.report import compute_ledger, load_cost_model, load_sources
from migration.report.ledger import _migrated, progress
from migration.report.sources import StateView
from migration.state import StepRecord
from tests.support.report_scenario import EXPECTED, LAB, build_scenario


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory):
    plan, url = build_scenario(tmp_path_factory.mktemp("scenario"))
    return load_sources(LAB, plan, url)


@pytest.fixture(scope="module")
def ledger(scenario):
    return {k.key: k for k in compute_ledger(scenario, load_cost_model())}


@pytest.mark.parametrize("key", sorted(EXPECTED))
def test_each_kpi_matches_the_journal(ledger, key: str) -> None:
    value, planned, total = EXPECTED[key]
    k = ledger[key]
    assert (k.value, k.planned, k.total) == pytest.approx((value, planned, total)), (
        f"{key}: expected value/plan/total {(value, planned, total)}, got {(k.value, k.planned, k.total)}")
    assert k.definition_version >= 1 and k.definition


def test_closed_datacenters_are_named(ledger) -> None:
    assert ledger["datacenters_closed"].detail["closed_ids"] == ["dc-jabar-bdg"]
    assert ledger["datacenters_closed"].detail["planned_ids"] == ["dc-bogor", "dc-jabar-bdg", "dc-kemenkes-jkt"]


def test_backups_are_counted_per_tenant(ledger) -> None:
    tenants = ledger["backups_restorable"].detail["tenants"]
    assert {t: (v["verified"], v["apps"]) for t, v in tenants.items()} == {
        "kemenkes": (2, 3), "pemprov-jabar": (1, 1), "pemkab-bogor": (0, 1)}


def test_without_plan_or_journal_nothing_is_planned_or_done(scenario) -> None:
    bare = replace(scenario, plan=None, state=StateView())
    for k in compute_ledger(bare, load_cost_model()):
        assert k.value == 0, f"{k.key}: expected 0 with an empty journal, got {k.value}"
        assert k.planned is None, f"{k.key}: expected no plan figure, got {k.planned}"


T0 = datetime(2027, 1, 4, tzinfo=UTC)


def _steps(*rows: tuple[str, str]) -> list[StepRecord]:
    return [StepRecord(1, 1, "a", "h", step, status, T0 + timedelta(minutes=i), None)
            for i, (step, status) in enumerate(rows)]


@pytest.mark.parametrize(("rows", "migrated"), [
    ([("cutover", "ok")], True),
    ([("cutover", "changed")], True),
    ([("cutover", "started")], False),
    ([("cutover", "failed")], False),
    ([("cutover", "ok"), ("rollback", "rolled_back")], False),
    ([("rollback", "ok"), ("cutover", "ok")], True),  # rolled back once, then moved for good
    ([("cutover", "ok"), ("rollback", "started")], True),  # a rollback that never ran undoes nothing
    ([("verify", "failed")], False),
])
def test_migrated_means_newest_cutover_done_and_not_rolled_back(rows, migrated: bool) -> None:
    assert (_migrated(_steps(*rows)) == {"a"}) is migrated


def test_datacenter_closes_only_when_every_legacy_host_is_gone(scenario) -> None:
    steps = [StepRecord(1, 3, "payroll-bogor", h, "decommission", "ok", T0, None) for h in ("bgr-web1", "bgr-files1")]
    partial = progress(replace(scenario, state=StateView(steps=steps)))
    assert "dc-bogor" not in partial.dcs_closed  # bgr-old1 still runs
    steps.append(StepRecord(1, 3, "lapor-bogor", "bgr-old1", "decommission", "changed", T0, None))
    assert "dc-bogor" in progress(replace(scenario, state=StateView(steps=steps))).dcs_closed


def test_a_later_failed_decommission_does_not_count(scenario) -> None:
    steps = _steps(("decommission", "ok"), ("decommission", "failed"))
    steps = [replace(s, host="bgr-old1") for s in steps]
    assert "bgr-old1" not in progress(replace(scenario, state=StateView(steps=steps))).hosts_decommissioned


def test_missing_plan_file_is_one_line_input_error(tmp_path: Path) -> None:
    from migration.errors import InputError

    with pytest.raises(InputError, match="plan file not found"):
        load_sources(LAB, tmp_path / "nope.json")


@pytest.mark.parametrize(("doc", "where"), [
    ('{"format": 1, "estate": "lab", "apps": {"x": {"strategy": "move"}}}', "apps.x"),
    ('{"format": 1, "waves": []}', "apps: missing key"),
    ('{"format": 1, "estate": "lab", "apps": {}, "move_groups": [], "waves": [{"number": 1, "start": "next week"}]}',
     "waves[0].start"),
    ('{"apps": {}\n "waves": []}', "plan.json:2"),
    ('[1, 2]', "JSON object"),
])
def test_bad_plan_names_the_key_or_line(tmp_path: Path, doc: str, where: str) -> None:
    from migration.errors import InputError

    plan = tmp_path / "plan.json"
    plan.write_text(doc, encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_sources(LAB, plan)
    assert where in err.value.line(), f"expected {where!r} in {err.value.line()!r}"
