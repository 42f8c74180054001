"""Observed dependencies: map each TCP connection in the facts onto inventory apps.

A connection's client side is the app whose process owns the socket (or the only app on that
host); its server side is the app listening on the peer host and port, or the database an app
keeps on its db host. Pure: works on an `Estate` and loaded `HostFacts`.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from dataclasses import dataclass

from migration.discovery.facts import Endpoint, HostFacts
from migration.inventory.model import Application, Estate

DB_PORTS = {5432: "postgresql", 3306: "mysql"}
SSH_PORT = 22


@dataclass(frozen=True)
class Observation:
    """One connection as seen on `seen_on`, resolved as far as the inventory allows."""

    seen_on: str
    from_host: str | None
    from_app: str | None
    to_host: str | None
    to_app: str | None
    to_port: int
    peer: str  # the far end as printed, `addr:port`
    process: str
    evidence: str  # established | time-wait | inbound

    @property
    def kind(self) -> str:
        return DB_PORTS.get(self.to_port, f"tcp/{self.to_port}")

    @property
    def is_app_edge(self) -> bool:
        return bool(self.from_app and self.to_app and self.from_app != self.to_app)


class _Index:
    """Lookups from addresses and ports to inventory hosts and apps."""

    def __init__(self, estate: Estate, facts: dict[str, HostFacts]) -> None:
        self.estate = estate
        self.facts = facts
        self.host_by_ip = {h.ip: h.id for h in estate.hosts.values() if h.ip}
        self.apps_on = estate.apps_on_host()
        self.commands = {host: {p.pid: p.command for p in f.processes} for host, f in facts.items()}
        self.listener: dict[tuple[str, int], str] = {}
        self.db_apps: dict[str, list[str]] = {}
        for app in estate.apps.values():
            for host in app.hosts:
                if app.port:
                    self.listener.setdefault((host, app.port), app.id)
            if app.db_host:
                self.db_apps.setdefault(app.db_host, []).append(app.id)

    def host_of(self, address: str, here: str) -> str | None:
        try:
            if ipaddress.ip_address(address).is_loopback:
                return here
        except ValueError:
            return None
        return self.host_by_ip.get(address)

    def listening_ports(self, host: str) -> set[int]:
        return {s.port for s in self.facts[host].listening} if host in self.facts else set()

    def server_app(self, host: str | None, port: int, client_app: str | None) -> str | None:
        """The app answering on (host, port): its listener, or the app whose database it is."""
        if host is None:
            return None
        if (host, port) in self.listener:
            return self.listener[(host, port)]
        owners = self.db_apps.get(host, []) if port in DB_PORTS else []
        if client_app in owners:
            return client_app
        return owners[0] if len(owners) == 1 else None

    def client_app(self, host: str, socket: Endpoint) -> str | None:
        """The app owning a client socket: by its process, else the host's only app."""
        candidates = self.apps_on.get(host, [])
        if socket.pid:
            command = self.commands[host].get(socket.pid, "")
            named = [a for a in candidates if _runs(self.estate.apps[a], command)]
            if len(named) == 1:
                return named[0]
            owned = [a for a in candidates if self.listener.get((host, self.estate.apps[a].port or 0)) == a
                     and _pid_listens(self.facts[host], socket.pid, self.estate.apps[a].port)]
            if len(owned) == 1:
                return owned[0]
        return candidates[0] if len(candidates) == 1 else None


def _runs(app: Application, command: str) -> bool:
    return bool(command) and (f"/opt/{app.id}/" in command or f"/{app.id} " in f"{command} ")


def _pid_listens(facts: HostFacts, pid: int, port: int | None) -> bool:
    return any(s.pid == pid and s.port == port for s in facts.listening)


def observe(estate: Estate, facts: dict[str, HostFacts]) -> list[Observation]:
    """Every connection in `facts` that leaves or enters an inventory host, resolved to apps."""
    index = _Index(estate, facts)
    found: list[Observation] = []
    for host, host_facts in facts.items():
        if host not in estate.hosts:
            continue
        listening = index.listening_ports(host)
        for socket, evidence in _sockets(host_facts):
            seen = _outbound(index, host, socket, evidence) if socket.port not in listening else \
                _inbound(index, host, socket)
            if seen is not None:
                found.append(seen)
    return found


def _sockets(facts: HostFacts) -> Iterator[tuple[Endpoint, str]]:
    yield from ((s, "established") for s in facts.connections)
    yield from ((s, "time-wait") for s in facts.recent_connections)


def _outbound(index: _Index, host: str, socket: Endpoint, evidence: str) -> Observation | None:
    peer_host = index.host_of(socket.peer_address, host)
    from_app = index.client_app(host, socket)
    return Observation(host, host, from_app, peer_host, index.server_app(peer_host, socket.peer_port, from_app),
                       socket.peer_port, f"{socket.peer_address}:{socket.peer_port}", socket.process, evidence)


def _inbound(index: _Index, host: str, socket: Endpoint) -> Observation | None:
    # The client's own facts say more (its process); use the server side only when they are missing.
    client_host = index.host_of(socket.peer_address, host)
    if socket.port == SSH_PORT or client_host is None or client_host in index.facts:
        return None
    apps = index.apps_on.get(client_host, [])
    from_app = apps[0] if len(apps) == 1 else None
    return Observation(host, client_host, from_app, host, index.server_app(host, socket.port, from_app),
                       socket.port, f"{socket.peer_address}:{socket.peer_port}", socket.process, "inbound")
