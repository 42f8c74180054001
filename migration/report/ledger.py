"""The KPI ledger: each figure computed from the estate, the plan and the journal.

Pure: it reads `Sources` and returns `Kpi`s stamped with the definition they were measured
under (migration/report/definitions.py), so two ledgers compare only like with like.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from migration.report.costmodel import CostModel
from migration.report.definitions import Definition, current
from migration.report.sources import Sources

DONE = frozenset({"ok", "changed"})
MOVES = frozenset({"rehost", "replatform"})


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
    for s in sorted(steps, key=lambda s: s.at):
        out[(s.app, s.host, s.step)] = s
    return out


def _migrated(steps: Iterable[Any]) -> frozenset[str]:
    """Apps whose newest cutover succeeded and were not rolled back after it."""
    last: dict[str, Any] = {}
    for s in sorted(steps, key=lambda s: s.at):
        if s.step == "cutover" or (s.step == "rollback" and s.status in DONE | {"rolled_back"}):
            last[s.app] = s
    return frozenset(a for a, s in last.items() if s.step == "cutover" and s.status in DONE)


def progress(src: Sources) -> Progress:
    newest = latest(src.state.steps)
    gone = frozenset(h for (_, h, step), s in newest.items() if step == "decommission" and s.status in DONE)
    legacy = _legacy_hosts_by_dc(src)
    closed = frozenset(dc for dc, hosts in legacy.items() if hosts and hosts <= gone)
    return Progress(gone, _migrated(src.state.steps), closed)


def _legacy_hosts_by_dc(src: Sources) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {d.id: set() for d in src.datacenters if d.kind == "legacy"}
    for h in src.hosts:
        if h.role == "legacy" and h.datacenter in out:
            out[h.datacenter].add(h.id)
    return out


def _strategy_apps(src: Sources, strategies: frozenset[str]) -> list[Any]:
    if src.plan is None:
        return []
    return [a for a in src.apps if a.id in src.plan.apps and src.plan.apps[a.id].strategy in strategies]


def _kpi(d: Definition, value: float, planned: float | None, total: float | None, **detail: Any) -> Kpi:
    return Kpi(d.kpi, d.label, d.unit, value, planned, total, d.version, d.text, detail)


def _apps_gone(apps: list[Any], gone: frozenset[str]) -> int:
    return sum(1 for a in apps if a.hosts and set(a.hosts) <= gone)


def compute_ledger(src: Sources, costs: CostModel, defs: Mapping[str, Definition] | None = None) -> tuple[Kpi, ...]:
    """Every KPI, in the definitions table's order."""
    d = defs or current()
    p = progress(src)
    has_plan = src.plan is not None
    plan_closes = {dc for w in src.plan.waves for dc in w.closes} if src.plan else set()
    movers = _strategy_apps(src, MOVES)
    retired = _strategy_apps(src, frozenset({"retire"}))
    replaced = _strategy_apps(src, frozenset({"replace"}))
    legacy_dcs = _legacy_hosts_by_dc(src)
    legacy_hosts = {h for hosts in legacy_dcs.values() for h in hosts}
    planned_hosts = {h for a in movers + retired + replaced for h in a.hosts} & legacy_hosts
    n_migrated = len(p.apps_migrated & {a.id for a in movers}) if has_plan else len(p.apps_migrated)
    n_retired, n_replaced = _apps_gone(retired, p.hosts_decommissioned), _apps_gone(replaced, p.hosts_decommissioned)
    n_apps = len(src.apps)
    share = (n_migrated + n_replaced) / n_apps if n_apps else 0.0
    plan_share = (len(movers) + len(replaced)) / n_apps if has_plan and n_apps else None
    maybe = (lambda v: v) if has_plan else (lambda v: None)
    return (
        _kpi(d["datacenters_closed"], len(p.dcs_closed), maybe(len(plan_closes)), len(legacy_dcs),
             closed_ids=sorted(p.dcs_closed)[:200], planned_ids=sorted(plan_closes)[:200]),
        _kpi(d["apps_migrated"], n_migrated, maybe(len(movers)), n_apps),
        _kpi(d["apps_retired"], n_retired, maybe(len(retired)), n_apps),
        _kpi(d["apps_replaced"], n_replaced, maybe(len(replaced)), n_apps),
        _kpi(d["servers_retired"], len(p.hosts_decommissioned & legacy_hosts), maybe(len(planned_hosts)),
             len(legacy_hosts)),
        _kpi(d["shared_cloud_share"], share, plan_share, 1.0),
        _savings(d["annual_savings_idr"], src, costs, p, (n_migrated, n_replaced), has_plan,
                 (plan_closes, planned_hosts, len(movers), len(replaced))),
        _backups(d["backups_restorable"], src, [a.id for a in movers] if has_plan else None),
    )


def savings_idr(src: Sources, costs: CostModel, closed: set[str] | frozenset[str], retired_hosts: set[str],
                on_cloud: int, replaced: int) -> float:
    """Cost model: closed DCs + servers retired in open DCs - what the cloud and shared services cost."""
    dc_cost = sum(costs.dc_cost(dc.tier, dc.annual_cost_idr) for dc in src.datacenters if dc.id in closed)
    loose = sum(1 for h in src.hosts if h.id in retired_hosts and h.datacenter not in closed)
    return (dc_cost + loose * costs.server_idr - on_cloud * costs.cloud_per_app_idr
            - replaced * costs.shared_service_per_app_idr)


def _savings(d: Definition, src: Sources, costs: CostModel, p: Progress, done: tuple[int, int],
             has_plan: bool, plan: tuple[set[str], set[str], int, int]) -> Kpi:
    legacy = {h.id for h in src.hosts if h.role == "legacy"}
    value = savings_idr(src, costs, p.dcs_closed, set(p.hosts_decommissioned & legacy), *done)
    planned = savings_idr(src, costs, *plan) if has_plan else None
    return _kpi(d, value, planned, None, cost_model=costs.as_inputs())


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
