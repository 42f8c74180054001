"""Inventory versus observed listeners: app ports that nobody answers on, and services nobody declared.

A declared app port that is not listening points at a dead (or moved) app; a listener the
inventory does not explain is a service the migration would otherwise leave behind.
"""

from __future__ import annotations

from dataclasses import dataclass

from migration.discovery.facts import HostFacts
from migration.discovery.mapping import SSH_PORT
from migration.inventory.model import Estate

POSTGRES_PORT = 5432  # the app layout convention: an app's database is PostgreSQL on db_host


@dataclass(frozen=True)
class ListenerFinding:
    host: str
    port: int
    app: str | None  # the app the inventory puts there, if any
    finding: str  # "declared, not listening" | "listening, not declared"
    process: str = ""


def listener_findings(estate: Estate, facts: dict[str, HostFacts]) -> list[ListenerFinding]:
    """Per discovered host: declared ports missing from `ss`, and listeners the inventory lacks."""
    expected = _expected(estate)
    findings: list[ListenerFinding] = []
    for host in (h for h in estate.hosts if h in facts):
        listening = {s.port: s.process for s in facts[host].listening}
        declared = expected.get(host, {})
        findings += [ListenerFinding(host, port, app, "declared, not listening")
                     for port, app in sorted(declared.items()) if port not in listening]
        findings += [ListenerFinding(host, port, None, "listening, not declared", process)
                     for port, process in sorted(listening.items())
                     if port not in declared and port != SSH_PORT and not _portal_web(estate, host, port)]
    return findings


def _expected(estate: Estate) -> dict[str, dict[int, str]]:
    """Host -> {port: app}: each app's port on its serving hosts, and its database port on db_host."""
    ports: dict[str, dict[int, str]] = {}
    for app in estate.apps.values():
        serving = [h for h in app.hosts if h != app.db_host] or list(app.hosts)
        for host in serving:
            if app.port:
                ports.setdefault(host, {}).setdefault(app.port, app.id)
        if app.db_host:
            ports.setdefault(app.db_host, {}).setdefault(POSTGRES_PORT, app.id)
    return ports


def _portal_web(estate: Estate, host: str, port: int) -> bool:
    return host == estate.portal_host and port in (80, 443)
