"""The typed estate model: agencies, data centers, hosts, applications, dependencies, constraints.

Built once by the loaders after validation; everything downstream (assess, plan, stacks,
report, discovery, execution) trusts these objects and never re-checks them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

AGENCY_KINDS = ("ministry", "agency", "province", "regency", "city")
DC_KINDS = ("legacy", "national")
HOST_ROLES = ("legacy", "target", "portal")
CRITICALITIES = ("low", "medium", "high")
DATA_CLASSES = ("public", "internal", "confidential", "secret")
ARCHETYPES = ("web-db", "files", "api")


@dataclass(frozen=True, slots=True)
class Agency:
    id: str
    name: str
    kind: str
    province: str


@dataclass(frozen=True, slots=True)
class DataCenter:
    id: str
    name: str
    agency: str
    province: str
    tier: int
    kind: str
    power_kw: float | None = None
    annual_cost_idr: int | None = None
    subnet: str | None = None


@dataclass(frozen=True, slots=True)
class Host:
    id: str
    datacenter: str
    role: str
    ip: str | None = None
    os: str | None = None
    cpu: int | None = None
    memory_gb: float | None = None
    disk_gb: float | None = None
    target: str | None = None  # pinned target host for a legacy host


@dataclass(frozen=True, slots=True)
class Application:
    id: str
    name: str
    agency: str
    function: str
    criticality: str
    data_class: str
    data_gb: float
    hosts: tuple[str, ...]
    archetype: str | None = None
    db_host: str | None = None
    port: int | None = None
    service: str | None = None

    @property
    def all_hosts(self) -> tuple[str, ...]:
        """The app's hosts plus its db host, in order, without repeats."""
        if self.db_host and self.db_host not in self.hosts:
            return (*self.hosts, self.db_host)
        return self.hosts


@dataclass(frozen=True, slots=True)
class Dependency:
    """`from_app` calls (needs) `to_app`. `origin` says who told us: declared or observed."""

    from_app: str
    to_app: str
    kind: str | None = None
    origin: str = "declared"


@dataclass(frozen=True, slots=True)
class Schedule:
    start: date
    wave_days: int = 7

    def wave_start(self, number: int) -> date:
        """Wave N starts at start + (N-1) * wave_days."""
        return self.start + timedelta(days=(number - 1) * self.wave_days)


@dataclass(frozen=True, slots=True)
class Capacity:
    cpu: float | None = None
    memory_gb: float | None = None
    disk_gb: float | None = None


@dataclass(frozen=True, slots=True)
class Blackout:
    """No wave starting inside [start, end] may touch the agency or the data center."""

    start: date
    end: date
    agency: str | None = None
    datacenter: str | None = None
    reason: str = ""

    def covers(self, day: date) -> bool:
        return self.start <= day <= self.end


@dataclass(frozen=True, slots=True)
class Constraints:
    schedule: Schedule = field(default_factory=lambda: Schedule(start=date(2027, 1, 4)))
    max_hosts_per_wave: int | None = None
    max_data_gb_per_wave: float | None = None
    critical_not_before_wave: int = 1
    target_capacity: Capacity | None = None
    blackouts: tuple[Blackout, ...] = ()


@dataclass(frozen=True)
class Estate:
    """One validated estate. Mappings keep file order and are keyed by id."""

    name: str
    national_datacenter: str
    portal_host: str | None
    agencies: dict[str, Agency]
    datacenters: dict[str, DataCenter]
    hosts: dict[str, Host]
    apps: dict[str, Application]
    dependencies: tuple[Dependency, ...]
    constraints: Constraints
    source_dir: Path | None = None
    digest: str = ""  # sha256 over the inventory files in name order
    # Where backups may be written (estate.yaml; docs/inventory-format.md): host names, and
    # whether loopback endpoints are allowed (the lab's embedded S3 server only).
    storage_allow_list: tuple[str, ...] = ()
    storage_allow_loopback: bool = False

    def hosts_in(self, datacenter: str) -> list[Host]:
        return [h for h in self.hosts.values() if h.datacenter == datacenter]

    def target_hosts(self) -> list[Host]:
        return [h for h in self.hosts.values() if h.role == "target"]

    def apps_on_host(self) -> dict[str, list[str]]:
        """Host id -> ids of apps using it (as an app host or as db host)."""
        index: dict[str, list[str]] = {}
        for app in self.apps.values():
            for host in app.all_hosts:
                index.setdefault(host, []).append(app.id)
        return index
