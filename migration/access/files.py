"""Where the pipeline finds a lab estate's access files (ssh_config, pinned known_hosts, key, inventory).

The lab writes them under `${DCC_LAB_DIR:-/var/lib/dcc/lab}/<estate>/access/`; real estates can
point `DCC_ACCESS_DIR` at an equivalent folder. Host key checking always stays on.
"""

from __future__ import annotations

import os
import subprocess
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from migration.errors import InputError


@dataclass(frozen=True)
class LabAccess:
    """The files every SSH client of the pipeline (ansible, rsync, testinfra) uses."""

    root: Path

    @property
    def ssh_config(self) -> Path:
        return self.root / "ssh_config"

    @property
    def known_hosts(self) -> Path:
        return self.root / "known_hosts"

    @property
    def identity(self) -> Path:
        return self.root / "id_ed25519"

    @property
    def ansible_inventory(self) -> Path:
        return self.root / "ansible_inventory.yaml"

    def ssh_command(self) -> list[str]:
        """The ssh client line for rsync `-e`: the lab's config, so its pinned known_hosts apply."""
        return ["ssh", "-F", str(self.ssh_config), "-o", "BatchMode=yes", "-o", "ConnectTimeout=10",
                "-o", "ServerAliveInterval=5", "-o", "ServerAliveCountMax=3"]


def warm_connections(access: LabAccess, hosts: Iterable[str]) -> None:
    """Open the shared SSH connection (the ssh_config's ControlMaster) to each host now, in the
    background, so the handshakes overlap the playbook's start-up instead of its first task.

    Fire and forget: a host that cannot be reached is met, and reported, by the phase itself.
    """
    procs = [
        subprocess.Popen([*access.ssh_command(), host, "true"], stdin=subprocess.DEVNULL,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for host in sorted(set(hosts))
    ]
    threading.Thread(target=lambda: [p.wait() for p in procs], daemon=True).start()


def access_for(estate: str) -> LabAccess:
    """Find the access folder of `estate`; a missing one is a user mistake (lab not up)."""
    explicit = os.environ.get("DCC_ACCESS_DIR")
    root = Path(explicit) if explicit else Path(os.environ.get("DCC_LAB_DIR", "/var/lib/dcc/lab")) / estate / "access"
    access = LabAccess(root)
    for path in (access.ssh_config, access.ansible_inventory):
        if not path.is_file():
            raise InputError(f"no access file (is the lab up? `dcc lab up`): {path}", where=str(root))
    return access
