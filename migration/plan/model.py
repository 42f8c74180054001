"""The typed plan: per-app decisions, move groups, ordered waves with host moves and closures.

`make_plan` builds it from an estate; `load_plan` reads it back from the plan file
(docs/plan-format.md). Other modules (execution, stacks, report) consume only these types.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

FORMAT = 1


@dataclass(frozen=True, slots=True)
class PlanApp:
    id: str
    strategy: str
    rule: str  # "<rule id>: <why>"
    shared_service: str | None = None
    move_group: str | None = None
    wave: int | None = None


@dataclass(frozen=True, slots=True)
class HostMove:
    source: str
    target: str
    app: str  # the first (by id) of the apps on this host that move with it
    apps: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class MoveGroup:
    id: str
    apps: tuple[str, ...]
    hosts: tuple[str, ...]
    data_gb: float
    reason: str
    wave: int | None = None
    wave_reasons: tuple[str, ...] = ()  # why this wave: the constraints and dependencies that decided it


@dataclass(frozen=True, slots=True)
class Wave:
    number: int
    start: date
    move_groups: tuple[str, ...]
    apps: tuple[str, ...]
    hosts: tuple[HostMove, ...]
    data_gb: float
    closes_datacenters: tuple[str, ...] = ()


@dataclass(frozen=True)
class Plan:
    estate: str
    inventory_digest: str
    apps: dict[str, PlanApp]
    move_groups: tuple[MoveGroup, ...]
    waves: tuple[Wave, ...]
    format: int = FORMAT

    def wave(self, number: int) -> Wave:
        """Wave `number` (1-based); KeyError when the plan has no such wave."""
        for wave in self.waves:
            if wave.number == number:
                return wave
        raise KeyError(number)

    def group(self, group_id: str) -> MoveGroup:
        for group in self.move_groups:
            if group.id == group_id:
                return group
        raise KeyError(group_id)

    def group_of(self, app_id: str) -> MoveGroup | None:
        gid = self.apps[app_id].move_group
        return self.group(gid) if gid else None
