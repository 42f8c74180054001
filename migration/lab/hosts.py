"""One lab host: its overlay root, its per-host files, and its boot into own namespaces.

Boot = `ip netns exec NS unshare ... --fork` -> stage1.sh (pivot_root) -> tini -> init.sh.
The overlay is mounted in the root mount namespace so tests can inspect a host's files.
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from migration.access import keys
from migration.atomic import write_text_atomic
from migration.errors import LabError
from migration.lab import naming
from migration.lab.estate import Host, LabEstate
from migration.lab.run import CLEAN_ENV, run

_HERE = Path(__file__).parent


@dataclass(frozen=True)
class HostPaths:
    root: Path   # merged overlay mount point
    upper: Path
    work: Path
    log: Path

    @classmethod
    def of(cls, estate: str, host: str) -> HostPaths:
        d = naming.run_dir(estate) / "hosts" / host
        return cls(d / "root", d / "upper", d / "work", naming.run_dir(estate) / "logs" / f"{host}.log")


def is_mounted(path: Path) -> bool:
    target = str(path)
    with open("/proc/self/mountinfo") as fh:
        return any(line.split()[4] == target for line in fh)


def mount_overlay(estate: str, host: str, lower: Path) -> HostPaths:
    p = HostPaths.of(estate, host)
    for d in (p.root, p.upper, p.work, p.log.parent):
        d.mkdir(parents=True, exist_ok=True)
    if not is_mounted(p.root):
        run(["mount", "-t", "overlay", "overlay", "-o",
             f"lowerdir={lower},upperdir={p.upper},workdir={p.work}", str(p.root)])
    return p


def hosts_file(est: LabEstate) -> str:
    lines = ["127.0.0.1\tlocalhost", "::1\tlocalhost ip6-localhost ip6-loopback"]
    lines += [f"{h.ip}\t{h.id}" for h in est.hosts]
    return "\n".join(lines) + "\n"


def write_host_files(est: LabEstate, host: Host, root: Path, client_pub: str) -> str:
    """Identity, name resolution and boot scripts, written once per upper dir so that a
    reboot keeps whatever the pipeline changed since; returns the host's public key line."""
    pair = keys.load_or_create(root / "etc/ssh/ssh_host_ed25519_key")
    marker = root / "var/lib/dcc-lab/identity"
    if marker.exists():
        return pair.public_openssh
    write_text_atomic(root / "etc/hostname", host.id + "\n")
    write_text_atomic(root / "etc/hosts", hosts_file(est))
    # No DNS in the lab: a resolver elsewhere is unreachable (and its packets dropped), so
    # point at a closed local port that refuses at once instead of timing out.
    write_text_atomic(root / "etc/resolv.conf", "nameserver 127.0.0.1\noptions timeout:1 attempts:1\n")
    write_text_atomic(root / "etc/ssh/sshd_config.d/dcc-hostkey.conf",
                      "HostKey /etc/ssh/ssh_host_ed25519_key\n")
    (root / "root/.ssh").mkdir(mode=0o700, exist_ok=True)
    write_text_atomic(root / "root/.ssh/authorized_keys", client_pub + "\n", mode=0o600)
    write_text_atomic(root / "usr/local/sbin/dcc-init", (_HERE / "init.sh").read_text(), mode=0o755)
    write_text_atomic(marker, "1\n")
    return pair.public_openssh


def start(est: LabEstate, host: Host, paths: HostPaths) -> int:
    """Boot the host; returns the pid of its `unshare` (the parent of the host's PID 1)."""
    ns = naming.netns(est.name, host.id)
    cmd = ["ip", "netns", "exec", ns, "unshare", "--mount", "--uts", "--ipc", "--pid", "--fork",
           "--kill-child", "--propagation", "private", "/bin/sh", str(_HERE / "stage1.sh"), str(paths.root)]
    with open(paths.log, "ab") as log:
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=log, stderr=log, env=CLEAN_ENV,
                                start_new_session=True, close_fds=True)
    return proc.pid


def init_pid(unshare_pid: int) -> int | None:
    """The host's PID 1 as seen from the root namespace: the only child of its `unshare`."""
    try:
        kids = Path(f"/proc/{unshare_pid}/task/{unshare_pid}/children").read_text().split()
    except OSError:
        return None
    return int(kids[0]) if kids else None


def alive(unshare_pid: int | None, estate: str, host: str) -> bool:
    """True if the pid is still this host's unshare (pids get reused, so check its netns too)."""
    if not unshare_pid:
        return False
    try:
        ns_inode = os.stat(f"/run/netns/{naming.netns(estate, host)}").st_ino
        return os.stat(f"/proc/{unshare_pid}/ns/net").st_ino == ns_inode and init_pid(unshare_pid) is not None
    except OSError:
        return False


def ssh_banner(ip: str, timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection((ip, 22), timeout=timeout) as s:
            s.settimeout(timeout)
            return s.recv(8).startswith(b"SSH-")
    except OSError:
        return False


def wait_banners(est: LabEstate, host_ids: list[str], timeout: float = 60.0) -> None:
    pending = {h: str(est.host(h).ip) for h in host_ids}
    deadline = time.monotonic() + timeout
    while pending and time.monotonic() < deadline:
        for h, ip in list(pending.items()):
            if ssh_banner(ip):
                del pending[h]
        if pending:
            time.sleep(0.05)
    if pending:
        raise LabError(f"no SSH banner within {timeout:.0f} s from: {', '.join(sorted(pending))} "
                       f"(see {naming.run_dir(est.name) / 'logs'})")


def nsenter_argv(init: int) -> list[str]:
    """Enter all of a host's namespaces and its root, as `dcc lab exec` does."""
    return ["nsenter", "-t", str(init), "-m", "-u", "-i", "-n", "-p", "-r", "-w", "--"]
