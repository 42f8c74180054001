"""Which hosts to discover and where to dial them, from the estate and the lab's access files."""

from __future__ import annotations

import fnmatch
from pathlib import Path

from migration.errors import InputError
from migration.inventory.model import Estate
from migration.ssh import SshTarget


def select_targets(estate: Estate, pattern: str = "*", user: str = "root",
                   addresses: dict[str, str] | None = None) -> list[SshTarget]:
    """Hosts whose id matches the glob `pattern`, in inventory order, dialled at their `ip`
    (or, for hosts the inventory gives no ip, at `addresses[host id]`, e.g. the lab's hosts.yaml)."""
    chosen = [h for h in estate.hosts.values() if fnmatch.fnmatchcase(h.id, pattern)]
    if not chosen:
        raise InputError(f"no host id matches {pattern!r}", where="--hosts")
    dial = {h.id: h.ip or (addresses or {}).get(h.id) for h in chosen}
    missing = [host for host, ip in dial.items() if not ip]
    if missing:
        raise InputError(f"hosts without an ip cannot be reached: {', '.join(missing[:5])}", where="hosts")
    return [SshTarget(host, str(ip), 22, user) for host, ip in dial.items()]


def lab_addresses(estate: Estate) -> dict[str, str]:
    """Host id -> ip from the lab's access/hosts.yaml when the estate's lab is up, else empty."""
    from migration.lab import LabAccess

    access = LabAccess.for_estate(estate.name)
    if not access.hosts_yaml.exists():
        return {}
    return {host: str(info["ip"]) for host, info in access.hosts().items() if isinstance(info, dict) and "ip" in info}


def lab_access_file(estate: Estate, name: str) -> Path | None:
    """`<lab run dir>/access/<name>` when the estate is a lab estate that is up, else None."""
    from migration.lab import LabAccess

    access = LabAccess.for_estate(estate.name)
    path = {"known_hosts": access.known_hosts, "identity": access.identity}[name]
    return path if path.exists() else None
