"""The access files `lab up` writes: the contract other engineers use to reach lab hosts.

`<run dir>/access/`: ssh_config, known_hosts, id_ed25519(.pub), hosts.yaml, ansible_inventory.yaml.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from migration.atomic import write_text_atomic
from migration.errors import LabError
from migration.lab import naming
from migration.lab.estate import LabEstate


@dataclass(frozen=True)
class LabAccess:
    """Paths to one running estate's access files."""

    estate: str
    run_dir: Path
    ssh_config: Path
    known_hosts: Path
    identity: Path
    hosts_yaml: Path
    ansible_inventory: Path

    @classmethod
    def for_estate(cls, name: str) -> LabAccess:
        rd = naming.run_dir(name)
        acc = rd / "access"
        return cls(name, rd, acc / "ssh_config", acc / "known_hosts", acc / "id_ed25519",
                   acc / "hosts.yaml", acc / "ansible_inventory.yaml")

    def require(self) -> LabAccess:
        """Raise a clear error if the estate was never brought up."""
        if not self.ssh_config.exists():
            raise LabError(f"estate {self.estate!r} is not up (no {self.ssh_config}); run `dcc lab up`")
        return self

    def hosts(self) -> dict[str, dict[str, str]]:
        """id -> {ip, role, datacenter}."""
        hosts: dict[str, dict[str, str]] = yaml.safe_load(self.require().hosts_yaml.read_text())
        return hosts

    def ssh_args(self, host: str) -> list[str]:
        """argv prefix for a real `ssh` to `host` with pinned host keys: [..., host]."""
        return ["ssh", "-F", str(self.ssh_config), host]

    def ssh(self, host: str, command: str, timeout: float = 30) -> subprocess.CompletedProcess[str]:
        """Run `command` on `host` over a real ssh (pinned keys, shared connection); never raises
        on a non-zero exit: callers assert on returncode, stdout and stderr."""
        return subprocess.run([*self.ssh_args(host), command], check=False, capture_output=True, text=True,
                              timeout=timeout)


def ssh_config_text(est: LabEstate, acc: LabAccess) -> str:
    """One block per host, matching its id and its ip: Ansible connects by `ansible_host` (ip)."""
    ctl = naming.control_dir(est.name)
    blocks = []
    for h in est.hosts:
        blocks.append(
            f"Host {h.id} {h.ip}\n  HostName {h.ip}\n  User root\n  Port 22\n  IdentityFile {acc.identity}\n"
            f"  IdentitiesOnly yes\n  UserKnownHostsFile {acc.known_hosts}\n  StrictHostKeyChecking yes\n"
            f"  ControlMaster auto\n  ControlPath {ctl}/%C\n  ControlPersist 60s\n"
            f"  ConnectTimeout 5\n  ServerAliveInterval 5\n  ServerAliveCountMax 3\n"
            f"  BatchMode yes\n  LogLevel ERROR\n")
    return f"# written by `dcc lab up` for estate {est.name}\n\n" + "\n".join(blocks)


def known_hosts_text(est: LabEstate, host_keys: dict[str, str]) -> str:
    return "".join(f"{h.id},{h.ip} {host_keys[h.id]}\n" for h in est.hosts)


def hosts_yaml_text(est: LabEstate) -> str:
    data = {h.id: {"ip": str(h.ip), "role": h.role, "datacenter": h.datacenter} for h in est.hosts}
    return yaml.safe_dump(data, sort_keys=True)


def ansible_inventory(est: LabEstate, acc: LabAccess) -> dict[str, Any]:
    hostvars = {h.id: {"ansible_host": str(h.ip)} for h in est.hosts}
    children: dict[str, dict[str, Any]] = {}
    for h in est.hosts:
        # Ansible group names may not hold '-': dc-kemenkes-jkt -> dc_kemenkes_jkt; roles as they are.
        for group in (h.datacenter.replace("-", "_"), h.role):
            children.setdefault(group, {"hosts": {}})["hosts"][h.id] = {}
    return {"all": {
        "vars": {"ansible_user": "root", "ansible_python_interpreter": "/usr/bin/python3",
                 "ansible_ssh_common_args": f"-F {acc.ssh_config}"},
        "hosts": hostvars,
        "children": children,
    }}


def write_all(est: LabEstate, host_keys: dict[str, str]) -> LabAccess:
    acc = LabAccess.for_estate(est.name)
    naming.control_dir(est.name).mkdir(parents=True, exist_ok=True, mode=0o700)
    write_text_atomic(acc.known_hosts, known_hosts_text(est, host_keys))
    write_text_atomic(acc.hosts_yaml, hosts_yaml_text(est))
    write_text_atomic(acc.ansible_inventory, yaml.safe_dump(ansible_inventory(est, acc), sort_keys=False))
    write_text_atomic(acc.ssh_config, ssh_config_text(est, acc))
    return acc
