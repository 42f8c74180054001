"""Who owns a running run: this machine's boot, a pid and that pid's start time.

A run whose owner is gone (killed, crashed, machine rebooted) is closed as `died` by the next
command on the same machine; a run owned by another machine is left as it is and named.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Owner:
    machine: str
    pid: int
    pid_start: str


def _boot_id() -> str:
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text().strip()[:128]
    except OSError:
        return os.uname().nodename[:128]


def _start_ticks(pid: int) -> str | None:
    """Field 22 of /proc/<pid>/stat (after the parenthesised command, which may hold spaces)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rsplit(")", 1)[-1].split()[19]


def me() -> Owner:
    pid = os.getpid()
    return Owner(_boot_id(), pid, _start_ticks(pid) or "")


def alive(owner: Owner) -> bool | None:
    """True or False for a process of this machine's boot; None when another machine owns it."""
    if owner.machine != _boot_id():
        return None
    return _start_ticks(owner.pid) == owner.pid_start
