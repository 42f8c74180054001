"""A lab estate's handle: its run dir, and the access files `lab up` writes there through `migration.access`.

`<run dir>/access/` is the default access folder of `migration.access.files` for the estate, so the
pipeline finds a lab's hosts without knowing anything of the lab.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Self

from migration.access import write
from migration.access.files import AccessFiles
from migration.errors import LabError
from migration.lab import naming
from migration.lab.estate import LabEstate


@dataclass(frozen=True)
class LabAccess(AccessFiles):
    """One lab estate's access files, with the estate's name and run dir."""

    estate: str
    run_dir: Path

    @classmethod
    def for_estate(cls, name: str) -> LabAccess:
        rd = naming.run_dir(name)
        return cls(rd / "access", name, rd)

    def require(self) -> Self:
        """Raise a clear error if the estate was never brought up."""
        if not self.ssh_config.exists():
            raise LabError(f"estate {self.estate!r} is not up (no {self.ssh_config}); run `dcc lab up`")
        return self


def write_access(est: LabEstate, host_keys: dict[str, str]) -> LabAccess:
    """Write the estate's access files (the client key is made before its hosts boot)."""
    acc = LabAccess.for_estate(est.name)
    write.write_all(acc, est.hosts, host_keys, control_dir=naming.control_dir(est.name),
                    comment=f"written by `dcc lab up` for estate {est.name}")
    return acc
