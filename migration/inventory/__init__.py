"""The estate inventory: a typed model and its validating loaders (YAML and CSV).

`load_estate(path)` is the one way in; see docs/inventory-format.md for the files.
"""

from __future__ import annotations

from migration.inventory.load import check_estate, load_estate
from migration.inventory.model import (
    Agency,
    Application,
    Blackout,
    Capacity,
    Constraints,
    DataCenter,
    Dependency,
    Estate,
    Host,
    Schedule,
)

__all__ = [
    "Agency", "Application", "Blackout", "Capacity", "Constraints", "DataCenter", "Dependency",
    "Estate", "Host", "Schedule", "check_estate", "load_estate",
]
