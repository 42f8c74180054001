"""A small private reader of the parts of an estate folder the lab needs.

Reads estate.yaml, datacenters, hosts and apps (YAML) into typed frozen dataclasses;
errors name the file and key. The full model lives in `migration.inventory`.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from migration.errors import InputError
from migration.lab import naming


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


def _read_list(path: Path) -> list[dict[str, Any]]:
    try:
        data = yaml.safe_load(path.read_text()) or []
    except FileNotFoundError:
        raise InputError("file is missing", where=str(path)) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        raise InputError(f"not valid YAML: {getattr(exc, 'problem', exc)}", where=where) from None
    if not isinstance(data, list):
        raise InputError("expected a list of mappings", where=str(path))
    return data


def _field(row: dict[str, Any], key: str, path: Path, index: int) -> Any:
    if key not in row or row[key] in (None, ""):
        raise InputError(f"missing required key {key!r}", where=f"{path} row {index + 1}")
    return row[key]


def _datacenters(folder: Path) -> tuple[DataCenter, ...]:
    path = folder / "datacenters.yaml"
    out = []
    for i, row in enumerate(_read_list(path)):
        try:
            subnet = ipaddress.IPv4Network(str(_field(row, "subnet", path, i)))
        except ValueError as exc:
            raise InputError(f"bad subnet: {exc}", where=f"{path} row {i + 1} key 'subnet'") from None
        out.append(DataCenter(str(_field(row, "id", path, i)), str(row.get("kind", "legacy")), subnet))
    return tuple(out)


def _hosts(folder: Path, dcs: dict[str, DataCenter]) -> tuple[Host, ...]:
    path = folder / "hosts.yaml"
    out = []
    for i, row in enumerate(_read_list(path)):
        hid, dc = str(_field(row, "id", path, i)), str(_field(row, "datacenter", path, i))
        where = f"{path} row {i + 1}"
        if not naming.valid_name(hid):
            raise InputError(f"host id {hid!r} must be lower-case letters, digits and '-'", where=where)
        if dc not in dcs:
            raise InputError(f"unknown datacenter {dc!r}", where=f"{where} key 'datacenter'")
        try:
            ip = ipaddress.IPv4Address(str(_field(row, "ip", path, i)))
        except ValueError as exc:
            raise InputError(f"bad ip: {exc}", where=f"{where} key 'ip'") from None
        if ip not in dcs[dc].subnet or ip == dcs[dc].gateway:
            raise InputError(f"ip {ip} is not a host address in {dcs[dc].subnet} (.1 is the gateway)",
                             where=f"{where} key 'ip'")
        out.append(Host(hid, dc, str(_field(row, "role", path, i)), ip))
    return tuple(out)


def _apps(folder: Path) -> tuple[App, ...]:
    path = folder / "apps.yaml"
    out = []
    for i, row in enumerate(_read_list(path)):
        hosts = row.get("hosts") or []
        hosts = hosts.split(";") if isinstance(hosts, str) else hosts
        out.append(App(
            id=str(_field(row, "id", path, i)),
            archetype=str(row.get("archetype") or "api"),
            hosts=tuple(str(h) for h in hosts),
            db_host=str(row["db_host"]) if row.get("db_host") else None,
            port=int(row.get("port") or 8080),
            service=str(row["service"]) if row.get("service") else None,
        ))
    return tuple(out)


def _dependencies(folder: Path) -> tuple[Dependency, ...]:
    path = folder / "dependencies.yaml"
    if not path.exists():
        return ()
    return tuple(Dependency(str(r["from"]), str(r["to"])) for r in _read_list(path))


def _check_refs(est: LabEstate) -> None:
    ids = {h.id for h in est.hosts}
    for app in est.apps:
        for ref in (*app.hosts, *([app.db_host] if app.db_host else [])):
            if ref not in ids:
                raise InputError(f"app {app.id!r} names unknown host {ref!r}", where=f"{est.path}/apps.yaml")
    if est.portal_host and est.portal_host not in ids:
        raise InputError(f"unknown portal_host {est.portal_host!r}", where=f"{est.path}/estate.yaml")


def load(folder: Path | str) -> LabEstate:
    """Read an estate folder; raise `InputError` naming file and key on the first problem."""
    folder = Path(folder)
    meta_path = folder / "estate.yaml"
    if not meta_path.exists():
        raise InputError("not an estate folder (estate.yaml is missing)", where=str(folder))
    meta = yaml.safe_load(meta_path.read_text()) or {}
    name = str(meta.get("name") or "")
    if not naming.valid_name(name):
        raise InputError(f"estate name {name!r} must be lower-case letters, digits and '-'",
                         where=f"{meta_path} key 'name'")
    dcs = _datacenters(folder)
    est = LabEstate(name, folder.resolve(), meta.get("portal_host"), dcs,
                    _hosts(folder, {d.id: d for d in dcs}), _apps(folder), _dependencies(folder))
    _check_refs(est)
    return est
