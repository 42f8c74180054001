"""Bring an estate's lab up (or reconcile it: boot what is down) and report its status.

`up` is idempotent: a running host is left alone, a crashed one boots again on its
own upper dir, as after a power cycle.
"""

from __future__ import annotations

import ipaddress
import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

from migration.access import keys
from migration.errors import LabError, PermissionProblem
from migration.lab import appinstall as apps
from migration.lab import base, handle, hosts, naming, network, state
from migration.lab import estate as estate_mod
from migration.lab.estate import LabEstate
from migration.lab.run import run

Progress = Callable[[str, int, int], None]  # (message, done, total)
_STATE_LOCK = threading.Lock()
BOOT_WORKERS = 4  # a few threads overlap the many short `ip`/`mount` forks; more gain nothing on 2 cores
RUN_DIR_SIZE = "8g"  # a cap, not a reservation: tmpfs uses only what the hosts write


def require_root() -> None:
    if os.geteuid() != 0:
        raise PermissionProblem("the lab needs root (network namespaces, mounts); run it as root")


def load_running(name: str) -> LabEstate:
    """The estate copy of an estate that was brought up."""
    copy = state.estate_copy(name)
    if not copy.exists():
        raise LabError(f"estate {name!r} is not up (nothing in {naming.run_dir(name)})")
    return estate_mod.load(copy)


def _live(name: str) -> bool:
    st = state.load(name)
    return st is not None and any(hosts.alive(p, name, h) for h, p in st.pids.items())


def check_overlap(est: LabEstate) -> None:
    mine = [d.subnet for d in network.used_datacenters(est)]
    for other in state.all_estates():
        st = state.load(other)
        if other == est.name or st is None or not _live(other):
            continue
        for s in st.subnets:
            clash = [str(m) for m in mine if m.overlaps(ipaddress.IPv4Network(s))]
            if clash:
                raise LabError(f"estate {est.name!r} subnet {clash[0]} overlaps running estate {other!r} "
                               f"({s}); renumber it (migration.lab.renumber) or `dcc lab down {other}`")


def _mount_run_dir(name: str) -> None:
    """The run dir is a tmpfs: upper dirs get fast metadata ops (this disk's unlink costs ~3 ms
    with online discard) and `down` drops thousands of files with one umount."""
    rd = naming.run_dir(name)
    rd.mkdir(parents=True, exist_ok=True)
    # Never cover a run dir that already holds an estate (mounting over it would hide its hosts).
    if not hosts.is_mounted(rd) and not any(rd.iterdir()):
        run(["mount", "-t", "tmpfs", "-o", f"size={RUN_DIR_SIZE},mode=0755", f"dcc-lab-{name}", str(rd)])


def _prepare(est: LabEstate, lower: Path) -> None:
    st = state.load(est.name)
    pids = st.pids if st and st.estate == est.name else {}
    subnets = tuple(str(d.subnet) for d in network.used_datacenters(est))
    state.save(state.LabState(est.name, str(est.path), subnets, tuple(network.bridges(est)), pids))
    network.ensure_bridges(est)
    network.ensure_firewall(est)


def boot(est: LabEstate, host_id: str, lower: Path, client_pub: str) -> tuple[str, bool]:
    """Make sure one host runs; returns (its public host key, whether it was started now)."""
    host = est.host(host_id)
    network.create_host_link(est, host)
    paths = hosts.mount_overlay(est.name, host.id, lower)
    key = hosts.write_host_files(est, host, paths.root, client_pub)
    st = state.load(est.name)
    if st and hosts.alive(st.pids.get(host.id), est.name, host.id):
        return key, False
    apps.install(est, host, paths.root)
    pid = hosts.start(est, host, paths)
    with _STATE_LOCK:  # hosts boot in parallel threads; the state file is read-modify-write
        state.save(state.load(est.name).with_pid(host.id, pid))  # type: ignore[union-attr]
    return key, True


def up(estate_dir: Path | str, progress: Progress = lambda *_: None) -> handle.LabAccess:
    """Build/reuse the base, start every host of the estate, write the access files."""
    require_root()
    src = estate_mod.load(estate_dir)
    check_overlap(src)
    _mount_run_dir(src.name)
    est = estate_mod.load(state.copy_estate(Path(estate_dir), src.name))
    img = base.ensure_base(lambda line: progress(line, 0, len(est.hosts)))
    _prepare(est, img.rootfs)
    client = handle.LabAccess.for_estate(est.name)
    client_pub = keys.load_or_create(client.identity).public_openssh
    host_keys, started = {}, []
    with ThreadPoolExecutor(max_workers=BOOT_WORKERS) as pool:
        futures = {pool.submit(boot, est, h.id, img.rootfs, client_pub): h.id for h in est.hosts}
        for i, fut in enumerate(as_completed(futures)):
            host_keys[futures[fut]], new = fut.result()
            started += [futures[fut]] if new else []
            progress(f"started {futures[fut]}" if new else f"{futures[fut]} already up", i + 1, len(est.hosts))
    hosts.wait_banners(est, [h.id for h in est.hosts])
    apps.after_boot(est, started)
    return handle.write_access(est, host_keys)


@dataclass(frozen=True)
class HostStatus:
    id: str
    role: str
    datacenter: str
    ip: str
    up: bool
    sshd: bool
    apps: tuple[tuple[str, str], ...]  # (app id, health: ok | down | n/a)


def host_init_pid(name: str, host_id: str) -> int:
    """PID 1 of a running host (root-namespace pid); `LabError` if the host is down."""
    st = state.load(name)
    pid = st.pids.get(host_id) if st else None
    if not hosts.alive(pid, name, host_id):
        raise LabError(f"host {host_id!r} of estate {name!r} is not running (`dcc lab boot {name} {host_id}`)")
    return hosts.init_pid(pid)  # type: ignore[arg-type, return-value]


def status(name: str) -> list[HostStatus]:
    est = load_running(name)
    st = state.load(name)
    out = []
    for h in est.hosts:
        is_up = bool(st) and hosts.alive(st.pids.get(h.id), name, h.id)  # type: ignore[union-attr]
        health = tuple((a.id, apps.health(a, h) if is_up else "down") for a in est.apps_on(h.id))
        out.append(HostStatus(h.id, h.role, h.datacenter, str(h.ip), is_up,
                              is_up and hosts.ssh_banner(str(h.ip)), health))
    return out
