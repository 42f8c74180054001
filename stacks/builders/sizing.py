"""Container and namespace sizes derived from the legacy hosts an app ran on.

Legacy government servers mostly idle, so requests are a quarter of the old capacity
and limits the full old capacity; quotas add headroom and never drop below a floor.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from stacks.builders.specs import AppSpec

REQUEST_SHARE = 0.25
HEADROOM = 1.25
FLOOR_CPU_M = 2000
FLOOR_MEMORY_MI = 4096
FLOOR_STORAGE_GI = 20
FLOOR_PODS = 10


@dataclass(frozen=True)
class Size:
    """Millicores, MiB and GiB, so sums stay exact integers."""

    cpu_m: int
    memory_mi: int
    storage_gi: int = 0


def app_limits(app: AppSpec) -> Size:
    """The full legacy capacity, never under 250m / 256Mi."""
    return Size(max(250, math.ceil(app.cpu * 1000)), max(256, math.ceil(app.memory_gb * 1024)))


def app_requests(app: AppSpec) -> Size:
    """A quarter of the legacy capacity, never under 100m / 128Mi."""
    lim = app_limits(app)
    return Size(max(100, int(lim.cpu_m * REQUEST_SHARE)), max(128, int(lim.memory_mi * REQUEST_SHARE)))


def app_storage_gi(app: AppSpec) -> int:
    """Volume size: the data plus half again for growth, in whole GiB (0 = no volume)."""
    return math.ceil(app.data_gb * 1.5) if app.data_gb >= 1 else 0


def replicas(app: AppSpec) -> int:
    """Stateless apps run two pods for rolling updates; a single writer owns a data volume."""
    return 1 if app_storage_gi(app) else 2


def tenant_quota(apps: tuple[AppSpec, ...]) -> tuple[Size, Size, int]:
    """(requests, limits, pods) for a namespace: app sums with headroom, above the floors."""
    req = [Size(s.cpu_m * replicas(a), s.memory_mi * replicas(a)) for a in apps for s in [app_requests(a)]]
    lim = [Size(s.cpu_m * replicas(a), s.memory_mi * replicas(a)) for a in apps for s in [app_limits(a)]]
    storage = sum(app_storage_gi(a) for a in apps)

    def grow(total: int, floor: int) -> int:
        return max(floor, math.ceil(total * HEADROOM))

    requests = Size(grow(sum(s.cpu_m for s in req), FLOOR_CPU_M // 2),
                    grow(sum(s.memory_mi for s in req), FLOOR_MEMORY_MI // 2),
                    grow(storage, FLOOR_STORAGE_GI))
    limits = Size(grow(sum(s.cpu_m for s in lim), FLOOR_CPU_M), grow(sum(s.memory_mi for s in lim), FLOOR_MEMORY_MI))
    return requests, limits, FLOOR_PODS + 2 * sum(replicas(a) for a in apps)


def cpu(m: int) -> str:
    return f"{m}m"


def mem(mi: int) -> str:
    return f"{mi}Mi"


def disk(gi: int) -> str:
    return f"{gi}Gi"
