"""Which hosts to discover and where to dial them: the estate's ip, else one the caller read elsewhere."""

from __future__ import annotations

import fnmatch

from migration.access.ssh import SshTarget
from migration.errors import InputError
from migration.inventory.model import Estate


def select_targets(estate: Estate, pattern: str = "*", user: str = "root",
                   addresses: dict[str, str] | None = None) -> list[SshTarget]:
    """Hosts whose id matches the glob `pattern`, in inventory order, dialled at their `ip` (or, for
    hosts the inventory gives no ip, at `addresses[host id]`, e.g. from the access folder's hosts.yaml)."""
    chosen = [h for h in estate.hosts.values() if fnmatch.fnmatchcase(h.id, pattern)]
    if not chosen:
        raise InputError(f"no host id matches {pattern!r}", where="--hosts")
    dial = {h.id: h.ip or (addresses or {}).get(h.id) for h in chosen}
    missing = [host for host, ip in dial.items() if not ip]
    if missing:
        raise InputError(f"hosts without an ip cannot be reached: {', '.join(missing[:5])}", where="hosts")
    return [SshTarget(host, str(ip), 22, user) for host, ip in dial.items()]

