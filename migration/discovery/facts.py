"""The typed facts discovery records for one host, and their JSON storage beside the inventory.

Facts live in `<estate dir>/facts/<host id>.json`, written atomically, with a schema version
and the UTC time they were taken; readers refuse files from another schema.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from migration.atomic import write_text_atomic
from migration.discovery.layout_facts import NESTED as LAYOUT_NESTED
from migration.discovery.layout_facts import LayoutFacts
from migration.errors import InputError

SCHEMA = 1
_SAFE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")


@dataclass(frozen=True)
class OsInfo:
    id: str = ""
    version_id: str = ""
    pretty_name: str = ""
    kernel: str = ""
    arch: str = ""


@dataclass(frozen=True)
class Filesystem:
    device: str
    fstype: str
    size_kb: int
    used_kb: int
    avail_kb: int
    mount: str


@dataclass(frozen=True)
class Package:
    name: str
    version: str


@dataclass(frozen=True)
class Service:
    name: str
    enabled: bool
    running: bool | None  # None when the status answer was not an LSB code we know


@dataclass(frozen=True)
class Process:
    pid: int
    ppid: int
    user: str
    rss_kb: int
    command: str


@dataclass(frozen=True)
class Endpoint:
    """A TCP socket: listening (peer empty) or established; `process`/`pid` when ss showed them."""

    address: str
    port: int
    peer_address: str = ""
    peer_port: int = 0
    process: str = ""
    pid: int = 0


@dataclass(frozen=True)
class DataDir:
    path: str
    size_kb: int


@dataclass(frozen=True)
class DatabaseServer:
    engine: str  # postgresql | mysql | mariadb
    version: str
    binary: str
    running: bool
    ports: tuple[int, ...] = ()


@dataclass(frozen=True)
class CronJob:
    source: str
    user: str
    schedule: str
    command: str


@dataclass(frozen=True)
class User:
    name: str
    uid: int
    gid: int
    home: str
    shell: str
    kind: str  # person | service


@dataclass(frozen=True)
class HostFacts:
    host: str
    address: str
    taken_at: str  # ISO 8601 UTC
    hostname: str = ""
    os: OsInfo = field(default_factory=OsInfo)
    cpu_count: int | None = None
    memory_kb: int | None = None
    filesystems: tuple[Filesystem, ...] = ()
    packages: tuple[Package, ...] = ()
    services: tuple[Service, ...] = ()
    processes: tuple[Process, ...] = ()
    listening: tuple[Endpoint, ...] = ()
    connections: tuple[Endpoint, ...] = ()
    recent_connections: tuple[Endpoint, ...] = ()  # TIME-WAIT: closed in the last minute, no process
    data_dirs: tuple[DataDir, ...] = ()
    databases: tuple[DatabaseServer, ...] = ()
    cron: tuple[CronJob, ...] = ()
    users: tuple[User, ...] = ()
    layout: LayoutFacts = field(default_factory=LayoutFacts)  # what profile proposals are built from
    warnings: tuple[str, ...] = ()
    schema: int = SCHEMA


_NESTED: dict[type, dict[str, type]] = {
    HostFacts: {"os": OsInfo, "filesystems": Filesystem, "packages": Package, "services": Service,
                "processes": Process, "listening": Endpoint, "connections": Endpoint,
                "recent_connections": Endpoint, "data_dirs": DataDir, "databases": DatabaseServer,
                "cron": CronJob, "users": User, "layout": LayoutFacts},
    **LAYOUT_NESTED,
}


def facts_path(facts_dir: Path, host_id: str) -> Path:
    """`facts_dir/<host id>.json`; refuses ids that could escape the folder."""
    if not _SAFE_ID.match(host_id):
        raise InputError(f"host id {host_id!r} is not a safe file name", where="hosts")
    return facts_dir / f"{host_id}.json"


def to_json(facts: HostFacts) -> str:
    return json.dumps(asdict(facts), indent=1, sort_keys=True) + "\n"


def write_facts(facts_dir: Path, facts: HostFacts) -> Path:
    """Store one host's facts atomically; returns the file written."""
    path = facts_path(facts_dir, facts.host)
    try:
        write_text_atomic(path, to_json(facts), private=True)
    except OSError as exc:
        raise InputError(f"cannot write facts: {exc.strerror or exc}", where=str(path)) from exc
    return path


def read_facts(path: Path) -> HostFacts:
    """Load one facts file; a broken or foreign-schema file is an `InputError` naming it."""
    try:
        raw = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"cannot read facts: {exc}", where=str(path)) from exc
    if not isinstance(raw, dict) or raw.get("schema") != SCHEMA:
        found = raw.get("schema") if isinstance(raw, dict) else type(raw).__name__
        raise InputError(f"facts schema {found!r} is not {SCHEMA}; rerun dcc discover", where=str(path))
    try:
        facts: HostFacts = _build(HostFacts, raw)
        return facts
    except (TypeError, ValueError) as exc:
        raise InputError(f"facts do not match schema {SCHEMA}: {exc}", where=str(path)) from exc


def load_all(facts_dir: Path) -> dict[str, HostFacts]:
    """Host id -> facts for every `*.json` in `facts_dir` (empty when the folder is missing)."""
    if not facts_dir.is_dir():
        return {}
    loaded = (read_facts(p) for p in sorted(facts_dir.glob("*.json")))
    return {f.host: f for f in loaded}


def _build(cls: type, raw: dict[str, Any]) -> Any:
    if not isinstance(raw, dict):
        raise TypeError(f"{cls.__name__} must be a mapping")
    known = {f.name for f in fields(cls)}
    nested = _NESTED.get(cls, {})
    values: dict[str, Any] = {}
    for key, value in raw.items():
        if key not in known:
            raise ValueError(f"unknown key {key!r} in {cls.__name__}")
        values[key] = _value(key, value, nested.get(key))
    return cls(**values)


def _value(key: str, value: Any, nested: type | None) -> Any:
    if nested is None:
        return _tuple_if_list(value)
    if isinstance(value, dict):
        return _build(nested, value)
    if not isinstance(value, list):
        raise TypeError(f"{key} must be a list")
    return tuple(_build(nested, item) for item in value)


def _tuple_if_list(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value
