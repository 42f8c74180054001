"""Which hosts to discover and where to dial them, from the estate and the lab's access files."""

from __future__ import annotations

import fnmatch
from pathlib import Path

from migration.errors import InputError
from migration.inventory.model import Estate
from migration.ssh import SshTarget


def select_targets(estate: Estate, pattern: str = "*", user: str = "root") -> list[SshTarget]:
    """Hosts whose id matches the glob `pattern`, in inventory order, dialled at their `ip`."""
    chosen = [h for h in estate.hosts.values() if fnmatch.fnmatchcase(h.id, pattern)]
    if not chosen:
        raise InputError(f"no host id matches {pattern!r}", where="--hosts")
    missing = [h.id for h in chosen if not h.ip]
    if missing:
        raise InputError(f"hosts without an ip cannot be reached: {', '.join(missing[:5])}", where="hosts")
    return [SshTarget(h.id, str(h.ip), 22, user) for h in chosen]


def lab_access_file(estate: Estate, name: str) -> Path | None:
    """`<lab run dir>/access/<name>` when the estate is a lab estate that is up, else None."""
    from migration.lab import LabAccess

    access = LabAccess.for_estate(estate.name)
    path = {"known_hosts": access.known_hosts, "identity": access.identity}[name]
    return path if path.exists() else None
