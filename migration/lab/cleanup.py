"""Tear an estate down completely, even after a crashed run: processes, mounts, links, nft.

Processes are found through the state file and the estate's namespaces (`ip netns pids`),
never by name. Mounts under the run dir go deepest first, with `umount -l` as a fallback.
"""

from __future__ import annotations

import os
import shutil
import signal
import time
from pathlib import Path

import yaml

from migration.lab import naming, network, state
from migration.lab.run import run


def estate_namespaces(estate: str) -> list[str]:
    """Namespaces with this estate's prefix, minus those of an estate whose name extends it."""
    prefix = naming.netns_prefix(estate)
    others = [naming.netns_prefix(e) for e in state.all_estates() if e != estate]
    longer = [o for o in others if o.startswith(prefix)]
    return sorted(ns for ns in network.netns_list()
                  if ns.startswith(prefix) and not any(ns.startswith(o) for o in longer))


def _kill(pids: set[int]) -> None:
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and any(running(p) for p in pids):
        time.sleep(0.02)


def running(pid: int) -> bool:
    """Alive and not a zombie (a killed child of this very process stays a zombie until reaped)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


def kill_processes(estate: str) -> None:
    pids: set[int] = set()
    st = state.load(estate)
    ns_inodes = set()
    for ns in estate_namespaces(estate):
        pids |= {int(p) for p in run(["ip", "netns", "pids", ns], check=False).stdout.split()}
        ns_inodes.add(os.stat(f"/run/netns/{ns}").st_ino)
    # The recorded `unshare` pids count only while still in one of our namespaces (pid reuse).
    for pid in (st.pids.values() if st else ()):
        try:
            if os.stat(f"/proc/{pid}/ns/net").st_ino in ns_inodes:
                pids.add(pid)
        except OSError:
            pass
    _kill(pids)


def mounts_under(root: Path) -> list[str]:
    """Mount points at or below `root`, deepest first."""
    base = str(root).rstrip("/")
    with open("/proc/self/mountinfo") as fh:
        points = [line.split()[4].replace("\\040", " ") for line in fh]
    mine = {p for p in points if p == base or p.startswith(base + "/")}
    return sorted(mine, key=lambda p: p.count("/"), reverse=True)


def unmount_all(root: Path) -> None:
    for _ in range(3):  # stacked mounts (e.g. a disk-full tmpfs) need more than one pass
        points = mounts_under(root)
        if not points:
            return
        for p in points:
            if run(["umount", p], check=False).returncode != 0:
                run(["umount", "-l", p], check=False)


def close_ssh_masters(estate: str) -> None:
    """Close the multiplexed ssh connections into this estate (ssh -O exit on each socket)."""
    ctl = naming.control_dir(estate)
    if not ctl.exists():
        return
    for sock in ctl.iterdir():
        run(["ssh", "-o", f"ControlPath={sock}", "-O", "exit", "lab-host"], check=False, timeout=10)
    shutil.rmtree(ctl, ignore_errors=True)


def _host_ids(estate: str) -> list[str]:
    """Host ids from the state file and the lab's estate copy (either may be missing)."""
    st = state.load(estate)
    ids = set(st.pids) if st else set()
    copy = state.estate_copy(estate) / "hosts.yaml"
    if copy.exists():
        ids |= {str(row["id"]) for row in yaml.safe_load(copy.read_text()) or [] if "id" in row}
    return sorted(ids)


def _veths(estate: str) -> list[str]:
    return [naming.veth_outer(estate, h) for h in _host_ids(estate)]


def down(estate: str) -> None:
    """Remove everything the estate created; safe to call on a half-built or absent estate."""
    st = state.load(estate)
    close_ssh_masters(estate)
    kill_processes(estate)
    rd = naming.run_dir(estate)
    unmount_all(rd)
    bridges = list(st.bridges) if st else []
    network.delete_estate_network(estate, bridges, estate_namespaces(estate), _veths(estate))
    if rd.exists():
        shutil.rmtree(rd)


def leftovers(estate: str) -> list[str]:
    """What of the estate is still on the machine (empty after a clean `down`)."""
    out = [f"netns {ns}" for ns in estate_namespaces(estate)]
    out += [f"mount {m}" for m in mounts_under(naming.run_dir(estate))]
    out += [f"veth {v}" for v in _veths(estate) if network.link_exists(v)]
    st = state.load(estate)
    out += [f"bridge {b}" for b in (st.bridges if st else ()) if network.link_exists(b)]
    if run(["nft", "list", "table", "inet", naming.nft_table(estate)], check=False).returncode == 0:
        out.append(f"nft table {naming.nft_table(estate)}")
    return out
