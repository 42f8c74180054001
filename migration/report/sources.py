"""What the report reads: the estate, the plan and the state store, as small typed views.

Loading is the only I/O here; everything downstream is pure and works on these views, so the
ledger can be computed (and tested) from any estate, plan or journal without the CLI.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from migration.plan.model import Plan

STRATEGIES = ("rehost", "replatform", "retire", "replace", "retain")


@dataclass(frozen=True)
class DcView:
    id: str
    name: str
    agency: str
    province: str
    tier: int
    kind: str
    annual_cost_idr: float | None


@dataclass(frozen=True)
class HostView:
    id: str
    datacenter: str
    role: str


@dataclass(frozen=True)
class AppView:
    id: str
    name: str
    agency: str
    function: str
    criticality: str
    data_gb: float
    hosts: tuple[str, ...]


@dataclass(frozen=True)
class PlanApp:
    strategy: str
    rule: str
    shared_service: str | None
    wave: int | None


@dataclass(frozen=True)
class WaveView:
    number: int
    start: date | None
    apps: tuple[str, ...]
    hosts: tuple[str, ...]  # source hosts
    data_gb: float
    closes: tuple[str, ...]


@dataclass(frozen=True)
class PlanView:
    apps: Mapping[str, PlanApp]
    waves: tuple[WaveView, ...]


@dataclass(frozen=True)
class StateView:
    """The journal as read from the state store (its own record types, used as-is)."""

    runs: Sequence[Any] = ()
    steps: Sequence[Any] = ()
    evidence: Sequence[Any] = ()
    backups: Sequence[Any] = ()


@dataclass(frozen=True)
class Sources:
    estate: str
    agencies: Mapping[str, str]  # id -> name
    datacenters: tuple[DcView, ...]
    hosts: tuple[HostView, ...]
    apps: tuple[AppView, ...]
    plan: PlanView | None = None
    state: StateView = field(default_factory=StateView)
    # With no plan, the estate section still shows assessment classes, from `migration.assess`.
    assessment: Mapping[str, PlanApp] = field(default_factory=dict)

    def classes(self) -> Mapping[str, PlanApp]:
        """App id -> strategy: the plan's where there is one, else the assessment's."""
        return self.plan.apps if self.plan is not None else self.assessment


def _values(items: Any) -> Iterable[Any]:
    """The estate may hold its tables as lists or as id-keyed mappings; accept both."""
    return items.values() if isinstance(items, Mapping) else items


def _s(value: Any) -> str:
    return "" if value is None else str(getattr(value, "value", value))


def views_from_estate(estate: Any) -> Sources:
    """Read the inventory model's attributes (migration.inventory.Estate) into report views."""
    dcs = tuple(
        DcView(_s(d.id), _s(d.name), _s(d.agency), _s(d.province), int(d.tier), _s(d.kind),
               None if getattr(d, "annual_cost_idr", None) is None else float(d.annual_cost_idr))
        for d in _values(estate.datacenters)
    )
    hosts = tuple(HostView(_s(h.id), _s(h.datacenter), _s(h.role)) for h in _values(estate.hosts))
    apps = tuple(
        AppView(_s(a.id), _s(a.name), _s(a.agency), _s(a.function), _s(a.criticality),
                float(a.data_gb or 0), tuple(_s(h) for h in getattr(a, "all_hosts", a.hosts)))
        for a in _values(estate.apps)
    )
    agencies = {_s(a.id): _s(a.name) for a in _values(estate.agencies)}
    return Sources(_s(getattr(estate, "name", "")), agencies, dcs, hosts, apps)


def plan_view(plan: Plan) -> PlanView:
    """The report's view of a typed plan (read by `migration.plan.reader`, the one plan reader)."""
    apps = {a.id: PlanApp(a.strategy, a.rule, a.shared_service, a.wave) for a in plan.apps.values()}
    waves = tuple(WaveView(w.number, w.start, w.apps, tuple(m.source for m in w.hosts), w.data_gb,
                           w.closes_datacenters) for w in plan.waves)
    return PlanView(apps, tuple(sorted(waves, key=lambda w: w.number)))


def load_plan_view(path: Path, estate: Any = None, *, accept_mismatch: bool = False,
                   on_accept: Callable[[str], None] | None = None) -> PlanView:
    from migration.plan.reader import read_plan

    return plan_view(read_plan(path, estate, accept_mismatch=accept_mismatch, on_accept=on_accept))


def load_state_view(url: str | None, estate_dir: Path) -> StateView:
    """Read the whole journal; no store yet (the default path is absent) reads as 'not started'."""
    if url is None and not (estate_dir / "state" / "dcc.sqlite").exists():
        return StateView()
    from migration.state import StateStore

    with StateStore.open(url, estate_dir=estate_dir, create=False) as store:
        return StateView(tuple(store.runs()), tuple(store.steps()), tuple(store.evidence()),
                         tuple(store.backups()))


def load_sources(estate_dir: Path, plan: Path | None = None, state_url: str | None = None, *,
                 accept_plan_mismatch: bool = False, on_accept: Callable[[str], None] | None = None) -> Sources:
    """Everything the report needs, from files and the state store; the plan must be this estate's."""
    from dataclasses import replace

    from migration.inventory import load_estate

    estate = load_estate(estate_dir)
    base = replace(views_from_estate(estate), state=load_state_view(state_url, estate_dir))
    if plan is not None:
        return replace(base, plan=load_plan_view(plan, estate, accept_mismatch=accept_plan_mismatch,
                                                 on_accept=on_accept))
    return replace(base, assessment=assessment_view(estate))


def assessment_view(estate: Any) -> dict[str, PlanApp]:
    from migration.assess import assess

    return {a: PlanApp(x.strategy, x.rule_line, x.shared_service, None) for a, x in assess(estate).items()}
