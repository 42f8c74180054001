"""Collect facts from many hosts in parallel: one SSH connection and one read-only script per host.

A host that fails (unreachable, refused, wrong key, timeout) gets an outcome saying why; the
others carry on. Facts of the hosts that answered are stored atomically beside the inventory.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from migration.access import ssh
from migration.discovery import script
from migration.discovery.assemble import assemble
from migration.discovery.facts import HostFacts, write_facts
from migration.errors import RemoteError

if TYPE_CHECKING:
    import paramiko

MAX_OUTPUT = 8 << 20  # bytes of script output accepted from one host


@dataclass(frozen=True)
class Settings:
    known_hosts: Path
    identity: Path
    user: str = "root"
    accept_new_keys: bool = False
    concurrency: int = 16
    connect_timeout: float = 10.0
    command_timeout: float = 60.0
    layout: bool = True  # collect what profile proposals need (False: discovery as before them)


@dataclass(frozen=True)
class FactsSummary:
    """What the summary table shows, kept after the full facts are written and dropped."""

    os: str
    ports: tuple[int, ...]
    connections: int
    warnings: int

    @classmethod
    def of(cls, facts: HostFacts) -> FactsSummary:
        return cls(f"{facts.os.id} {facts.os.version_id}".strip(), tuple(sorted({s.port for s in facts.listening})),
                   len(facts.connections), len(facts.warnings))


@dataclass(frozen=True)
class HostOutcome:
    host: str
    address: str
    status: str  # ok, or the failing ssh error's status (unreachable, host-key-changed, ...)
    message: str
    duration_s: float
    facts: HostFacts | None = None  # None when failed, or already stored by discover_all
    ssh_connections: int = 0  # transports opened: must be 1 for a reachable host
    summary: FactsSummary | None = None

    @property
    def ok(self) -> bool:
        return self.status == "ok"


def discover_host(target: ssh.SshTarget, settings: Settings, known: ssh.KnownHosts,
                  identity: paramiko.PKey) -> HostOutcome:
    """Connect once, run the script once, parse; failures become a non-ok outcome."""
    started = time.monotonic()
    options = ssh.SshOptions(identity=settings.identity, connect_timeout=settings.connect_timeout,
                             accept_new_keys=settings.accept_new_keys)
    opened = 0
    try:
        transport = ssh.connect(target, options, known, identity)
        opened = 1
        try:
            facts = _collect(transport, target, settings.command_timeout, settings.layout)
        finally:
            transport.close()
    except RemoteError as exc:
        status = getattr(exc, "status", "ssh-error")
        return HostOutcome(target.host_id, target.address, status, exc.message,
                           time.monotonic() - started, ssh_connections=opened)
    return HostOutcome(target.host_id, target.address, "ok", _summary(facts),
                       time.monotonic() - started, facts, ssh_connections=opened, summary=FactsSummary.of(facts))


def _collect(transport: paramiko.Transport, target: ssh.SshTarget, timeout: float, layout: bool = True) -> HostFacts:
    marker = script.new_marker()
    taken_at = datetime.now(UTC).isoformat(timespec="seconds")
    # The script goes on stdin of a POSIX sh, so the remote user's login shell never parses it.
    result = ssh.run(transport, "/bin/sh -s", host_id=target.host_id, timeout=timeout, max_bytes=MAX_OUTPUT,
                     stdin=script.build(marker, layout).encode())
    notes: list[str] = []
    if result.truncated:
        notes.append(f"output: more than {MAX_OUTPUT} bytes; cut there")
    elif result.exit_status not in (0, None):
        notes.append(f"output: script exited {result.exit_status}")
    return assemble(target.host_id, target.address, taken_at, result.stdout, marker, tuple(notes), layout)


def _summary(facts: HostFacts) -> str:
    return f"{len(facts.warnings)} parse warnings" if facts.warnings else ""


def discover_all(targets: Iterable[ssh.SshTarget], settings: Settings,
                 on_done: Callable[[HostOutcome], None] = lambda _o: None,
                 facts_dir: Path | None = None) -> list[HostOutcome]:
    """Discover every target with at most `settings.concurrency` at once; results in target order.

    With `facts_dir`, each host's facts are written as soon as it answers and dropped from its
    outcome (only the summary stays), so memory does not grow with the estate.
    """
    targets = list(targets)
    known = ssh.KnownHosts(settings.known_hosts)
    identity = ssh.load_identity(settings.identity)
    outcomes: dict[str, HostOutcome] = {}
    workers = max(1, min(settings.concurrency, len(targets) or 1))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="discover") as pool:
        futures = [pool.submit(discover_host, t, settings, known, identity) for t in targets]
        for future in as_completed(futures):
            outcome = future.result()
            if facts_dir is not None and outcome.facts is not None:
                write_facts(facts_dir, outcome.facts)
                outcome = replace(outcome, facts=None)
            outcomes[outcome.host] = outcome
            on_done(outcome)
    return [outcomes[t.host_id] for t in targets]


def store(outcomes: Iterable[HostOutcome], facts_dir: Path) -> list[Path]:
    """Write the facts of every successful host; failed hosts keep their previous file."""
    return [write_facts(facts_dir, o.facts) for o in outcomes if o.facts is not None]
