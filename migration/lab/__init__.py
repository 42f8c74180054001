"""The lab: real legacy hosts on this machine (network namespaces, overlay roots, real sshd).

Public API: `up(estate_dir)`, `down(name)`, `status(name)`, `renumber(...)`, `LabAccess`.
"""

from __future__ import annotations

from migration.lab.cleanup import down
from migration.lab.handle import LabAccess
from migration.lab.lifecycle import status, up
from migration.lab.renumber import renumber

__all__ = ["LabAccess", "down", "renumber", "status", "up"]
