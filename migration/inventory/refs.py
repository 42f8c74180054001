"""Cross-table checks: every reference names something that exists and fits.

Runs after each table loaded on its own; a table that could not be read at all is not
used for checks, so one broken file does not drown the report in follow-on errors.
"""

from __future__ import annotations

import ipaddress
import socket
from itertools import chain
from operator import attrgetter, eq
from pathlib import Path
from typing import cast

from migration.inventory.model import Application, DataCenter, Host
from migration.inventory.readers import Problems
from migration.inventory.records import Table


class Refs:
    """Checks references against the loaded tables, reporting into `problems`."""

    def __init__(self, tables: dict[str, Table], problems: Problems) -> None:
        self.tables = tables
        self.problems = problems

    def known(self, table: str, key: str) -> bool:
        """True when `key` exists in `table`, or when that table is unusable (no cascade)."""
        loaded = self.tables[table]
        return not loaded.complete or key in loaded.ids

    def expect(self, table: str, key: str | None, where: tuple[Path | str, int | None, str], what: str) -> bool:
        if key is None or self.known(table, key):
            return True
        self.problems.add(*where, f"unknown {what} {key!r}")
        return False

    def check_all(self) -> None:
        self.check_datacenters()
        self.check_hosts()
        self.check_apps()
        self.check_dependencies()

    def check_datacenters(self) -> None:
        table = self.tables["datacenters"]
        file = _file(table)
        for line, dc in table.rows:
            self.expect("agencies", dc.agency, (file, line, "agency"), "agency")

    def check_hosts(self) -> None:
        table = self.tables["hosts"]
        dcs: dict[str, DataCenter] = self.tables["datacenters"].objects
        dc_ids = self.tables["datacenters"].ids if self.tables["datacenters"].complete else None
        if _hosts_fine(table, dc_ids, dcs):
            return  # all fine, checked a column at a time: the loop below only says what is wrong
        networks = {dc.id: _span(dc.subnet) for dc in dcs.values() if dc.subnet}
        ips: dict[str, str] = {}
        file = _file(table)
        for line, host in table.rows:
            where = (file, line)
            if dc_ids is not None and host.datacenter not in dc_ids:  # inlined `expect`: 60,000 rows
                self.problems.add(*where, "datacenter", f"unknown data center {host.datacenter!r}")
            if host.ip is not None:
                self._check_ip(host, where, networks, ips)
            if host.target is not None:
                self._check_target(host, where)

    def _check_ip(self, host: Host, where: tuple[Path | str, int], networks: dict[str, tuple[int, int, str]],
                  ips: dict[str, str]) -> None:
        ip = host.ip or ""
        if ip in ips:
            self.problems.add(*where, "ip", f"{ip} is already the ip of host {ips[ip]!r}")
        ips[ip] = host.id
        span = networks.get(host.datacenter)
        if span is not None and not span[0] <= _ip_int(ip) <= span[1]:
            self.problems.add(*where, "ip", f"{ip} is outside data center subnet {span[2]}")

    def _check_target(self, host: Host, where: tuple[Path | str, int]) -> None:
        if host.target is None:
            return
        if host.role != "legacy":
            self.problems.add(*where, "target", f"only legacy hosts have a target (role is {host.role})")
            return
        if not self.expect("hosts", host.target, (*where, "target"), "target host"):
            return
        target = self.tables["hosts"].objects.get(host.target)
        if target is not None and target.role != "target":
            self.problems.add(*where, "target", f"host {host.target!r} has role {target.role}, not target")

    def check_apps(self) -> None:
        table = self.tables["apps"]
        hosts: dict[str, Host] = self.tables["hosts"].objects
        legacy = {h.id for h in hosts.values() if h.role == "legacy"}
        agencies = self.tables["agencies"].ids
        apps = table.items
        db_hosts = [h for h in map(_DB_HOST, apps) if h is not None]
        if (agencies.issuperset(map(_AGENCY, apps)) and legacy.issuperset(chain.from_iterable(map(_HOSTS, apps)))
                and legacy.issuperset(db_hosts)):
            return
        file = _file(table)
        for line, app in table.rows:
            if app.agency in agencies and legacy.issuperset(app.hosts) and (app.db_host is None
                                                                             or app.db_host in legacy):
                continue  # all fine: the checks below only run to say what is wrong
            where = (file, line)
            self.expect("agencies", app.agency, (*where, "agency"), "agency")
            for host_id in app.hosts:
                if self.expect("hosts", host_id, (*where, "hosts"), "host"):
                    self._check_app_host(app, hosts.get(host_id), (*where, "hosts"))
            if self.expect("hosts", app.db_host, (*where, "db_host"), "host"):
                self._check_app_host(app, hosts.get(app.db_host or ""), (*where, "db_host"))

    def _check_app_host(self, app: Application, host: Host | None, where: tuple[Path | str, int, str]) -> None:
        if host is not None and host.role != "legacy":
            self.problems.add(*where, f"app {app.id!r} runs on {host.id!r}, a {host.role} host, not legacy")

    def check_dependencies(self) -> None:
        table = self.tables["dependencies"]
        apps = self.tables["apps"]
        callers, callees = list(map(_FROM, table.items)), list(map(_TO, table.items))
        if ((not apps.complete or (apps.ids.issuperset(callers) and apps.ids.issuperset(callees)))
                and not any(map(eq, callers, callees))):
            return
        file = _file(table)
        for line, dep in table.rows:
            where = (file, line)
            self.expect("apps", dep.from_app, (*where, "from"), "app")
            self.expect("apps", dep.to_app, (*where, "to"), "app")
            if dep.from_app == dep.to_app:
                self.problems.add(*where, "to", f"app {dep.to_app!r} cannot depend on itself")


def _file(table: Table) -> Path | str:
    """The file a table was read from; only a table never read has none, and it has no rows."""
    return table.file if table.file is not None else ""


_DATACENTER, _IP, _AGENCY, _HOSTS, _DB_HOST = (attrgetter(name) for name in
                                               ("datacenter", "ip", "agency", "hosts", "db_host"))
_FROM, _TO = attrgetter("from_app"), attrgetter("to_app")


def _hosts_fine(table: Table, dc_ids: set[str] | None, dcs: dict[str, DataCenter]) -> bool:
    """True when no host has a problem: known data center, unique ip inside its subnet, good target."""
    hosts = table.items
    datacenters = list(map(_DATACENTER, hosts))
    if dc_ids is not None and not dc_ids.issuperset(datacenters):
        return False
    ips = list(map(_IP, hosts))
    given = [ip for ip in ips if ip is not None]
    if len(set(given)) != len(given):
        return False
    prefixes = {dc.id: _prefixes(dc.subnet) for dc in dcs.values()}
    if None in prefixes.values():
        return False
    # No value is None any more (checked above); mypy cannot narrow a dict's values.
    starts = cast(list[str | tuple[str, ...]],
                  [prefixes.get(dc, "") if ip else "" for ip, dc in zip(ips, datacenters)])
    # The closing "." makes a whole address a prefix too (a /25 or longer lists full addresses).
    if not all(map(str.startswith, [f"{ip}." if ip else "" for ip in ips], starts)):
        return False
    by_id = table.objects
    return all(h.role == "legacy" and h.target in by_id and by_id[h.target].role == "target"
               for h in hosts if h.target is not None)


def _prefixes(subnet: str | None) -> str | tuple[str, ...] | None:
    """What every canonical IPv4 address in `subnet`, followed by ".", starts with: "10.0.3." for
    10.0.3.0/24, ("10.0.2.", "10.0.3.") for 10.0.2.0/23; "" without a subnet; None for IPv6 or /0."""
    if subnet is None:
        return ""
    address, _, length = subnet.partition("/")  # canonical: the loader wrote it with str(ip_network)
    bits = int(length)
    if ":" in address or not bits:
        return None
    whole = -(-bits // 8)  # octets the prefix touches
    first = int.from_bytes(socket.inet_aton(address), "big") >> (32 - 8 * whole)
    return tuple(".".join(map(str, (first + i).to_bytes(whole, "big"))) + "."
                 for i in range(1 << (8 * whole - bits)))


def _span(subnet: str) -> tuple[int, int, str]:
    """(first, last, text) of a subnet, as integers for a fast containment test."""
    net = ipaddress.ip_network(subnet)
    return int(net.network_address), int(net.broadcast_address), subnet


def _ip_int(address: str) -> int:
    if ":" not in address:  # the loader already checked it is a canonical IPv4 dotted quad
        return int.from_bytes(socket.inet_aton(address), "big")
    return int(ipaddress.ip_address(address))
