"""Move groups: apps that must move together, and the order groups must respect.

One graph over the moving apps: an edge per dependency (caller -> callee) and a pair of
edges between apps that share a host. Its strongly connected components are the move
groups (a dependency cycle or a shared host binds apps); its condensation is a DAG.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

from migration.inventory import Dependency, Estate
from migration.inventory.frozen import builder
from migration.plan.scc import cycles


@dataclass(frozen=True, slots=True)
class Group:
    """A move group before it has a wave: its apps, hosts, data and why they are bound."""

    key: str  # smallest app id: stable while the inventory changes elsewhere
    apps: tuple[str, ...]
    hosts: tuple[str, ...]
    data_gb: float
    reason: str
    needs: tuple[str, ...]  # keys of the groups this one calls (they move no later)
    blocker: str | None = None  # why this group cannot move at all (a host it shares with a retained app)


def move_groups(estate: Estate, moving: set[str], deps: tuple[Dependency, ...],
                staying: set[str] = frozenset()) -> dict[str, Group]:  # type: ignore[assignment]
    """Group key -> group, for the apps in `moving`; `staying` apps (retained) pin their hosts."""
    calls = [(d.from_app, d.to_app) for d in deps if d.from_app in moving and d.to_app in moving]
    shared = _shared_hosts(estate, moving)
    components = _components(sorted(moving), calls, shared)
    member: dict[str, str] = {}
    for component in components:
        for app in component:
            member[app] = component[0]
    needs: dict[str, set[str]] = {c[0]: set() for c in components}
    inner: dict[str, list[tuple[str, str]]] = {}
    for a, b in calls:
        if member[a] != member[b]:
            needs[member[a]].add(member[b])
        else:
            inner.setdefault(member[a], []).append((a, b))
    pinned = _hosts_of(estate, staying)
    return {c[0]: _group(estate, c, shared, inner.get(c[0], []), needs[c[0]], pinned) for c in components}


def _components(apps: list[str], calls: list[tuple[str, str]], shared: dict[str, list[str]]) -> list[list[str]]:
    """The graph's strongly connected components, each sorted: the bound ones, then one per other app."""
    number = {app: i for i, app in enumerate(apps)}
    successors: list[list[int]] = [[] for _ in apps]
    for a, b in calls:
        successors[number[a]].append(number[b])
    for on_host in shared.values():
        for a, b in pairwise(on_host):
            successors[number[a]].append(number[b])
            successors[number[b]].append(number[a])
    bound = [[apps[i] for i in sorted(component)] for component in cycles(successors)]
    in_cycle = {app for component in bound for app in component}
    return bound + [[app] for app in apps if app not in in_cycle]


def _hosts_of(estate: Estate, apps: set[str]) -> dict[str, str]:
    """Host -> the first (by id) of `apps` on it."""
    found: dict[str, str] = {}
    for app_id in sorted(apps):
        for host in estate.apps[app_id].all_hosts:
            found.setdefault(host, app_id)
    return found


def _shared_hosts(estate: Estate, moving: set[str]) -> dict[str, list[str]]:
    """Host -> the moving apps on it, for hosts that more than one moving app uses."""
    on_host: dict[str, list[str]] = {}
    for app_id in sorted(moving):
        for host in estate.apps[app_id].all_hosts:
            on_host.setdefault(host, []).append(app_id)
    return {h: apps for h, apps in on_host.items() if len(apps) > 1}


def _group(estate: Estate, apps: list[str], shared: dict[str, list[str]], inner: list[tuple[str, str]],
           needs: set[str], pinned: dict[str, str]) -> Group:
    if len(apps) == 1:  # most groups: no generator chains
        app = estate.apps[apps[0]]
        hosts = list(dict.fromkeys(app.all_hosts))
        data = round(sum((app.data_gb,)), 3)  # sum, as below: it turns -0.0 into 0.0
    else:
        hosts = list(dict.fromkeys(h for app_id in apps for h in estate.apps[app_id].all_hosts))
        data = round(sum(estate.apps[a].data_gb for a in apps), 3)
    held = [h for h in hosts if h in pinned]
    # Moving a host would carry a retained app's data away with it: no data may leave unplanned.
    blocker = (f"host {held[0]} also serves retained app {pinned[held[0]]}, which stays: split them first"
               if held else None)
    # Most groups have one app and call at most one group: skip the sorts there (24,000 groups).
    reason = _reason(apps, hosts, shared, sorted(inner)) if inner or len(apps) > 1 else _ALONE
    return _GROUP(apps[0], tuple(apps), tuple(hosts), data, reason,
                 tuple(sorted(needs)) if len(needs) > 1 else tuple(needs), blocker)


_ALONE = "one app on its own hosts"
_GROUP = builder(Group)


def _reason(apps: list[str], hosts: list[str], shared: dict[str, list[str]], inner: list[tuple[str, str]]) -> str:
    if len(apps) == 1:
        return _ALONE
    parts = []
    common = [h for h in hosts if h in shared]
    if common:
        parts.append(f"share host{'s' if len(common) > 1 else ''} {', '.join(common[:5])}"
                     + (f" and {len(common) - 5} more" if len(common) > 5 else ""))
    if inner:
        shown = "; ".join(f"{a} -> {b}" for a, b in inner[:4]) + (" ..." if len(inner) > 4 else "")
        # Without a shared host, only a cycle of calls can have bound these apps.
        parts.append(f"call each other ({shown})" if common else f"call each other in a cycle ({shown})")
    return f"{len(apps)} apps that " + " and ".join(parts)
