"""The profile today's app layout convention implies (docs/inventory-format.md), so the pipeline
can read profiles with no change in behaviour for apps laid out that way.

This is the only place that derives a layout from an app's id; discovery proposes profiles
from what hosts show, and the tests check both agree for the lab's apps.
"""

from __future__ import annotations

from migration.inventory.model import Application, Estate
from migration.profile.model import (
    Database,
    HealthCheck,
    HostLayout,
    PathEntry,
    PortEntry,
    Profile,
    Provenance,
    Rewrite,
    Service,
)

POSTGRES_PORT = 5432
_RULE = Provenance("the app layout convention (docs/inventory-format.md)", "reviewed")


def conventional(app: str, estate: Estate) -> Profile:
    """The convention's profile of `app` (KeyError if the estate has no such app)."""
    spec = estate.apps[app]
    layouts = tuple(_layout(spec, host) for host in service_hosts(spec))
    return Profile(app=app, layouts=layouts, databases_=_databases(spec), health=_health(spec),
                   rewrites_=_rewrites(spec), reviewed=True, source="conventional")


def service_hosts(app: Application) -> tuple[str, ...]:
    """Hosts running the app's process: all its hosts but a separate database host."""
    serving = tuple(h for h in app.hosts if h != app.db_host)
    return serving or app.hosts


def db_name(app: str) -> str:
    return app.replace("-", "_")


def _layout(app: Application, host: str) -> HostLayout:
    init = f"/etc/init.d/{app.id}"
    service = Service(app.id, "sysv", f"{init} start", f"{init} stop", f"{init} status", "root", init, _RULE)
    return HostLayout(host, services=(service,), code=(PathEntry(f"/opt/{app.id}", _RULE),),
                      config=(PathEntry(f"/etc/{app.id}", _RULE),),
                      data=(PathEntry(f"/srv/{app.id}/data", _RULE),),
                      ports=(PortEntry(app.port, _RULE),) if app.port else ())


def _databases(app: Application) -> tuple[Database, ...]:
    if not app.db_host:
        return ()
    name = db_name(app.id)
    return (Database("postgresql", app.db_host, (name,), name, POSTGRES_PORT, prov=_RULE),)


def _health(app: Application) -> HealthCheck | None:
    if not app.port:
        return None
    return HealthCheck("/health", app.port, 200, '"status": "ok"', _RULE)


def _rewrites(app: Application) -> tuple[Rewrite, ...]:
    if not app.db_host:
        return ()
    return tuple(Rewrite(host, f"/etc/{app.id}/app.conf", f"DB_HOST={app.db_host}", "DB_HOST={db_host}", _RULE)
                 for host in service_hosts(app))
