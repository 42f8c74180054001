"""Shared lab fixtures for integration tests: `make_lab(name, octet)` gives an isolated,
running copy of inventory/lab (10.77.x.y renumbered to 10.<octet>.x.y), downed at session end.

Reserved octets: 78 lab tests, 79 discovery, 80-89 pipeline, 90 report (77 is the demo).
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from migration import lab
from migration.lab.access import LabAccess

LAB_INVENTORY = Path(__file__).resolve().parents[2] / "inventory" / "lab"


@pytest.fixture(scope="session")
def make_lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[[str, int], LabAccess]]:
    """Factory: make_lab(name, octet) -> LabAccess of a running estate; all downed at the end."""
    running: dict[str, LabAccess] = {}

    def factory(name: str, octet: int) -> LabAccess:
        if name not in running:
            folder = lab.renumber(LAB_INVENTORY, tmp_path_factory.mktemp(f"estate-{name}"), name, octet)
            lab.down(name)  # a leftover from a crashed run must not leak stale state into this one
            running[name] = lab.up(folder)
        return running[name]

    yield factory
    for name in running:
        lab.down(name)



def lab_ssh(acc: LabAccess, host: str, command: str, timeout: float = 30) -> subprocess.CompletedProcess[str]:
    """A real `ssh -F access/ssh_config` (pinned host keys) running `command` on `host`
    (kept for tests that import it; same as `acc.ssh(host, command)`)."""
    return acc.ssh(host, command, timeout)
