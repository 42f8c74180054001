"""The slice of an estate the lab needs, as typed frozen dataclasses with real addresses.

Loaded through `migration.inventory.load_estate` (full validation, YAML or CSV), plus the
lab's own checks: names usable for namespaces, a subnet per data center, ips inside it.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from pathlib import Path

from migration.errors import InputError
from migration.inventory import Estate, load_estate
from migration.lab import naming, shapes
from migration.lab.shapes import Shape


@dataclass(frozen=True)
class DataCenter:
    id: str
    kind: str
    subnet: ipaddress.IPv4Network

    @property
    def gateway(self) -> ipaddress.IPv4Address:
        return self.subnet.network_address + 1


@dataclass(frozen=True)
class Host:
    id: str
    datacenter: str
    role: str
    ip: ipaddress.IPv4Address


@dataclass(frozen=True)
class App:
    id: str
    archetype: str
    hosts: tuple[str, ...]
    db_host: str | None
    port: int
    service: str | None
    shape: Shape | None = None  # a vendor layout (lab/shapes.yaml) instead of the toolkit's convention

    @property
    def health_path(self) -> str:
        return self.shape.health_path if self.shape else "/health"

    @property
    def http_hosts(self) -> tuple[str, ...]:
        """Hosts running the app's HTTP process: all of `hosts` but a separate db host."""
        if self.db_host and len(self.hosts) > 1:
            return tuple(h for h in self.hosts if h != self.db_host)
        return self.hosts


@dataclass(frozen=True)
class Dependency:
    src: str
    dst: str


@dataclass(frozen=True)
class LabEstate:
    name: str
    path: Path
    portal_host: str | None
    datacenters: tuple[DataCenter, ...]
    hosts: tuple[Host, ...]
    apps: tuple[App, ...]
    dependencies: tuple[Dependency, ...]

    def host(self, host_id: str) -> Host:
        for h in self.hosts:
            if h.id == host_id:
                return h
        raise InputError(f"unknown host {host_id!r} (estate {self.name!r} has {len(self.hosts)} hosts)",
                         where=f"{self.path}/hosts.yaml")

    def datacenter(self, dc_id: str) -> DataCenter:
        return next(d for d in self.datacenters if d.id == dc_id)

    def apps_on(self, host_id: str) -> tuple[App, ...]:
        return tuple(a for a in self.apps if host_id in a.hosts or a.db_host == host_id)


def _where(est_dir: Path, file: str, row_id: str, key: str) -> str:
    return f"{est_dir / file} id {row_id!r} key {key!r}"


def _datacenters(inv: Estate, folder: Path) -> tuple[DataCenter, ...]:
    out = []
    used = {h.datacenter for h in inv.hosts.values()}
    for dc in inv.datacenters.values():
        if dc.id not in used:
            continue
        where = _where(folder, "datacenters", dc.id, "subnet")
        if not dc.subnet:
            raise InputError("the lab needs a subnet for every data center that has hosts", where=where)
        try:
            subnet = ipaddress.IPv4Network(dc.subnet)
        except ValueError as exc:
            raise InputError(f"bad subnet: {exc}", where=where) from None
        out.append(DataCenter(dc.id, dc.kind, subnet))
    return tuple(out)


def _hosts(inv: Estate, folder: Path, dcs: dict[str, DataCenter]) -> tuple[Host, ...]:
    out = []
    for h in inv.hosts.values():
        if not naming.valid_name(h.id):
            raise InputError("host ids must be lower-case letters, digits and '-' (they name namespaces)",
                             where=_where(folder, "hosts", h.id, "id"))
        dc, where = dcs[h.datacenter], _where(folder, "hosts", h.id, "ip")
        try:
            ip = ipaddress.IPv4Address(h.ip or "")
        except ValueError:
            raise InputError(f"the lab needs an IPv4 address, got {h.ip!r}", where=where) from None
        if ip not in dc.subnet or ip in (dc.gateway, dc.subnet.network_address, dc.subnet.broadcast_address):
            raise InputError(f"ip {ip} is not a host address in {dc.subnet} (.1 is the gateway)", where=where)
        out.append(Host(h.id, h.datacenter, h.role, ip))
    return tuple(out)


def _apps(inv: Estate, shaped: dict[str, Shape]) -> tuple[App, ...]:
    """A vendor-shaped app's archetype is its shape's kind (the inventory's enum has no such values)."""
    def archetype(a_id: str, given: str | None) -> str:
        return shaped[a_id].kind if a_id in shaped else given or "api"
    return tuple(App(a.id, archetype(a.id, a.archetype), tuple(a.hosts), a.db_host, int(a.port or 8080), a.service,
                     shaped.get(a.id)) for a in inv.apps.values())


def load(folder: Path | str) -> LabEstate:
    """Read an estate folder with `migration.inventory.load_estate`, then the lab's own checks
    (valid names, a subnet per data center, host ips inside it); errors name file and key."""
    folder = Path(folder)
    inv = load_estate(folder)
    if not naming.valid_name(inv.name):
        raise InputError(f"estate name {inv.name!r} must be lower-case letters, digits and '-'",
                         where=f"{folder / 'estate.yaml'} key 'name'")
    dcs = _datacenters(inv, folder)
    deps = tuple(Dependency(d.from_app, d.to_app) for d in inv.dependencies)
    return LabEstate(inv.name, folder.resolve(), inv.portal_host, dcs, _hosts(inv, folder, {d.id: d for d in dcs}),
                     _apps(inv, shapes.load(folder, inv)), deps)
