"""Assign move groups to ordered waves under the estate's constraints.

Rule: a group moves no earlier than every group it calls (dependencies first, callers in
the same wave or later). Groups are taken data center by data center, smallest first, so
data centers empty (and close) early; a group pulls its unplanned dependencies in first.
Each group goes to the first wave, from its earliest allowed one, whose host and data
limits hold and whose start is outside every blackout of the group's agencies and data
centers. Every reason that pushed a group later is kept for `dcc plan explain`.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from migration.inventory import Blackout, Estate
from migration.plan.groups import Group
from migration.plan.placement import Placer

FULL = 0.95  # share of a wave's host or data limit at which it counts as full
MAX_WAVES = 520  # ten years of weekly waves: beyond that a constraint is wrong, not the plan


@dataclass
class Slot:
    """What one group got: its wave (None when it cannot move), host targets and the reasons."""

    wave: int | None
    targets: dict[str, str] = field(default_factory=dict)
    reasons: list[str] = field(default_factory=list)


@dataclass
class _Load:
    hosts: int = 0
    data_gb: float = 0.0
    groups: int = 0


class Scheduler:
    def __init__(self, estate: Estate, groups: dict[str, Group], criticality: dict[str, bool]) -> None:
        self.estate, self.groups, self.critical = estate, groups, criticality
        self.critical_apps = {app for app, high in criticality.items() if high}
        self.c = estate.constraints
        self.loads: list[_Load] = [_Load()]  # index 0 unused: waves are 1-based
        self.slots: dict[str, Slot] = {}
        self.current = 1  # groups in turn start here: earlier waves are (nearly) full
        self.placer = Placer(estate, [h for g in groups.values() for h in g.hosts])
        self.blackouts = self._blackouts_by_scope()
        self.blackout_agencies = {name for kind, name in self.blackouts if kind == "agency"}
        self.blackout_dcs = {name for kind, name in self.blackouts if kind == "datacenter"}
        self.starts: list[date] = []  # wave start dates by number (index 0 unused), computed once
        self.placed_lines: dict[int, str] = {}  # wave -> "placed in wave N (starts ...)", built once
        # By a group's (agencies, data centers): most groups share them with others.
        self.windows: dict[tuple[frozenset[str], frozenset[str]], list[tuple[str, Blackout]]] = {}

    def run(self) -> dict[str, Slot]:
        slots, groups = self.slots, self.groups
        for key in self._order():
            if key in slots:
                continue  # placed earlier, as what another group needs
            if groups[key].needs:
                self._place_with_needs(key)
            else:  # most groups call nothing
                slots[key] = self._place(groups[key])
        return slots

    # -- order --------------------------------------------------------------------------------
    def _order(self) -> list[str]:
        """Groups by their home data center (fewest moving hosts first), then by key."""
        home = {k: _home_dc(self.estate, g) for k, g in self.groups.items()}
        size = Counter(self.estate.hosts[h].datacenter for g in self.groups.values() for h in g.hosts)
        return sorted(self.groups, key=lambda k: (size[home[k]], home[k], k))

    def _place_with_needs(self, root: str) -> None:
        """Place `root` after the groups it calls (iterative post-order: chains can be long)."""
        stack = [(root, False)]
        while stack:
            key, expanded = stack.pop()
            if key in self.slots:
                continue
            if expanded:
                self.slots[key] = self._place(self.groups[key])
                continue
            stack.append((key, True))
            needs = self.groups[key].needs
            if needs:  # most groups call nothing
                stack.extend((need, False) for need in reversed(needs) if need not in self.slots)

    # -- one group ------------------------------------------------------------------------------
    def _place(self, group: Group) -> Slot:
        if group.blocker:
            return Slot(None, reasons=[group.blocker])
        wave, reasons = self._earliest(group)
        if self.current > wave:
            reasons.append(f"waves {wave}..{self.current - 1} were already full when its turn came")
            wave = self.current
        windows = self._windows(group)
        skipped: dict[str, int] = {}  # a plain dict: a Counter per group costs ~5 us at 24,000 groups
        while wave <= MAX_WAVES:
            blocked = self._blocked(group, wave, windows)
            if blocked is None:
                return self._commit(group, wave, reasons, skipped)
            skipped[blocked] = skipped.get(blocked, 0) + 1
            wave += 1
        reasons += _skips(skipped)
        return Slot(None, reasons=[*reasons, f"no wave within {MAX_WAVES} satisfies the constraints"])

    def _earliest(self, group: Group) -> tuple[int, list[str]]:
        wave = 1
        reasons: list[str] = []
        floor = self.c.critical_not_before_wave
        if not group.needs and (floor <= 1 or self.critical_apps.isdisjoint(group.apps)):
            return wave, reasons  # most groups: nothing to wait for
        for need in group.needs:
            slot = self.slots[need]
            if slot.wave is None:
                reasons.append(f"depends on the group of {need}, which cannot move yet: this group moves anyway")
            elif slot.wave > wave:
                wave = slot.wave
                reasons.append(f"depends on the group of {need} (wave {slot.wave}): dependencies move first")
        if floor > wave and not self.critical_apps.isdisjoint(group.apps):
            wave = floor
            reasons.append(f"has a high-criticality app: not before wave {floor} (critical_not_before_wave)")
        return wave, reasons

    def _blocked(self, group: Group, wave: int, windows: list[tuple[str, Blackout]]) -> str | None:
        """Why `group` cannot go in `wave` (a short reason), or None when it can."""
        load = self._load(wave)
        limit_hosts, limit_data = self.c.max_hosts_per_wave, self.c.max_data_gb_per_wave
        alone = load.groups == 0  # a group bigger than a wave's limits moves alone in an empty wave
        if limit_hosts is not None and load.hosts + len(group.hosts) > limit_hosts and not alone:
            return f"wave full: max_hosts_per_wave {limit_hosts}"
        if limit_data is not None and load.data_gb + group.data_gb > limit_data and not alone:
            return f"wave full: max_data_gb_per_wave {limit_data:g}"
        if not windows:
            return None
        day = self._start(wave)
        for scope, b in windows:
            if b.covers(day):
                return f"blackout for {scope} {b.start}..{b.end}" + (f" ({b.reason})" if b.reason else "")
        return None

    def _windows(self, group: Group) -> list[tuple[str, Blackout]]:
        """The blackouts that touch this group's agencies or data centers, in a fixed order."""
        if not self.blackouts:
            return []
        apps, hosts = self.estate.apps, self.estate.hosts
        agencies = {apps[a].agency for a in group.apps}
        dcs = {hosts[h].datacenter for h in group.hosts}
        if self.blackout_agencies.isdisjoint(agencies) and self.blackout_dcs.isdisjoint(dcs):
            return []
        key = (frozenset(agencies), frozenset(dcs))
        found = self.windows.get(key)
        if found is None:  # agencies first, then data centers, each by name
            found = self.windows[key] = [(f"{kind} {name}", b) for kind, names in (("agency", agencies),
                                                                                  ("datacenter", dcs))
                                         for name in sorted(names) for b in self.blackouts.get((kind, name), ())]
        return found

    def _commit(self, group: Group, wave: int, reasons: list[str], skipped: dict[str, int]) -> Slot:
        targets, why_not = self.placer.place(group.hosts)
        if skipped:
            reasons = reasons + _skips(skipped)
        if why_not is not None:
            return Slot(None, reasons=[*reasons, why_not])
        load = self._load(wave)
        if load.groups == 0 and self._oversize(group):
            reasons.append("larger than one wave's limits: moves alone")
        load.hosts += len(group.hosts)
        load.data_gb += group.data_gb
        load.groups += 1
        while self._nearly_full(self._load(self.current)):
            self.current += 1
        placed = self.placed_lines.get(wave)
        if placed is None:
            placed = self.placed_lines[wave] = f"placed in wave {wave} (starts {self._start(wave)})"
        return Slot(wave, targets, [*reasons, placed])

    def _start(self, wave: int) -> date:
        """The start date of `wave`, from a list filled on demand (asked ~60,000 times)."""
        while len(self.starts) <= wave:
            self.starts.append(self.c.schedule.wave_start(len(self.starts)))
        return self.starts[wave]

    def _nearly_full(self, load: _Load) -> bool:
        """A wave stops taking groups in turn once nearly full: filling its last gaps with groups
        from far down the order would make the whole plan shift after any small inventory change."""
        hosts, data = self.c.max_hosts_per_wave, self.c.max_data_gb_per_wave
        return ((hosts is not None and load.hosts >= hosts * FULL)
                or (data is not None and load.data_gb >= data * FULL))

    def _oversize(self, group: Group) -> bool:
        return ((self.c.max_hosts_per_wave or 10**9) < len(group.hosts)
                or (self.c.max_data_gb_per_wave or float("inf")) < group.data_gb)

    def _load(self, wave: int) -> _Load:
        while len(self.loads) <= wave:
            self.loads.append(_Load())
        return self.loads[wave]

    def _blackouts_by_scope(self) -> dict[tuple[str, str], list[Blackout]]:
        scoped: dict[tuple[str, str], list[Blackout]] = {}
        for b in self.c.blackouts:
            if b.agency:
                scoped.setdefault(("agency", b.agency), []).append(b)
            if b.datacenter:
                scoped.setdefault(("datacenter", b.datacenter), []).append(b)
        return scoped


def _home_dc(estate: Estate, group: Group) -> str:
    if len(group.hosts) == 1:  # most groups: skip the Counter
        return estate.hosts[group.hosts[0]].datacenter
    count: dict[str, int] = {}
    for host in group.hosts:
        dc = estate.hosts[host].datacenter
        count[dc] = count.get(dc, 0) + 1
    return min(count, key=lambda dc: (-count[dc], dc))


def _skips(skipped: dict[str, int]) -> list[str]:
    return [f"skipped {n} wave{'s' if n > 1 else ''}: {why}" for why, n in sorted(skipped.items())]
