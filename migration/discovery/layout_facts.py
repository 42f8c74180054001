"""The facts behind profile proposals: what listening processes run and hold open, which init
script or unit starts them, which paths no package owns, config lines naming hosts and paths,
database catalogs and sessions, file databases found by their magic bytes.

Stored in a host's facts file under `layout`; every value is untrusted host output that the
parsers in `parse_layout.py` have already bounded and checked.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class OpenFile:
    path: str
    write: bool  # opened for writing (the fd's mode has w)


@dataclass(frozen=True)
class ProcInfo:
    """A process that listens on a TCP port."""

    pid: int
    exe: str = ""
    cwd: str = ""
    args: tuple[str, ...] = ()  # command-line arguments that are absolute paths
    unit: str = ""  # the systemd unit from its cgroup, when there is one
    open_files: tuple[OpenFile, ...] = ()
    libraries: tuple[str, ...] = ()  # shared objects it maps (modules, drivers)


@dataclass(frozen=True)
class PathInfo:
    """A path under the data roots or /etc, or one a process uses; `package` empty: no package owns it."""

    path: str
    kind: str = "?"  # d | f | l | ? (as find's %y; ? when only a process named it)
    user: str = ""
    group: str = ""
    package: str = ""
    size_kb: int | None = None


@dataclass(frozen=True)
class ConfigLine:
    """A line of a config or code file that names a host, an address, a path or a health route."""

    path: str
    line: int
    text: str


@dataclass(frozen=True)
class InitFile:
    """An init script or unit: the lines that say what it starts (assignments, paths, Exec*, User=)."""

    path: str
    kind: str  # sysv | systemd
    lines: tuple[str, ...] = ()


@dataclass(frozen=True)
class Pidfile:
    path: str
    pid: int


@dataclass(frozen=True)
class DbCatalog:
    """One database on a server engine running on this host."""

    engine: str  # postgresql | mariadb
    name: str
    size_bytes: int
    owner: str = ""  # PostgreSQL's datdba; for MariaDB the users granted on it, comma-separated


@dataclass(frozen=True)
class DbSession:
    """A client connected to a database on this host."""

    engine: str
    database: str
    user: str
    client: str  # an IP address, or "local" for a Unix socket
    client_port: int = 0


@dataclass(frozen=True)
class FileMagic:
    path: str
    engine: str  # sqlite


@dataclass(frozen=True)
class GroupInfo:
    name: str
    gid: int


@dataclass(frozen=True)
class Account:
    """Every /etc/passwd entry (system users below uid 100 too, e.g. www-data)."""

    name: str
    uid: int
    gid: int


@dataclass(frozen=True)
class LayoutFacts:
    procs: tuple[ProcInfo, ...] = ()
    paths: tuple[PathInfo, ...] = ()
    config_lines: tuple[ConfigLine, ...] = ()
    init_files: tuple[InitFile, ...] = ()
    pidfiles: tuple[Pidfile, ...] = ()
    db_catalog: tuple[DbCatalog, ...] = ()
    db_sessions: tuple[DbSession, ...] = ()
    file_dbs: tuple[FileMagic, ...] = ()
    groups: tuple[GroupInfo, ...] = ()
    accounts: tuple[Account, ...] = ()


NESTED: dict[type, dict[str, type]] = {
    LayoutFacts: {"procs": ProcInfo, "paths": PathInfo, "config_lines": ConfigLine, "init_files": InitFile,
                  "pidfiles": Pidfile, "db_catalog": DbCatalog, "db_sessions": DbSession, "file_dbs": FileMagic,
                  "groups": GroupInfo, "accounts": Account},
    ProcInfo: {"open_files": OpenFile},
}
