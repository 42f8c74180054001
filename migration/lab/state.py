"""The per-estate state file (`<run dir>/state.json`), written atomically after every change.

It records what the lab created (bridges, subnets, host pids) so `down` and `status`
find exactly the lab's own processes and links, never by name.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import asdict, dataclass, field
from pathlib import Path

from migration.atomic import write_text_atomic
from migration.lab import naming

SCHEMA = 1


@dataclass(frozen=True)
class LabState:
    estate: str
    source: str
    subnets: tuple[str, ...]
    bridges: tuple[str, ...]
    pids: dict[str, int] = field(default_factory=dict)  # host id -> pid of its `unshare`
    schema: int = SCHEMA

    def with_pid(self, host: str, pid: int) -> LabState:
        return LabState(self.estate, self.source, self.subnets, self.bridges, {**self.pids, host: pid})


def path(estate: str) -> Path:
    return naming.run_dir(estate) / "state.json"


def load(estate: str) -> LabState | None:
    p = path(estate)
    if not p.exists():
        return None
    data = json.loads(p.read_text())
    return LabState(data["estate"], data["source"], tuple(data["subnets"]), tuple(data["bridges"]),
                    {k: int(v) for k, v in data["pids"].items()}, int(data.get("schema", SCHEMA)))


def save(st: LabState) -> None:
    write_text_atomic(path(st.estate), json.dumps(asdict(st), indent=1, sort_keys=True) + "\n")


def estate_copy(estate: str) -> Path:
    """The lab keeps its own copy of the estate folder, so later verbs need only the name."""
    return naming.run_dir(estate) / "estate"


def copy_estate(src: Path, estate: str) -> Path:
    dst = estate_copy(estate)
    if dst.resolve() == src.resolve():
        return dst
    tmp = dst.with_name(".estate.tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    shutil.copytree(src, tmp)
    shutil.rmtree(dst, ignore_errors=True)
    tmp.rename(dst)
    return dst


def all_estates() -> list[str]:
    root = naming.lab_root()
    return sorted(p.parent.name for p in root.glob("*/state.json")) if root.exists() else []
