"""Where the integration tests' lab copies live: the source estates, this checkout's octet shift
(DCC_TEST_LAB_SHIFT, see tests/integration/conftest.py) and a pinned-key ssh into a lab host."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from migration.lab import LabAccess

LAB_INVENTORY = Path(__file__).resolve().parents[2] / "inventory" / "lab"
VENDOR_INVENTORY = LAB_INVENTORY.parent / "vendor"
LAB_SHIFT = int(os.environ.get("DCC_TEST_LAB_SHIFT", "0") or 0)


def shifted(name: str, octet: int) -> tuple[str, int]:
    """The estate name and octet this checkout uses for a test lab (see DCC_TEST_LAB_SHIFT)."""
    return (f"{name}s{LAB_SHIFT}", octet + LAB_SHIFT) if LAB_SHIFT else (name, octet)


def lab_ssh(acc: LabAccess, host: str, command: str, timeout: float = 30) -> subprocess.CompletedProcess[str]:
    """A real `ssh -F access/ssh_config` (pinned host keys) running `command` on `host`
    (kept for tests that import it; same as `acc.ssh(host, command)`)."""
    return acc.ssh(host, command, timeout)
