"""Shared lab fixtures for integration tests: `make_lab(name, octet)` gives an isolated,
running copy of inventory/lab (10.77.x.y renumbered to 10.<octet>.x.y), downed at session end;
`make_vendor_lab(name, octet)` the same for inventory/vendor (10.76.x.y; third octets 61-70, so
it shares an octet with a lab copy without overlapping it).

Reserved octets: 78 lab tests, 79 discovery, 80-89 pipeline, 90 report (77 is the demo).
Two checkouts can run the suite side by side: DCC_TEST_LAB_SHIFT=20 moves every test lab to
octet + 20 and suffixes its estate name (each test module names its lab through
`tests.support.lab.shifted`), so the copies never share a namespace or subnet.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from migration import lab
from migration.lab import LabAccess
from tests.support.lab import LAB_INVENTORY, VENDOR_INVENTORY


def _labs(src: Path, from_octet: int, tmp: pytest.TempPathFactory) -> Iterator[Callable[[str, int], LabAccess]]:
    running: dict[str, LabAccess] = {}

    def factory(name: str, octet: int) -> LabAccess:
        if name not in running:
            folder = lab.renumber(src, tmp.mktemp(f"estate-{name}"), name, octet, from_octet)
            lab.down(name)  # a leftover from a crashed run must not leak stale state into this one
            running[name] = lab.up(folder)
        return running[name]

    yield factory
    for name in running:
        lab.down(name)


@pytest.fixture(scope="session")
def make_lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[[str, int], LabAccess]]:
    """Factory: make_lab(name, octet) -> LabAccess of a running estate; all downed at the end."""
    yield from _labs(LAB_INVENTORY, 77, tmp_path_factory)


@pytest.fixture(scope="session")
def make_vendor_lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[[str, int], LabAccess]]:
    """Factory like make_lab, for inventory/vendor (the vendor-shaped archetypes)."""
    yield from _labs(VENDOR_INVENTORY, 76, tmp_path_factory)

