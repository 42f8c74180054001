"""`make_plan`: assess the estate, form move groups, schedule waves, place hosts, find closures.

Pure: the same estate (and dependencies) always gives the same plan.
"""

from __future__ import annotations

from operator import attrgetter, itemgetter

from migration.assess import Assessment, assess
from migration.inventory import Dependency, Estate
from migration.inventory.frozen import builder
from migration.inventory.gcpause import gc_paused
from migration.plan.groups import Group, move_groups
from migration.plan.model import HostMove, MoveGroup, Plan, PlanApp, Wave
from migration.plan.waves import Scheduler, Slot


def make_plan(estate: Estate, dependencies: tuple[Dependency, ...] | list[Dependency] | None = None) -> Plan:
    """The plan for `estate`. `dependencies` replaces the declared ones (e.g. declared + observed)."""
    with gc_paused():
        return _make_plan(estate, dependencies)


def _make_plan(estate: Estate, dependencies: tuple[Dependency, ...] | list[Dependency] | None) -> Plan:
    deps = estate.dependencies if dependencies is None else tuple(dependencies)
    results = assess(estate, deps)
    moving = {app_id for app_id, r in results.items() if r.strategy in _MOVES}  # `Assessment.moves`, inlined
    staying = {app_id for app_id, r in results.items() if r.strategy == "retain"}
    groups = move_groups(estate, moving, deps, staying)
    critical = {a: estate.apps[a].criticality == "high" for a in moving}
    slots = Scheduler(estate, groups, critical).run()
    ids = _group_ids(groups, slots)
    # Sorted as text: past mg-9999, "mg-10000" comes before "mg-1001" in the plan file.
    move_group_list = tuple(_move_group(gid, groups[k], slots[k]) for k, gid in sorted(ids.items(), key=_ID))
    app_wave, app_group = _app_index(groups, slots, ids)
    apps = {a: _plan_app(r, app_group.get(a), app_wave.get(a)) for a, r in sorted(results.items())}
    waves = _waves(estate, groups, slots, ids, results, app_wave)
    return Plan(estate=estate.name, inventory_digest=estate.digest, apps=apps, move_groups=move_group_list,
                waves=waves)


def _group_ids(groups: dict[str, Group], slots: dict[str, Slot]) -> dict[str, str]:
    """mg-0001... in wave order (unplanned last), then by the group's smallest app id."""
    order = sorted(groups, key=lambda k: (slots[k].wave is None, slots[k].wave or 0, k))
    return {key: f"mg-{i:04d}" for i, key in enumerate(order, start=1)}


def _app_index(groups: dict[str, Group], slots: dict[str, Slot],
               ids: dict[str, str]) -> tuple[dict[str, int | None], dict[str, str]]:
    """App -> its wave and app -> its move group id, in one walk over the groups."""
    app_wave: dict[str, int | None] = {}
    app_group: dict[str, str] = {}
    for key, group in groups.items():
        wave, gid = slots[key].wave, ids[key]
        for app in group.apps:
            app_wave[app] = wave
            app_group[app] = gid
    return app_wave, app_group


# ~110,000 plan objects at national scale: built without the frozen __init__ (see frozen.py).
_MOVE_GROUP, _PLAN_APP, _HOST_MOVE = builder(MoveGroup), builder(PlanApp), builder(HostMove)


def _move_group(gid: str, group: Group, slot: Slot) -> MoveGroup:
    return _MOVE_GROUP(gid, group.apps, group.hosts, group.data_gb, group.reason, slot.wave, tuple(slot.reasons))


def _plan_app(result: Assessment, group: str | None, wave: int | None) -> PlanApp:
    return _PLAN_APP(result.app, result.strategy, result.rule_line, result.shared_service, group, wave)


def _waves(estate: Estate, groups: dict[str, Group], slots: dict[str, Slot], ids: dict[str, str],
           results: dict[str, Assessment], app_wave: dict[str, int | None]) -> tuple[Wave, ...]:
    last = max((s.wave for s in slots.values() if s.wave is not None), default=0)
    members: dict[int, list[str]] = {n: [] for n in range(1, last + 1)}
    for key, slot in slots.items():
        if slot.wave is not None:
            members[slot.wave].append(key)
    closes = closures(estate, results, app_wave)
    return tuple(_wave(estate, n, sorted(members[n], key=ids.__getitem__), groups, slots, ids, closes.get(n, []))
                 for n in range(1, last + 1))


def _wave(estate: Estate, number: int, keys: list[str], groups: dict[str, Group], slots: dict[str, Slot],
          ids: dict[str, str], closes: list[str]) -> Wave:
    moves = []
    for key in keys:
        group = groups[key]
        single = len(group.apps) == 1
        for host in group.hosts:
            on_host = group.apps if single else tuple(a for a in group.apps if host in estate.apps[a].all_hosts)
            moves.append(_HOST_MOVE(host, slots[key].targets[host], on_host[0], on_host))
    return Wave(number=number, start=estate.constraints.schedule.wave_start(number),
                move_groups=tuple(ids[k] for k in keys),
                apps=tuple(sorted(a for k in keys for a in groups[k].apps)),
                hosts=tuple(sorted(moves, key=_SOURCE)),
                data_gb=round(sum(groups[k].data_gb for k in keys), 3),
                closes_datacenters=tuple(sorted(closes)))


_MOVES = frozenset({"rehost", "replatform"})
_SOURCE = attrgetter("source")
_ID = itemgetter(1)


def closures(estate: Estate, results: dict[str, Assessment], app_wave: dict[str, int | None]) -> dict[int, list[str]]:
    """Wave -> legacy data centers that close in it: the wave their last app leaves.

    A retained app, or a moving app without a wave, keeps its data center open. Replaced and
    retired apps leave when their route moves to the shared service, counted as wave 1.
    """
    leaves: dict[str, int | None] = {dc.id: 1 for dc in estate.datacenters.values() if dc.kind == "legacy"}
    hosts = estate.hosts
    for app in estate.apps.values():
        result = results[app.id]
        wave = app_wave.get(app.id) if result.moves else (None if result.strategy == "retain" else 1)
        for host in app.all_hosts:
            dc = hosts[host].datacenter
            now = leaves.get(dc)  # None: not a legacy data center, or already kept open
            if now is not None:
                leaves[dc] = None if wave is None else max(wave, now)
    found: dict[int, list[str]] = {}
    for dc, wave in leaves.items():
        if wave is not None:
            found.setdefault(wave, []).append(dc)
    return found
