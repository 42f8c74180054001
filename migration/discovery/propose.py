"""Propose each app's profile from the stored facts of its hosts (pure: no I/O).

The inventory says which hosts an app uses and its port; everything else comes from what the
hosts showed (`infer_host`, `infer_db`). What cannot be inferred is marked needs-review with the
reason, so a reviewer sees every open question in the proposal itself.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass

from migration.discovery.facts import HostFacts
from migration.discovery.hostview import ROOTS, SYSTEM, HostView, under
from migration.discovery.infer_db import AppLine, EstateIndex, app_lines, infer_databases, infer_rewrites
from migration.discovery.infer_host import Found, infer_host, layout_of
from migration.inventory.model import Application, Estate
from migration.profile.model import HealthCheck, HostLayout, Profile, Provenance

_ROUTE = re.compile(r"(?<![\w./-])(/[A-Za-z0-9_./-]*?\b(health|healthz|ping|status)\b[A-Za-z0-9_.-]*)")
_RANK = {"health": 0, "healthz": 1, "ping": 2, "status": 3}


@dataclass(frozen=True)
class Proposal:
    profile: Profile
    notes: tuple[str, ...]  # what discovery could not look at (a host without facts)


def propose_all(estate: Estate, facts: dict[str, HostFacts]) -> dict[str, Proposal]:
    """A proposal for every app with at least one discovered host."""
    views = {host: HostView(f) for host, f in facts.items() if host in estate.hosts}
    on_host, index = estate.apps_on_host(), EstateIndex.of(estate)
    apps = dict.fromkeys(app for host in views for app in on_host.get(host, []))
    return {app: propose(estate, views, app, on_host, index) for app in estate.apps if app in apps}


def propose(estate: Estate, views: dict[str, HostView], app_id: str, on_host: dict[str, list[str]] | None = None,
            index: EstateIndex | None = None) -> Proposal:
    app = estate.apps[app_id]
    on_host = on_host if on_host is not None else estate.apps_on_host()
    index = index or EstateIndex.of(estate)
    found = {h: infer_host(views[h], app.port, len(on_host.get(h, [])) == 1) for h in app.all_hosts if h in views}
    lines = app_lines(views, found)
    databases = infer_databases(index, app, views, found, lines)
    layouts = tuple(layout for h, f in found.items() if not _empty(layout := layout_of(views[h], f)))
    profile = Profile(app=app_id, layouts=layouts, databases_=databases, health=_health(app, views, found, lines),
                      rewrites_=infer_rewrites(index, found, lines, databases), reviewed=False, source="discovery",
                      taken_at=min((views[h].facts.taken_at for h in found), default=""))
    notes = [f"{h}: no facts stored (not discovered); its part of {app_id} is not in the proposal"
             for h in app.all_hosts if h not in views]
    notes += [f"{h}: pid {', '.join(map(str, f.roots))} serves {app_id} but no code path was found; add it"
              for h, f in found.items() if f.roots and not f.code]
    notes += [note for h, f in found.items() if len(on_host.get(h, [])) == 1 and (note := _unclaimed(views[h], f))]
    return Proposal(profile, tuple(notes))


def _unclaimed(view: HostView, found: Found) -> str:
    """On a host with one app: the unowned top folders nothing tied to it (for the reviewer)."""
    claimed = (*found.code, *found.config, *found.data)
    left = [p for p in view.layout.paths
            if p.kind == "d" and not p.package and not under(p.path, "/etc") and view.top(p.path) == p.path
            and not any(under(p.path, c) or under(c, p.path) for c in claimed)]
    if not left:
        return ""
    shown = ", ".join(f"{p.path} ({p.size_kb if p.size_kb is not None else '?'} KiB)" for p in left[:8])
    more = f" and {len(left) - 8} more" if len(left) > 8 else ""
    return f"{found.host}: folders no package owns and nothing ties to the app: {shown}{more}; add any that are its"


def _empty(layout: HostLayout) -> bool:
    return not (layout.services or layout.code or layout.config or layout.data or layout.cron)


def _health(app: Application, views: dict[str, HostView], found: dict[str, Found],
            lines: list[AppLine]) -> HealthCheck | None:
    ports = sorted({p for h, f in found.items() for s in views[h].facts.listening if s.pid in f.pids
                    for p in (s.port,)})
    port = app.port or (ports[0] if ports else None)
    if port is None:
        return None
    if not any(f.pids for f in found.values()):
        hosts = ", ".join(found) or ", ".join(app.hosts)
        return HealthCheck("/", port, 200, prov=Provenance("the inventory's port", "needs-review",
                                                           f"nothing listens on port {port} on {hosts}"))
    route = _route_in_lines(lines) or _route_file(views, found)
    if route is None:
        return HealthCheck("/", port, 200, prov=Provenance(f"the app listens on {port}", "needs-review",
                                                           "no health route found in the app's code or config"))
    return HealthCheck(route[0], port, 200, prov=Provenance(route[1]))


def _route_in_lines(lines: list[AppLine]) -> tuple[str, str] | None:
    best: tuple[int, str, str] | None = None
    for al in lines:
        for match in _ROUTE.finditer(al.line.text):
            route = match.group(1).rstrip(".")
            if any(under(route, r) for r in (*ROOTS, *SYSTEM, "/usr")):
                continue  # a file path, not a URL
            rank = (_RANK[match.group(2)], route, f"{al.line.path}:{al.line.line} names the route {route}")
            best = min(best, rank) if best else rank
    return (best[1], best[2]) if best else None


def _route_file(views: dict[str, HostView], found: dict[str, Found]) -> tuple[str, str] | None:
    """A page named health/status/ping at the top of a web root (/var/www/<app>/status.php)."""
    for host, f in found.items():
        for code in f.code:
            for info in views[host].listing(code):
                stem = posixpath.basename(info.path).split(".", 1)[0]
                if info.kind == "f" and stem in _RANK:
                    return f"/{posixpath.basename(info.path)}", f"{info.path} on {host} is a {stem} page"
    return None
