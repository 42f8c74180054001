"""The KPI ledger: each figure computed from the estate, the plan and the journal.

Pure: it reads `Sources` and returns `Kpi`s stamped with the definition they were measured
under (migration/report/definitions.py), so two ledgers compare only like with like.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from operator import attrgetter
from typing import Any

from migration.report.costmodel import CostModel
from migration.report.definitions import Definition, current
from migration.report.sources import Sources

DONE = frozenset({"ok", "changed"})
_UNDONE = DONE | {"rolled_back"}  # a rollback that ran (ok/changed) or reported itself rolled_back
MOVES = ("rehost", "replatform")
_AT = attrgetter("at")


@dataclass(frozen=True)
class Kpi:
    key: str
    label: str
    unit: str
    value: float
    planned: float | None  # None: there is no plan to measure against
    total: float | None  # the whole estate's figure, where that means something
    definition_version: int
    definition: str
    detail: Mapping[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key, "label": self.label, "unit": self.unit, "value": self.value,
            "planned": self.planned, "total": self.total, "definition_version": self.definition_version,
            "definition": self.definition, "detail": dict(self.detail),
        }


@dataclass(frozen=True)
class Progress:
    """What the journal says is done, as sets of ids."""

    hosts_decommissioned: frozenset[str]
    apps_migrated: frozenset[str]
    dcs_closed: frozenset[str]


def latest(steps: Iterable[Any]) -> dict[tuple[str, str, str], Any]:
    """The newest record of each (app, host, step); the journal is append-only, so time orders it."""
    out: dict[tuple[str, str, str], Any] = {}
    for s in sorted(steps, key=_AT):  # already in order from the store: timsort makes this one pass
        out[(s.app, s.host, s.step)] = s
    return out


def _migrated(steps: Iterable[Any]) -> frozenset[str]:
    """Apps whose newest cutover succeeded and were not rolled back after it."""
    last: dict[str, Any] = {}
    for s in sorted(steps, key=_AT):
        if s.step == "cutover" or (s.step == "rollback" and s.status in _UNDONE):
            last[s.app] = s
    return frozenset(a for a, s in last.items() if s.step == "cutover" and s.status in DONE)


@dataclass(frozen=True)
class Index:
    """Lookups every KPI needs, built once per ledger: legacy hosts per DC, apps per strategy."""

    legacy_by_dc: Mapping[str, frozenset[str]]
    host_dc: Mapping[str, str]
    by_strategy: Mapping[str, tuple[Any, ...]]

    @classmethod
    def of(cls, src: Sources) -> Index:
        by_dc: dict[str, set[str]] = {d.id: set() for d in src.datacenters if d.kind == "legacy"}
        for h in src.hosts:
            if h.role == "legacy" and h.datacenter in by_dc:
                by_dc[h.datacenter].add(h.id)
        groups: dict[str, list[Any]] = {}
        if src.plan is not None:
            for a in src.apps:
                if a.id in src.plan.apps:
                    groups.setdefault(src.plan.apps[a.id].strategy, []).append(a)
        return cls({dc: frozenset(h) for dc, h in by_dc.items()}, {h.id: h.datacenter for h in src.hosts},
                   {k: tuple(v) for k, v in groups.items()})

    @property
    def legacy_hosts(self) -> frozenset[str]:
        return frozenset(h for hosts in self.legacy_by_dc.values() for h in hosts)

    def apps(self, *strategies: str) -> list[Any]:
        return [a for s in strategies for a in self.by_strategy.get(s, ())]


def progress(src: Sources, ix: Index | None = None) -> Progress:
    ix = ix or Index.of(src)
    newest = latest(src.state.steps)
    gone = frozenset(h for (_, h, step), s in newest.items() if step == "decommission" and s.status in DONE)
    closed = frozenset(dc for dc, hosts in ix.legacy_by_dc.items() if hosts and hosts <= gone)
    return Progress(gone, _migrated(src.state.steps), closed)


def _kpi(d: Definition, value: float, planned: float | None, total: float | None, **detail: Any) -> Kpi:
    return Kpi(d.kpi, d.label, d.unit, value, planned, total, d.version, d.text, detail)


@dataclass(frozen=True)
class Outcome:
    """One state of the estate: what the journal says now, or what the plan says at its end."""

    dcs_closed: frozenset[str]
    servers_retired: frozenset[str]
    migrated: int
    retired: int
    replaced: int


def _apps_gone(apps: list[Any], gone: frozenset[str]) -> int:
    return sum(1 for a in apps if a.hosts and set(a.hosts) <= gone)


def actual(src: Sources, ix: Index) -> Outcome:
    p = progress(src, ix)
    movers = p.apps_migrated & {a.id for a in ix.apps(*MOVES)} if src.plan else p.apps_migrated
    gone = p.hosts_decommissioned
    return Outcome(p.dcs_closed, gone & ix.legacy_hosts, len(movers),
                   _apps_gone(ix.apps("retire"), gone), _apps_gone(ix.apps("replace"), gone))


def planned(src: Sources, ix: Index) -> Outcome | None:
    if src.plan is None:
        return None
    leaving = ix.apps(*MOVES, "retire", "replace")
    hosts = frozenset(h for a in leaving for h in a.hosts) & ix.legacy_hosts
    closes = frozenset(dc for w in src.plan.waves for dc in w.closes)
    return Outcome(closes, hosts, len(ix.apps(*MOVES)), len(ix.apps("retire")), len(ix.apps("replace")))


def savings_idr(src: Sources, costs: CostModel, o: Outcome, ix: Index) -> float:
    """Cost model: closed DCs + servers retired in open DCs - what the cloud and shared services cost."""
    dc_cost = sum(costs.dc_cost(dc.tier, dc.annual_cost_idr) for dc in src.datacenters if dc.id in o.dcs_closed)
    loose = sum(1 for h in o.servers_retired if ix.host_dc.get(h) not in o.dcs_closed)
    return (dc_cost + loose * costs.server_idr - o.migrated * costs.cloud_per_app_idr
            - o.replaced * costs.shared_service_per_app_idr)


def compute_ledger(src: Sources, costs: CostModel, defs: Mapping[str, Definition] | None = None) -> tuple[Kpi, ...]:
    """Every KPI: its figure now (journal) and at the plan's end, each under its current definition."""
    d = defs or current()
    ix = Index.of(src)
    now, end = actual(src, ix), planned(src, ix)
    n_apps = len(src.apps)
    n_dcs = sum(1 for dc in src.datacenters if dc.kind == "legacy")
    n_hosts = sum(1 for h in src.hosts if h.role == "legacy")
    figures: tuple[tuple[str, Callable[[Outcome], float], float | None], ...] = (
        ("datacenters_closed", lambda o: len(o.dcs_closed), n_dcs),
        ("apps_migrated", lambda o: o.migrated, n_apps),
        ("apps_retired", lambda o: o.retired, n_apps),
        ("apps_replaced", lambda o: o.replaced, n_apps),
        ("servers_retired", lambda o: len(o.servers_retired), n_hosts),
        ("shared_cloud_share", lambda o: (o.migrated + o.replaced) / n_apps if n_apps else 0.0, 1.0),
        ("annual_savings_idr", lambda o: savings_idr(src, costs, o, ix), None),
    )
    details: dict[str, dict[str, Any]] = {
        "datacenters_closed": {"closed_ids": sorted(now.dcs_closed)[:200],
                               "planned_ids": sorted(end.dcs_closed)[:200] if end else []},
        "annual_savings_idr": {"cost_model": costs.as_inputs()},
    }
    kpis = [_kpi(d[key], f(now), f(end) if end else None, total, **details.get(key, {}))
            for key, f, total in figures]
    movers = [a.id for a in ix.apps(*MOVES)] if src.plan else None
    return (*kpis, _backups(d["backups_restorable"], src, movers))


def _backups(d: Definition, src: Sources, planned_apps: list[str] | None) -> Kpi:
    """Per tenant: apps with a restore-verified backup over the apps that need one."""
    verified = {b.app for b in src.state.backups if b.restore_verified_at is not None}
    needed = planned_apps if planned_apps is not None else sorted({b.app for b in src.state.backups})
    agency = {a.id: a.agency for a in src.apps}
    need = Counter(agency.get(a, "?") for a in needed)
    have = Counter(agency.get(a, "?") for a in needed if a in verified)
    tenants = {t: {"apps": need[t], "verified": have[t], "share": have[t] / need[t]} for t in sorted(need)}
    total = sum(need.values())
    value = sum(have.values()) / total if total else 0.0
    return _kpi(d, value, 1.0 if planned_apps is not None else None, 1.0, tenants=tenants)
