"""Place moving legacy hosts onto target hosts: pinned targets first, then first fit.

Capacity is cpu, memory and disk per target host, plus the estate-wide `target_capacity`
limit. Unknown sizes count as zero (they cannot be checked, so they do not block).
"""

from __future__ import annotations

from dataclasses import dataclass

from migration.inventory import Estate, Host


@dataclass
class _Room:
    id: str
    cpu: float
    memory_gb: float
    disk_gb: float

    def fits(self, need: tuple[float, float, float]) -> bool:
        return need[0] <= self.cpu and need[1] <= self.memory_gb and need[2] <= self.disk_gb

    def take(self, need: tuple[float, float, float]) -> None:
        self.cpu -= need[0]
        self.memory_gb -= need[1]
        self.disk_gb -= need[2]


_INF = float("inf")
_WINDOW = 16


def _size(host: Host) -> tuple[float, float, float]:
    return (host.cpu or 0, host.memory_gb or 0.0, host.disk_gb or 0.0)


class Placer:
    """Remaining room on each target host and in the estate-wide capacity."""

    def __init__(self, estate: Estate, moving_hosts: list[str]) -> None:
        self.rooms = [_Room(h.id, h.cpu or _INF, h.memory_gb or _INF, h.disk_gb or _INF)
                      for h in sorted(estate.target_hosts(), key=lambda h: h.id)]
        self.by_id = {room.id: room for room in self.rooms}
        cap = estate.constraints.target_capacity
        self.total = _Room("target_capacity", *(v if v is not None else _INF for v in
                                                ((cap.cpu, cap.memory_gb, cap.disk_gb) if cap else (None,) * 3)))
        self.first_open = 0  # rooms before this index are full for any realistic host
        self.fresh = 0  # rooms from this index on have never been used
        hosts = estate.hosts
        self.sizes = {h: _size(hosts[h]) for h in moving_hosts}  # looked up once per host, not per try
        self.pins = {h: target for h in self.sizes if (target := hosts[h].target)}
        self.overbooked = self._reserve_pins()

    def _reserve_pins(self) -> dict[str, str]:
        """Book pinned hosts' room up front (first fit must not take it); host -> why, when a pin overbooks."""
        overbooked = {}
        for host_id in sorted(self.pins):
            target = self.pins[host_id]
            room, need = self.by_id[target], self.sizes[host_id]
            if room.fits(need):
                room.take(need)
            else:
                overbooked[host_id] = f"pinned target {target} is overbooked: no room left for {host_id}"
        return overbooked

    def place(self, hosts: tuple[str, ...]) -> tuple[dict[str, str], str | None]:
        """Host -> target for all `hosts`, or ({}, why not) leaving every room untouched."""
        if len(hosts) == 1:
            return self._place_one(hosts[0])
        sizes = self.sizes
        total = tuple(map(sum, zip(*[sizes[h] for h in hosts])))  # cpu, memory, disk: column sums, in C
        if not self.total.fits(total):  # type: ignore[arg-type]
            return {}, self._exhausted(total)  # type: ignore[arg-type]
        chosen: dict[str, str] = {}
        taken: list[tuple[_Room, tuple[float, float, float]]] = []
        room: _Room | None
        why: str | None
        for host in hosts:
            if host in self.overbooked:
                room, why = None, self.overbooked[host]
            elif host in self.pins:
                chosen[host] = self.pins[host]  # booked at start
                continue
            else:
                room, why = self._room_for(host, sizes[host])
            if room is None:
                for done, need in taken:  # undo: a group moves whole or not at all
                    done.cpu, done.memory_gb, done.disk_gb = (done.cpu + need[0], done.memory_gb + need[1],
                                                              done.disk_gb + need[2])
                return {}, why
            room.take(sizes[host])
            taken.append((room, sizes[host]))
            chosen[host] = room.id
        self.total.take(total)  # type: ignore[arg-type]
        return chosen, None

    def _place_one(self, host_id: str) -> tuple[dict[str, str], str | None]:
        """`place` for a group of one host (most groups): no sums, no undo list."""
        need = self.sizes[host_id]
        if not self.total.fits(need):
            return {}, self._exhausted(need)
        if host_id in self.overbooked:
            return {}, self.overbooked[host_id]
        target = self.pins.get(host_id)  # booked at start
        if target is None:
            room, why = self._room_for(host_id, need)
            if room is None:
                return {}, why
            room.take(need)
            target = room.id
        self.total.take(need)
        return {host_id: target}, None

    def _exhausted(self, total: tuple[float, float, float]) -> str:
        return (f"target_capacity exhausted: needs cpu {total[0]:g}, memory {total[1]:g} GB, "
                f"disk {total[2]:g} GB; left cpu {self.total.cpu:g}, memory {self.total.memory_gb:g} GB, "
                f"disk {self.total.disk_gb:g} GB")

    def _room_for(self, host_id: str, need: tuple[float, float, float]) -> tuple[_Room | None, str | None]:
        # First fit over a short window of partly used rooms, then the next untouched one:
        # a full first-fit scan is quadratic at 2,600 targets x 57,000 hosts.
        rooms, (cpu, memory, disk) = self.rooms, need
        while self.first_open < self.fresh and rooms[self.first_open].cpu < 1:
            self.first_open += 1
        for room in rooms[self.first_open:min(self.fresh, self.first_open + _WINDOW)]:
            if cpu <= room.cpu and memory <= room.memory_gb and disk <= room.disk_gb:  # `fits`, inlined
                return room, None
        while self.fresh < len(rooms):
            room = rooms[self.fresh]
            self.fresh += 1
            if cpu <= room.cpu and memory <= room.memory_gb and disk <= room.disk_gb:
                return room, None
        for room in rooms[self.first_open:]:  # the last resort: every leftover
            if room.fits(need):
                return room, None
        return None, (f"no target host has room for {host_id} "
                      f"(cpu {cpu:g}, memory {memory:g} GB, disk {disk:g} GB)")
