"""The app profile: how one app lives on its hosts, as typed, frozen values.

Every entry carries its `evidence` (the fact it came from) and a `status`: inferred (discovery
proposed it), needs-review (discovery could not tell; `reason` says why) or reviewed (a person
checked it). The pipeline reads paths, services and databases only through `Profile`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

FORMAT = 1
STATUSES = ("inferred", "needs-review", "reviewed")
INIT_SYSTEMS = ("sysv", "systemd", "none")
ENGINES = ("postgresql", "mariadb", "mysql", "sqlite", "file")
SERVER_ENGINES = ("postgresql", "mariadb", "mysql")
# Placeholders a config rewrite may use; resolved at deploy from where the app's hosts moved.
PLACEHOLDERS = ("db_host", "db_ip", "db_port", "app_host", "app_ip")
HOST_PLACEHOLDERS = ("target", "target_ip")  # {target:<host id>}: where that legacy host moved
_PLACEHOLDER = re.compile(r"\{\{|\}\}|\{([^{}]*)\}")


@dataclass(frozen=True)
class Provenance:
    """Where an entry came from and whether a person has checked it."""

    evidence: str = ""
    status: str = "inferred"
    reason: str = ""  # why it needs review (required when status is needs-review)

    @property
    def needs_review(self) -> bool:
        return self.status == "needs-review"


@dataclass(frozen=True)
class Service:
    name: str  # init script or unit name
    init: str  # sysv | systemd | none
    start: str
    stop: str
    check: str  # the status command: exit 0 while running
    run_as: str = "root"
    file: str = ""  # the init script or unit file that defines it
    prov: Provenance = field(default_factory=Provenance)


@dataclass(frozen=True)
class PathEntry:
    path: str
    prov: Provenance = field(default_factory=Provenance)


@dataclass(frozen=True)
class UserEntry:
    name: str
    uid: int
    gid: int
    prov: Provenance = field(default_factory=Provenance)


@dataclass(frozen=True)
class GroupEntry:
    name: str
    gid: int
    prov: Provenance = field(default_factory=Provenance)


@dataclass(frozen=True)
class CronEntry:
    user: str
    schedule: str
    command: str
    source: str = ""  # where it is: crontab (/etc/crontab), cron.d/<file> or crontabs/<user>
    prov: Provenance = field(default_factory=Provenance)

    @property
    def file(self) -> str:
        """The file that holds the entry (a bare name, as older facts recorded it, is in cron.d)."""
        if self.source == "crontab":
            return "/etc/crontab"
        if self.source.startswith("crontabs/"):
            return f"/var/spool/cron/{self.source}"
        return f"/etc/cron.d/{self.source.removeprefix('cron.d/')}"


@dataclass(frozen=True)
class PackageEntry:
    name: str
    version: str  # the version seen on the source
    prov: Provenance = field(default_factory=Provenance)


@dataclass(frozen=True)
class PortEntry:
    port: int
    prov: Provenance = field(default_factory=Provenance)


@dataclass(frozen=True)
class HostLayout:
    """What the app has on one host."""

    host: str
    services: tuple[Service, ...] = ()
    code: tuple[PathEntry, ...] = ()
    config: tuple[PathEntry, ...] = ()
    data: tuple[PathEntry, ...] = ()
    logs: tuple[PathEntry, ...] = ()  # folders its services and jobs log into: moved with the code
    users: tuple[UserEntry, ...] = ()
    groups: tuple[GroupEntry, ...] = ()
    cron: tuple[CronEntry, ...] = ()
    packages: tuple[PackageEntry, ...] = ()
    ports: tuple[PortEntry, ...] = ()


@dataclass(frozen=True)
class Database:
    engine: str  # postgresql | mariadb | mysql | sqlite | file
    host: str  # the host id it lives on
    names: tuple[str, ...] = ()  # database names (server engines)
    owner: str = ""  # owning role/user (server engines) or file owner
    port: int | None = None  # server engines
    path: str = ""  # file databases
    prov: Provenance = field(default_factory=Provenance)

    @property
    def is_file(self) -> bool:
        return self.engine not in SERVER_ENGINES


@dataclass(frozen=True)
class HealthCheck:
    path: str
    port: int
    expect_status: int = 200
    body_match: str = ""  # a substring the body must contain; empty: any body
    prov: Provenance = field(default_factory=Provenance)


@dataclass(frozen=True)
class Rewrite:
    """At deploy, the line `old` in `file` on `host` becomes `new` with its placeholders filled."""

    host: str
    file: str
    old: str
    new: str
    prov: Provenance = field(default_factory=Provenance)

    def render(self, values: Mapping[str, str]) -> str:
        """`new` with `{name}` and `{target:<host>}` filled from `values` (KeyError if one is missing);
        `{{` and `}}` are literal braces."""
        def fill(match: re.Match[str]) -> str:
            return match.group(0)[0] if match.group(1) is None else values[match.group(1)]
        return _PLACEHOLDER.sub(fill, self.new)


@dataclass(frozen=True)
class Profile:
    """One app's layout: per host, plus its databases, health check and config rewrites."""

    app: str
    layouts: tuple[HostLayout, ...]
    databases_: tuple[Database, ...] = ()
    health: HealthCheck | None = None
    rewrites_: tuple[Rewrite, ...] = ()
    reviewed: bool = False
    version: int = 1  # bumped at every review
    source: str = "discovery"  # discovery | conventional | hand
    taken_at: str = ""  # when the facts behind it were taken
    format: int = FORMAT

    @property
    def hosts(self) -> tuple[str, ...]:
        return tuple(layout.host for layout in self.layouts)

    def layout(self, host: str) -> HostLayout:
        for layout in self.layouts:
            if layout.host == host:
                return layout
        return HostLayout(host)

    def services(self, host: str) -> tuple[Service, ...]:
        return self.layout(host).services

    def code_paths(self, host: str) -> tuple[str, ...]:
        return tuple(p.path for p in self.layout(host).code)

    def config_paths(self, host: str) -> tuple[str, ...]:
        return tuple(p.path for p in self.layout(host).config)

    def log_paths(self, host: str) -> tuple[str, ...]:
        return tuple(p.path for p in self.layout(host).logs)

    def data_paths(self, host: str) -> tuple[str, ...]:
        return tuple(p.path for p in self.layout(host).data)

    def users(self, host: str) -> tuple[UserEntry, ...]:
        return self.layout(host).users

    def groups(self, host: str) -> tuple[GroupEntry, ...]:
        return self.layout(host).groups

    def cron(self, host: str) -> tuple[CronEntry, ...]:
        return self.layout(host).cron

    def cron_files(self, host: str) -> tuple[str, ...]:
        """The files that hold the app's cron entries on `host` (they move with the app)."""
        return tuple(dict.fromkeys(c.file for c in self.layout(host).cron))

    def packages(self, host: str) -> tuple[PackageEntry, ...]:
        return self.layout(host).packages

    def ports(self, host: str) -> tuple[int, ...]:
        return tuple(p.port for p in self.layout(host).ports)

    def databases(self, host: str | None = None) -> tuple[Database, ...]:
        return tuple(d for d in self.databases_ if host is None or d.host == host)

    def rewrites(self, host: str | None = None) -> tuple[Rewrite, ...]:
        return tuple(r for r in self.rewrites_ if host is None or r.host == host)

    @property
    def service_hosts(self) -> tuple[str, ...]:
        """Hosts that run one of the app's services (where the app serves, as opposed to a db host)."""
        return tuple(layout.host for layout in self.layouts if layout.services)

    def open_questions(self) -> list[tuple[str, str]]:
        """(field, reason) of every entry still marked needs-review."""
        from migration.profile.walk import entries

        return [(where, item.prov.reason) for where, item in entries(self) if item.prov.needs_review]
