"""Inventory versus observed listeners: app ports that nobody answers on, and services nobody declared.

A declared app port that is not listening points at a dead (or moved) app; a listener the
inventory does not explain is a service the migration would otherwise leave behind.
"""

from __future__ import annotations

from dataclasses import dataclass

from migration.discovery.facts import HostFacts
from migration.discovery.mapping import SSH_PORT
from migration.inventory.model import Estate

# An app's db_host serves its database on one of these (PostgreSQL, MariaDB/MySQL): whichever listens
# there is the declared one; none listening is reported on the first.
DB_PORTS = (5432, 3306)


@dataclass(frozen=True)
class ListenerFinding:
    host: str
    port: int
    app: str | None  # the app the inventory puts there, if any
    finding: str  # "declared, not listening" | "listening, not declared"
    process: str = ""


def listener_findings(estate: Estate, facts: dict[str, HostFacts]) -> list[ListenerFinding]:
    """Per discovered host: declared ports missing from `ss`, and listeners the inventory lacks."""
    expected, databases = _expected(estate)
    findings: list[ListenerFinding] = []
    for host in (h for h in estate.hosts if h in facts):
        listening = {s.port: s.process for s in facts[host].listening}
        declared = dict(expected.get(host, {}))
        if host in databases:
            served = [p for p in DB_PORTS if p in listening] or [DB_PORTS[0]]
            for port in served:
                declared.setdefault(port, databases[host])
        findings += [ListenerFinding(host, port, app, "declared, not listening")
                     for port, app in sorted(declared.items()) if port not in listening]
        findings += [ListenerFinding(host, port, None, "listening, not declared", process)
                     for port, process in sorted(listening.items())
                     if port not in declared and port != SSH_PORT and not _portal_web(estate, host, port)]
    return findings


def _expected(estate: Estate) -> tuple[dict[str, dict[int, str]], dict[str, str]]:
    """(host -> {port: app}: each app's port on its serving hosts; db_host -> the first app whose
    database it holds)."""
    ports: dict[str, dict[int, str]] = {}
    databases: dict[str, str] = {}
    for app in estate.apps.values():
        serving = [h for h in app.hosts if h != app.db_host] or list(app.hosts)
        for host in serving:
            if app.port:
                ports.setdefault(host, {}).setdefault(app.port, app.id)
        if app.db_host:
            databases.setdefault(app.db_host, app.id)
    return ports, databases


def _portal_web(estate: Estate, host: str, port: int) -> bool:
    return host == estate.portal_host and port in (80, 443)
