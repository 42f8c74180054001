"""Hand-made `AppMove`s for the pipeline's pure tests: a vendor-style app whose service, paths and
database are not named after the app, so nothing can pass by deriving them from the app id."""

from __future__ import annotations

from migration.execution.wave import AppMove, Node
from migration.profile import Database, HostLayout, PathEntry, Profile, Service

PORTAL = Node("pdn-portal", "10.77.10.10")


def profile(app: str, hosts: tuple[str, ...], db: bool = True) -> Profile:
    """A vendor-style layout: a service not named after the app, paths of its own; with `db`, its
    PostgreSQL database on the host db1."""
    svc = Service(f"{app}d", "sysv", f"/etc/init.d/{app}d start", f"/etc/init.d/{app}d stop",
                  f"/etc/init.d/{app}d status", file=f"/etc/init.d/{app}d")
    return Profile(app, tuple(HostLayout(h, services=(svc,), data=(PathEntry(f"/var/lib/{app}"),)) for h in hosts),
                   (Database("postgresql", "db1", (f"{app}_db",), f"{app}_owner", 5432),) if db else ())


def move(app: str, sources: tuple[str, ...], db: bool = False) -> AppMove:
    web = tuple((Node(s, f"10.77.1.{i}"), Node(f"t-{s}", f"10.77.10.{i}")) for i, s in enumerate(sources, 1))
    return AppMove(app, "web-db" if db else "files", 8080, f"{app}.go.id", 1, web,
                   (Node("db1", "10.77.1.99"), Node("tdb1", "10.77.10.99")) if db else None, PORTAL,
                   profile=profile(app, sources, db))
