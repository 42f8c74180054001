"""An estate's access files (ssh_config, pinned known_hosts, client key, hosts.yaml, Ansible inventory):
where they are, and how every SSH client of the toolkit (ansible, rsync, testinfra, discovery) reads them.

Where: the folder `DCC_ACCESS_DIR` names, else the documented default
`${DCC_LAB_DIR:-/var/lib/dcc/lab}/<estate>/access/`, which is where `dcc lab up` writes a lab estate's
(docs/lab.md, "Access-file contract"). Host key checking always stays on.
"""

from __future__ import annotations

import os
import subprocess
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Self

import yaml

from migration.errors import InputError

DEFAULT_ROOT = "/var/lib/dcc/lab"


def default_dir(estate: str) -> Path:
    """Where an estate's access files are when nobody says otherwise: `DCC_ACCESS_DIR`, else
    `${DCC_LAB_DIR:-/var/lib/dcc/lab}/<estate>/access`."""
    explicit = os.environ.get("DCC_ACCESS_DIR")
    return Path(explicit) if explicit else Path(os.environ.get("DCC_LAB_DIR", DEFAULT_ROOT)) / estate / "access"


@dataclass(frozen=True)
class AccessFiles:
    """One estate's access folder: the files every SSH client of the pipeline uses."""

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
    def hosts_yaml(self) -> Path:
        return self.root / "hosts.yaml"

    @property
    def ansible_inventory(self) -> Path:
        return self.root / "ansible_inventory.yaml"

    def require(self) -> Self:
        """These files, or one line naming the first one missing (the estate was never set up)."""
        for path in (self.ssh_config, self.ansible_inventory):
            if not path.is_file():
                raise InputError(f"no access file (is the lab up? `dcc lab up`): {path}", where=str(self.root))
        return self

    def hosts(self) -> dict[str, dict[str, str]]:
        """hosts.yaml: host id -> {ip, role, datacenter}."""
        hosts: dict[str, dict[str, str]] = yaml.safe_load(self.require().hosts_yaml.read_text())
        return hosts

    def addresses(self) -> dict[str, str]:
        """Host id -> ip from hosts.yaml; empty when the folder has none."""
        if not self.hosts_yaml.exists():
            return {}
        return {host: str(info["ip"]) for host, info in self.hosts().items() if isinstance(info, dict) and "ip" in info}

    def ssh_args(self, host: str) -> list[str]:
        """argv prefix for a real `ssh` to `host` with pinned host keys: [..., host]."""
        return ["ssh", "-F", str(self.ssh_config), host]

    def ssh(self, host: str, command: str, timeout: float = 30) -> subprocess.CompletedProcess[str]:
        """Run `command` on `host` over a real ssh (pinned keys, shared connection); never raises
        on a non-zero exit: callers assert on returncode, stdout and stderr."""
        return subprocess.run([*self.ssh_args(host), command], check=False, capture_output=True, text=True,
                              timeout=timeout)

    def ssh_command(self) -> list[str]:
        """The ssh client line for rsync `-e`: this folder's config, so its pinned known_hosts apply."""
        return ["ssh", "-F", str(self.ssh_config), "-o", "BatchMode=yes", "-o", "ConnectTimeout=10",
                "-o", "ServerAliveInterval=5", "-o", "ServerAliveCountMax=3"]


def access_for(estate: str) -> AccessFiles:
    """The access folder of `estate` (see `default_dir`); a missing one is a user mistake (lab not up)."""
    return AccessFiles(default_dir(estate)).require()


def warm_connections(access: AccessFiles, hosts: Iterable[str]) -> None:
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
