"""Planning the lab estate: the exact waves, each constraint on a variant, explain, and the plan file."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from migration.errors import InputError
from migration.inventory import Dependency, load_estate
from migration.plan import explain, load_plan, make_plan, write_plan
from migration.plan.io import dumps
from tests.support.inventory import LAB, append, edit, lab_copy


def waves_of(plan) -> dict[int, list[str]]:  # type: ignore[no-untyped-def]
    return {w.number: list(w.apps) for w in plan.waves}


def test_lab_waves() -> None:
    plan = make_plan(load_estate(LAB))
    assert waves_of(plan) == {
        1: ["eoffice-jabar"],
        2: ["eoffice-bogor", "lapor-jabar", "payroll-bogor", "perizinan-jabar", "simpeg-kemenkes"],
        3: ["arsip-kemenkes", "sehat-api"],
    }
    assert [w.start for w in plan.waves] == [date(2027, 1, 4), date(2027, 1, 11), date(2027, 1, 18)]
    assert [w.closes_datacenters for w in plan.waves] == [(), ("dc-bogor", "dc-jabar-bdg"), ("dc-kemenkes-jkt",)]
    assert plan.apps["lapor-bogor"].wave is None and plan.apps["lapor-bogor"].strategy == "replace"


def test_lab_hosts_go_to_their_pinned_targets() -> None:
    estate = load_estate(LAB)
    plan = make_plan(estate)
    moves = {m.source: m.target for w in plan.waves for m in w.hosts}
    pinned = {h.id: h.target for h in estate.hosts.values() if h.target}
    assert moves == {h: t for h, t in pinned.items() if h != "bgr-old1"}
    simpeg = [m for w in plan.waves for m in w.hosts if m.app == "simpeg-kemenkes"]
    assert {m.source for m in simpeg} == {"kmk-web1", "kmk-db1"}


@pytest.mark.parametrize(("app", "reason"), [
    ("eoffice-bogor", "blackout for agency pemkab-bogor 2027-01-01..2027-01-10 (year-end budget closing (APBD))"),
    ("payroll-bogor", "has a high-criticality app: not before wave 2 (critical_not_before_wave)"),
    ("sehat-api", "depends on the group of simpeg-kemenkes (wave 2): dependencies move first"),
    ("sehat-api", "skipped 1 wave: wave full: max_hosts_per_wave 6"),
    ("arsip-kemenkes", "skipped 2 waves: wave full: max_data_gb_per_wave 250"),
    ("lapor-bogor", "rule  R3-shared-service-replace"),
])
def test_explain_names_what_decided(app: str, reason: str) -> None:
    lines = explain(make_plan(load_estate(LAB)), app)
    assert any(reason in line for line in lines), f"{app}: expected {reason!r} in {lines}"


def test_explain_unknown_app() -> None:
    with pytest.raises(InputError, match="no app 'nope'"):
        explain(make_plan(load_estate(LAB)), "nope")


def test_one_host_per_wave_moves_big_groups_alone(tmp_path: Path) -> None:
    estate = lab_copy(tmp_path)
    edit(estate, "constraints.yaml", "max_hosts_per_wave: 6", "max_hosts_per_wave: 1")
    plan = make_plan(load_estate(estate))
    for wave in plan.waves:
        assert len(wave.hosts) == 1 or len(wave.move_groups) == 1, wave
    simpeg = plan.group_of("simpeg-kemenkes")
    assert simpeg is not None and "larger than one wave's limits: moves alone" in simpeg.wave_reasons


def test_datacenter_blackout_pushes_its_apps(tmp_path: Path) -> None:
    estate = lab_copy(tmp_path)
    append(estate, "constraints.yaml",
           "  - {datacenter: dc-kemenkes-jkt, from: 2027-01-01, to: 2027-01-25, reason: genset works}\n")
    plan = make_plan(load_estate(estate))
    for app in ("simpeg-kemenkes", "arsip-kemenkes", "sehat-api"):
        assert plan.apps[app].wave is not None and plan.apps[app].wave >= 4, (app, plan.apps[app].wave)


def test_target_capacity_exhausted_keeps_apps_and_their_datacenter(tmp_path: Path) -> None:
    estate = lab_copy(tmp_path)
    edit(estate, "constraints.yaml", "target_capacity: {cpu: 72,", "target_capacity: {cpu: 12,")
    plan = make_plan(load_estate(estate))
    stuck = [g for g in plan.move_groups if g.wave is None]
    assert stuck, "with 12 cpus of target capacity some groups cannot move"
    assert all("target_capacity exhausted" in g.wave_reasons[-1] for g in stuck)
    open_dcs = {load_estate(estate).hosts[h].datacenter for g in stuck for h in g.hosts}
    closed = {dc for w in plan.waves for dc in w.closes_datacenters}
    assert not open_dcs & closed


def test_observed_dependencies_change_the_order() -> None:
    estate = load_estate(LAB)
    observed = Dependency("sehat-api", "arsip-kemenkes", "http", origin="observed")
    plan = make_plan(estate, (*estate.dependencies, observed))
    group = plan.group_of("sehat-api")
    assert group is not None
    assert plan.apps["sehat-api"].wave >= plan.apps["arsip-kemenkes"].wave  # type: ignore[operator]


def test_plan_file_round_trip_and_bytes(tmp_path: Path) -> None:
    plan = make_plan(load_estate(LAB))
    path = tmp_path / "plan.json"
    write_plan(path, plan)
    assert load_plan(path) == plan
    assert path.read_text() == dumps(make_plan(load_estate(LAB))), "same input must give identical bytes"
    data = json.loads(path.read_text())
    assert data["format"] == 1 and data["estate"] == "lab" and len(data["inventory_digest"]) == 64
    assert data["waves"][0]["hosts"][0] == {"source": "jbr-web1", "target": "pdn-t05", "app": "eoffice-jabar",
                                            "apps": ["eoffice-jabar"]}


@pytest.mark.parametrize(("text", "expected"), [
    ("{not json", "plan.json:1: malformed JSON"),
    ('{"format": 2, "apps": {}, "move_groups": [], "waves": [], "estate": "x"}', "plan.json: format: unsupported"),
    ('{"format": 1, "apps": {}, "move_groups": [], "estate": "x"}', "plan.json: waves: missing key"),
    (('{"format": 1, "apps": {}, "move_groups": [], "estate": "x", "waves": [{"number": 1, "start": "someday", '
      '"apps": [], "hosts": []}]}'), "plan.json: waves[0].start: bad date 'someday'"),
])
def test_bad_plan_file_is_one_line(tmp_path: Path, text: str, expected: str) -> None:
    path = tmp_path / "plan.json"
    path.write_text(text)
    with pytest.raises(InputError) as caught:
        load_plan(path)
    assert caught.value.line().startswith(f"{tmp_path}/{expected}"), caught.value.line()


def test_host_shared_with_a_retained_app_does_not_move(tmp_path: Path) -> None:
    estate = lab_copy(tmp_path)
    append(estate, "apps.yaml", "- {id: intel-kemenkes, name: Intel, agency: kemenkes, function: intel, "
                                "criticality: low, data_class: secret, data_gb: 1, hosts: [kmk-db1]}\n")
    plan = make_plan(load_estate(estate))
    assert plan.apps["intel-kemenkes"].strategy == "retain"
    group = plan.group_of("simpeg-kemenkes")
    assert group is not None and group.wave is None
    assert group.wave_reasons == ("host kmk-db1 also serves retained app intel-kemenkes, which stays: split them first",)
    assert "dc-kemenkes-jkt" not in {dc for w in plan.waves for dc in w.closes_datacenters}
