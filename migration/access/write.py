"""The access files' formats, written by whoever sets an estate's hosts up (today `dcc lab up`).

`<access folder>/`: ssh_config, known_hosts, id_ed25519(.pub) (see `keys`), hosts.yaml,
ansible_inventory.yaml; docs/lab.md ("Access-file contract") describes each one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol

import yaml

from migration.access.files import AccessFiles
from migration.atomic import write_text_atomic


class HostEntry(Protocol):
    """What the files say of one host: how it is named, where it is dialled, and its groups."""

    @property
    def id(self) -> str: ...

    @property
    def ip(self) -> object: ...  # written with str(): an address object or its text

    @property
    def role(self) -> str: ...

    @property
    def datacenter(self) -> str: ...


def ssh_config_text(hosts: Sequence[HostEntry], files: AccessFiles, control_dir: Path, comment: str) -> str:
    """One block per host, matching its id and its ip: Ansible connects by `ansible_host` (ip)."""
    blocks = []
    for h in hosts:
        blocks.append(
            f"Host {h.id} {h.ip}\n  HostName {h.ip}\n  User root\n  Port 22\n  IdentityFile {files.identity}\n"
            f"  IdentitiesOnly yes\n  UserKnownHostsFile {files.known_hosts}\n  StrictHostKeyChecking yes\n"
            f"  ControlMaster auto\n  ControlPath {control_dir}/%C\n  ControlPersist 60s\n"
            f"  ConnectTimeout 5\n  ServerAliveInterval 5\n  ServerAliveCountMax 3\n"
            f"  BatchMode yes\n  LogLevel ERROR\n")
    return f"# {comment}\n\n" + "\n".join(blocks)


def known_hosts_text(hosts: Sequence[HostEntry], host_keys: Mapping[str, str]) -> str:
    return "".join(f"{h.id},{h.ip} {host_keys[h.id]}\n" for h in hosts)


def hosts_yaml_text(hosts: Sequence[HostEntry]) -> str:
    data = {h.id: {"ip": str(h.ip), "role": h.role, "datacenter": h.datacenter} for h in hosts}
    return yaml.safe_dump(data, sort_keys=True)


def ansible_inventory(hosts: Sequence[HostEntry], files: AccessFiles) -> dict[str, Any]:
    hostvars = {h.id: {"ansible_host": str(h.ip)} for h in hosts}
    children: dict[str, dict[str, Any]] = {}
    for h in hosts:
        # Ansible group names may not hold '-': dc-kemenkes-jkt -> dc_kemenkes_jkt; roles as they are.
        for group in (h.datacenter.replace("-", "_"), h.role):
            children.setdefault(group, {"hosts": {}})["hosts"][h.id] = {}
    return {"all": {
        "vars": {"ansible_user": "root", "ansible_python_interpreter": "/usr/bin/python3",
                 "ansible_ssh_common_args": f"-F {files.ssh_config}"},
        "hosts": hostvars,
        "children": children,
    }}


def write_all(files: AccessFiles, hosts: Sequence[HostEntry], host_keys: Mapping[str, str], *,
              control_dir: Path, comment: str) -> None:
    """Write every file but the client key, atomically; ssh_config last (`require` looks for it)."""
    control_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    write_text_atomic(files.known_hosts, known_hosts_text(hosts, host_keys))
    write_text_atomic(files.hosts_yaml, hosts_yaml_text(hosts))
    write_text_atomic(files.ansible_inventory, yaml.safe_dump(ansible_inventory(hosts, files), sort_keys=False))
    write_text_atomic(files.ssh_config, ssh_config_text(hosts, files, control_dir, comment))
