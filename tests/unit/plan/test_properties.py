"""Plan properties on a generated estate: dependencies, move groups, every constraint, closures,
determinism and stability under a small inventory change."""

from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path

import pytest

from migration.assess import assess
from migration.inventory import Estate, load_estate
from migration.inventory.generate import GenerateSettings, write_estate
from migration.plan import Plan, make_plan
from migration.plan.io import dumps

SCALE = 0.04  # ~1,100 apps, ~2,400 hosts


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("national")
    write_estate(out, GenerateSettings(seed=3, scale=SCALE))
    return out


@pytest.fixture(scope="module")
def estate(folder: Path) -> Estate:
    return load_estate(folder)


@pytest.fixture(scope="module")
def plan(estate: Estate) -> Plan:
    return make_plan(estate)


def test_every_moving_app_has_a_wave_and_only_those(estate: Estate, plan: Plan) -> None:
    results = assess(estate)
    for app_id, result in results.items():
        planned = plan.apps[app_id]
        if result.moves and planned.wave is None:  # only a host shared with a retained app may hold it
            reasons = plan.group(planned.move_group).wave_reasons  # type: ignore[arg-type]
            assert "retained app" in reasons[-1], (app_id, reasons)
            continue
        assert (planned.wave is not None) == result.moves, (app_id, result.strategy, planned.wave)
    assert len(plan.waves) > 3, "a national sample needs several waves"


def test_dependencies_move_no_later_than_their_callers(estate: Estate, plan: Plan) -> None:
    checked = 0
    for dep in estate.dependencies:
        caller, callee = plan.apps[dep.from_app].wave, plan.apps[dep.to_app].wave
        if caller is not None and callee is not None:
            assert callee <= caller, f"{dep.from_app} (wave {caller}) calls {dep.to_app} (wave {callee})"
            checked += 1
    assert checked > 100


def test_move_groups_move_together(estate: Estate, plan: Plan) -> None:
    for group in plan.move_groups:
        assert {plan.apps[a].wave for a in group.apps} == {group.wave}, group.id
    on_host = defaultdict(set)
    for app_id, planned in plan.apps.items():
        if planned.move_group:
            for host in estate.apps[app_id].all_hosts:
                on_host[host].add(planned.move_group)
    shared = {h: g for h, g in on_host.items() if len(g) > 1}
    assert not shared, f"apps sharing a host are in different groups: {list(shared.items())[:3]}"
    assert any(len(g.apps) > 1 for g in plan.move_groups), "the sample has shared hosts and cycles"


def test_wave_limits_hold(estate: Estate, plan: Plan) -> None:
    c = estate.constraints
    assert c.max_hosts_per_wave and c.max_data_gb_per_wave
    for wave in plan.waves:
        if len(wave.move_groups) > 1:  # a single oversized group may move alone
            assert len(wave.hosts) <= c.max_hosts_per_wave, wave.number
            assert wave.data_gb <= c.max_data_gb_per_wave + 1e-6, wave.number


def test_critical_apps_not_before_their_wave(estate: Estate, plan: Plan) -> None:
    floor = estate.constraints.critical_not_before_wave
    critical = [a for a in plan.apps.values() if a.wave and estate.apps[a.id].criticality == "high"]
    assert critical and all(a.wave >= floor for a in critical)  # type: ignore[operator]


def test_no_wave_starts_inside_a_blackout(estate: Estate, plan: Plan) -> None:
    assert estate.constraints.blackouts
    by_wave = {w.number: w for w in plan.waves}
    for app in plan.apps.values():
        if app.wave is None:
            continue
        day = by_wave[app.wave].start
        scopes = {estate.apps[app.id].agency} | {estate.hosts[h].datacenter for h in estate.apps[app.id].all_hosts}
        for b in estate.constraints.blackouts:
            assert not (b.covers(day) and (b.agency in scopes or b.datacenter in scopes)), (app.id, b)


def test_targets_honour_pins_and_capacity(estate: Estate, plan: Plan) -> None:
    used = defaultdict(lambda: [0.0, 0.0, 0.0])
    for wave in plan.waves:
        for move in wave.hosts:
            host = estate.hosts[move.source]
            if host.target:
                assert move.target == host.target, move
            for i, size in enumerate((host.cpu or 0, host.memory_gb or 0, host.disk_gb or 0)):
                used[move.target][i] += size
    for target, (cpu, mem, disk) in used.items():
        t = estate.hosts[target]
        assert t.role == "target"
        assert cpu <= (t.cpu or 0) and mem <= (t.memory_gb or 0) and disk <= (t.disk_gb or 0), target


def test_datacenter_closes_in_the_wave_its_last_app_leaves(estate: Estate, plan: Plan) -> None:
    last: dict[str, int] = {}
    blocked: set[str] = set()
    for app in plan.apps.values():
        dcs = {estate.hosts[h].datacenter for h in estate.apps[app.id].all_hosts}
        for dc in dcs:
            if app.strategy == "retain" or (app.move_group and app.wave is None):
                blocked.add(dc)
            elif app.wave is not None:
                last[dc] = max(last.get(dc, 1), app.wave)
    closes = {dc: w.number for w in plan.waves for dc in w.closes_datacenters}
    for dc, wave in closes.items():
        assert dc not in blocked, dc
        assert wave == last.get(dc, 1), (dc, wave, last.get(dc))
    assert len(closes) > len(estate.datacenters) * 0.5


def test_same_input_same_plan(folder: Path, plan: Plan) -> None:
    assert dumps(make_plan(load_estate(folder))) == dumps(plan)


def test_adding_one_app_keeps_most_waves(folder: Path, estate: Estate, plan: Plan, tmp_path: Path) -> None:
    import shutil

    changed = tmp_path / "changed"
    shutil.copytree(folder, changed)
    dc = next(d for d in estate.datacenters.values() if d.kind == "legacy" and d.subnet)
    free_ip = _free_ip(estate, dc.id)
    with (changed / "hosts.csv").open("a", newline="") as stream:
        csv.writer(stream, lineterminator="\n").writerow(["srv-new", dc.id, "legacy", free_ip, "debian-12", 2, 4, 40, ""])
    with (changed / "apps.csv").open("a", newline="") as stream:
        csv.writer(stream, lineterminator="\n").writerow(
            ["new-app", "New App", dc.agency, "tourism", "low", "internal", 3, "srv-new", "files", "", 8080, "new.go.id"])
    after = make_plan(load_estate(changed))
    assert after.apps["new-app"].wave is not None
    moving = [a for a in plan.apps.values() if a.wave is not None]
    kept = sum(1 for a in moving if after.apps[a.id].wave == a.wave)
    assert kept / len(moving) > 0.95, f"only {kept} of {len(moving)} apps kept their wave"


def _free_ip(estate: Estate, dc_id: str) -> str:
    import ipaddress

    taken = {h.ip for h in estate.hosts.values()}
    net = ipaddress.ip_network(estate.datacenters[dc_id].subnet)  # type: ignore[arg-type]
    return next(str(ip) for ip in net.hosts() if str(ip) not in taken)


def test_plan_does_not_depend_on_hash_seed(folder: Path) -> None:
    # Set and dict order of strings changes with PYTHONHASHSEED; the plan file must not.
    import os
    import subprocess
    import sys

    code = ("import hashlib, sys; from migration.inventory import load_estate; from migration.plan import make_plan;"
            "from migration.plan.io import dumps;"
            "print(hashlib.sha256(dumps(make_plan(load_estate(sys.argv[1]))).encode()).hexdigest())")
    digests = {subprocess.run([sys.executable, "-c", code, str(folder)], capture_output=True, text=True, check=True,
                              env={**os.environ, "PYTHONHASHSEED": seed}, timeout=120).stdout
               for seed in ("1", "2")}
    assert len(digests) == 1, digests
