"""Cross-table checks: every reference names something that exists and fits.

Runs after each table loaded on its own; a table that could not be read at all is not
used for checks, so one broken file does not drown the report in follow-on errors.
"""

from __future__ import annotations

import ipaddress
import socket
from pathlib import Path

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
        for line, dc in table.rows:
            self.expect("agencies", dc.agency, (table.file, line, "agency"), "agency")

    def check_hosts(self) -> None:
        table = self.tables["hosts"]
        dcs: dict[str, DataCenter] = self.tables["datacenters"].objects
        networks = {dc.id: _span(dc.subnet) for dc in dcs.values() if dc.subnet}
        ips: dict[str, str] = {}
        dc_ids = self.tables["datacenters"].ids if self.tables["datacenters"].complete else None
        for line, host in table.rows:
            where = (table.file, line)
            if dc_ids is not None and host.datacenter not in dc_ids:  # inlined `expect`: 60,000 rows
                self.problems.add(*where, "datacenter", f"unknown data center {host.datacenter!r}")
            if host.ip is not None:
                self._check_ip(host, where, networks, ips)
            if host.target is not None:
                self._check_target(host, where)

    def _check_ip(self, host: Host, where: tuple[Path | None, int], networks: dict, ips: dict[str, str]) -> None:
        ip = host.ip or ""
        if ip in ips:
            self.problems.add(*where, "ip", f"{ip} is already the ip of host {ips[ip]!r}")
        ips[ip] = host.id
        span = networks.get(host.datacenter)
        if span is not None and not span[0] <= _ip_int(ip) <= span[1]:
            self.problems.add(*where, "ip", f"{ip} is outside data center subnet {span[2]}")

    def _check_target(self, host: Host, where: tuple[Path | None, int]) -> None:
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
        for line, app in table.rows:
            if app.agency in agencies and legacy.issuperset(app.hosts) and (app.db_host is None
                                                                             or app.db_host in legacy):
                continue  # all fine: the checks below only run to say what is wrong
            where = (table.file, line)
            self.expect("agencies", app.agency, (*where, "agency"), "agency")
            for host_id in app.hosts:
                if self.expect("hosts", host_id, (*where, "hosts"), "host"):
                    self._check_app_host(app, hosts.get(host_id), (*where, "hosts"))
            if self.expect("hosts", app.db_host, (*where, "db_host"), "host"):
                self._check_app_host(app, hosts.get(app.db_host or ""), (*where, "db_host"))

    def _check_app_host(self, app: Application, host: Host | None, where: tuple) -> None:
        if host is not None and host.role != "legacy":
            self.problems.add(*where, f"app {app.id!r} runs on {host.id!r}, a {host.role} host, not legacy")

    def check_dependencies(self) -> None:
        table = self.tables["dependencies"]
        for line, dep in table.rows:
            where = (table.file, line)
            self.expect("apps", dep.from_app, (*where, "from"), "app")
            self.expect("apps", dep.to_app, (*where, "to"), "app")
            if dep.from_app == dep.to_app:
                self.problems.add(*where, "to", f"app {dep.to_app!r} cannot depend on itself")


def _span(subnet: str) -> tuple[int, int, str]:
    """(first, last, text) of a subnet, as integers for a fast containment test."""
    net = ipaddress.ip_network(subnet)
    return int(net.network_address), int(net.broadcast_address), subnet


def _ip_int(address: str) -> int:
    if ":" not in address:  # the loader already checked it is a canonical IPv4 dotted quad
        return int.from_bytes(socket.inet_aton(address), "big")
    return int(ipaddress.ip_address(address))
