"""Versioned KPI definitions: every figure carries its version, and a change is shown, never silent."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from migration.errors import InputError
from migration.report import as_json, build_report, load_cost_model, load_sources, render_html
from migration.report.compare import load_previous
from migration.report.definitions import HISTORY, Definition, current
from tests.support.report_scenario import LAB, build_scenario


def test_every_kpi_has_a_first_version_and_no_version_repeats() -> None:
    seen = [(d.kpi, d.version) for d in HISTORY]
    assert len(seen) == len(set(seen)), "a (kpi, version) pair appears twice in the history"
    for kpi in {d.kpi for d in HISTORY}:
        versions = sorted(d.version for d in HISTORY if d.kpi == kpi)
        assert versions == list(range(1, len(versions) + 1)), f"{kpi}: versions {versions} are not 1..n"


def test_current_takes_the_newest_version() -> None:
    v2 = replace(HISTORY[0], version=2, since="2027-02-01", text="closed when decommissioned AND racks empty",
                 change="count a DC only when its racks are empty")
    assert current((*HISTORY, v2))[HISTORY[0].kpi] == v2
    assert current(HISTORY)[HISTORY[0].kpi] == HISTORY[0]


@pytest.fixture(scope="module")
def src(tmp_path_factory: pytest.TempPathFactory):
    plan, url = build_scenario(tmp_path_factory.mktemp("scenario"))
    return load_sources(LAB, plan, url)


def _v2_history() -> tuple[Definition, ...]:
    old = next(d for d in HISTORY if d.kpi == "servers_retired")
    v2 = Definition(old.kpi, 2, "2027-03-01", old.label, old.unit,
                    "Legacy hosts decommissioned and physically removed.", "count removed hardware only")
    return (*HISTORY, v2)


def test_a_changed_definition_is_flagged_and_not_compared(src) -> None:
    costs = load_cost_model()
    previous = as_json(build_report(src, costs))
    now = build_report(src, costs, previous=previous, history=_v2_history())
    rows = {c["key"]: c for c in now.changes}
    assert rows["servers_retired"]["change"] == "definition changed"
    assert (rows["servers_retired"]["from_version"], rows["servers_retired"]["to_version"]) == (1, 2)
    assert rows["servers_retired"]["delta"] is None, "figures under different definitions must not be subtracted"
    assert rows["apps_migrated"] == {**rows["apps_migrated"], "change": "unchanged", "delta": 0}
    page = render_html(now)
    assert 'id="definition-changed"' in page and "v1 &rarr; v2" in page and "not comparable" in page
    tile = page[page.index('id="kpi-servers_retired"'):page.index('id="kpi-shared_cloud_share"')]
    assert "definition changed" in tile, "the KPI's own tile must say its definition changed"
    assert "count removed hardware only" in page, "the history must list the new version's reason"


def test_same_definitions_raise_no_notice_but_history_is_listed(src) -> None:
    costs = load_cost_model()
    previous = as_json(build_report(src, costs))
    page = render_html(build_report(src, costs, previous=previous))
    assert 'id="definition-changed"' not in page
    assert "Definition history" in page and page.count("first definition") == len(HISTORY)


def test_tiles_show_the_change_since_the_previous_report(src) -> None:
    costs = load_cost_model()
    previous = as_json(build_report(src, costs))
    for k in previous["kpis"]:
        k["value"] = {"apps_migrated": 1, "annual_savings_idr": 1_500_000_000}.get(k["key"], k["value"])
    page = render_html(build_report(src, costs, previous=previous))
    assert "+2 since the previous report" in page and "-Rp 325 M since the previous report" in page
    assert page.count("since the previous report") == 2, "unchanged figures must not show a delta"


def test_a_dropped_and_a_new_kpi_are_both_reported(src) -> None:
    costs = load_cost_model()
    previous = as_json(build_report(src, costs))
    previous["kpis"] = [k for k in previous["kpis"] if k["key"] != "apps_retired"]
    previous["kpis"].append({"key": "virtualization_rate", "label": "Virtualization", "definition_version": 3})
    changes = {c["key"]: c["change"] for c in build_report(src, costs, previous=previous).changes}
    assert changes["apps_retired"] == "new KPI" and changes["virtualization_rate"] == "KPI dropped"


@pytest.mark.parametrize(("text", "where"), [
    ("not json", "prev.json:1"),
    ('{"kpis": {}}', "no 'kpis' list"),
    ('{"kpis": [{"key": "x"}]}', "kpis[0]"),
])
def test_a_bad_previous_report_names_where(tmp_path: Path, text: str, where: str) -> None:
    path = tmp_path / "prev.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_previous(path)
    assert where in err.value.line()


def test_the_json_carries_version_and_text_for_every_kpi(src) -> None:
    doc = json.loads(json.dumps(as_json(build_report(src, load_cost_model())), default=str))
    defs = current()
    for k in doc["kpis"]:
        assert (k["definition_version"], k["definition"]) == (defs[k["key"]].version, defs[k["key"]].text)
