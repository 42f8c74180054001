"""The one profile reader: YAML in, a validated `Profile` out, every problem as
`file:line: field: problem` (the field as a path, e.g. `hosts.web1.data[0].path`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from migration.inventory.readers import KEY_LINES, LINE, Problems
from migration.profile import fields as f
from migration.profile import model as m
from migration.profile.source import read_bounded

Spec = dict[str, tuple[f.Parser, bool]]  # key -> (parser, required)
_PROV: Spec = {"evidence": (lambda raw: f.text(raw, 2048), False), "status": (f.enum(*m.STATUSES), False),
               "reason": (f.text, False)}
ENTRIES: dict[str, tuple[type, Spec]] = {
    "services": (m.Service, {"name": (f.service_name, True), "init": (f.enum(*m.INIT_SYSTEMS), True),
                             "start": (f.command, True), "stop": (f.command, True), "check": (f.command, True),
                             "run_as": (f.posix_name, False), "file": (f.path, False)}),
    "code": (m.PathEntry, {"path": (f.path, True)}),
    "config": (m.PathEntry, {"path": (f.path, True)}),
    "data": (m.PathEntry, {"path": (f.path, True)}),
    "logs": (m.PathEntry, {"path": (f.path, True)}),
    "users": (m.UserEntry, {"name": (f.posix_name, True), "uid": (f.ident_number, True),
                            "gid": (f.ident_number, True)}),
    "groups": (m.GroupEntry, {"name": (f.posix_name, True), "gid": (f.ident_number, True)}),
    "cron": (m.CronEntry, {"user": (f.posix_name, True), "schedule": (f.schedule, True),
                           "command": (f.command, True), "source": (f.cron_source, False)}),
    "packages": (m.PackageEntry, {"name": (f.package, True), "version": (f.version, True)}),
    "ports": (m.PortEntry, {"port": (f.port, True)}),
    "databases": (m.Database, {"engine": (f.enum(*m.ENGINES), True), "host": (f.host_id, True),
                               "names": (f.names, False), "owner": (f.owner, False), "port": (f.port, False),
                               "path": (f.path, False)}),
    "health": (m.HealthCheck, {"path": (f.url_path, True), "port": (f.port, True),
                               "expect_status": (f.integer(100, 599), False), "body_match": (f.text, False)}),
    "rewrites": (m.Rewrite, {"host": (f.host_id, True), "file": (f.path, True), "old": (f.command, True),
                             "new": (f.template, True)}),
}
_TOP: Spec = {"format": (f.format_version, True), "app": (f.host_id, True), "reviewed": (f.boolean, False),
              "version": (f.integer(1, 1_000_000), False), "source": (f.enum("discovery", "conventional", "hand"),
                                                                      False),
              "taken_at": (f.text, False)}
_LISTS = ("hosts", "databases", "health", "rewrites")


@dataclass
class _Ctx:
    file: Path
    problems: Problems

    def add(self, line: int | None, where: str, message: str) -> None:
        self.problems.add(self.file, line, where, message)


def check_profile(path: Path) -> tuple[m.Profile | None, list[str]]:
    """(profile or None, every problem found)."""
    problems = Problems()
    ctx = _Ctx(Path(path), problems)
    document = read_bounded(ctx.file, problems)
    if document is None and not problems:
        problems.add(ctx.file, None, None, "empty file: expected a profile mapping")
    if problems:
        return None, problems.lines
    profile = _profile(ctx, document)
    return (profile if not problems else None), problems.lines


def _profile(ctx: _Ctx, raw: Any) -> m.Profile | None:
    if not isinstance(raw, dict):
        ctx.add(1, "", "expected a mapping (format, app, hosts, ...)")
        return None
    top = _record(ctx, raw, "", _TOP, extra=_LISTS)
    layouts = _hosts(ctx, raw)
    databases = tuple(_entries(ctx, raw, "databases", "databases"))
    rewrites = tuple(_entries(ctx, raw, "rewrites", "rewrites"))
    health = _health(ctx, raw)
    if top is None:
        return None
    profile = m.Profile(app=top["app"], layouts=layouts, databases_=databases, health=health, rewrites_=rewrites,
                        reviewed=top.get("reviewed", False), version=top.get("version", 1),
                        source=top.get("source", "discovery"), taken_at=top.get("taken_at", ""))
    _check_whole(ctx, raw, profile)
    return profile


def _hosts(ctx: _Ctx, raw: dict[str, Any]) -> tuple[m.HostLayout, ...]:
    hosts = raw.get("hosts")
    line = _key_line(raw, "hosts")
    empty = hosts is None or (isinstance(hosts, dict) and not _keys(hosts))
    if "hosts" in raw and empty and raw.get("reviewed") is not True:
        return ()  # a proposal for an app of which discovery found nothing running (yet)
    if not isinstance(hosts, dict) or not _keys(hosts):
        ctx.add(line, "hosts", "expected a mapping of host id -> layout, with at least one host")
        return ()
    layouts = []
    for host in _keys(hosts):
        where, host_line = f"hosts.{host}", _key_line(hosts, host)
        try:
            f.host_id(host)
        except ValueError as exc:
            ctx.add(host_line, where, str(exc))
            continue
        body = hosts[host] if hosts[host] is not None else {}
        if not isinstance(body, dict):
            ctx.add(host_line, where, "expected a mapping of services, code, config, data, ...")
            continue
        _unknown(ctx, body, where, set(m.HostLayout.__dataclass_fields__) - {"host"})
        sections = {name: tuple(_entries(ctx, body, name, f"{where}.{name}"))
                    for name in ("services", "code", "config", "data", "logs", "users", "groups", "cron",
                                 "packages", "ports")}
        layouts.append(m.HostLayout(host, **sections))
    return tuple(layouts)


def _health(ctx: _Ctx, raw: dict[str, Any]) -> m.HealthCheck | None:
    body = raw.get("health")
    if body is None:
        return None
    if not isinstance(body, dict):
        ctx.add(_key_line(raw, "health"), "health", "expected a mapping (path, port, expect_status, body_match)")
        return None
    cls, spec = ENTRIES["health"]
    health: m.HealthCheck | None = _build(ctx, cls, body, "health", spec)
    return health


def _entries(ctx: _Ctx, raw: dict[str, Any], key: str, where: str) -> list[Any]:
    items = raw.get(key)
    if items is None:
        return []
    if not isinstance(items, list):
        ctx.add(_key_line(raw, key), where, "expected a list")
        return []
    cls, spec = ENTRIES[key]
    built = []
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            ctx.add(_key_line(raw, key), f"{where}[{index}]", "expected a mapping")
            continue
        entry = _build(ctx, cls, item, f"{where}[{index}]", spec)
        if entry is not None:
            built.append(entry)
    return built


def _build(ctx: _Ctx, cls: type, raw: dict[str, Any], where: str, spec: Spec) -> Any:
    values = _record(ctx, raw, where, {**spec, **_PROV})
    if values is None:
        return None
    prov = m.Provenance(values.pop("evidence", ""), values.pop("status", "inferred"), values.pop("reason", ""))
    if prov.needs_review and not prov.reason:
        ctx.add(_key_line(raw, "status"), f"{where}.reason", "needs-review without a reason")
    return _check_entry(ctx, raw, where, cls(**values, prov=prov))


def _record(ctx: _Ctx, raw: dict[str, Any], where: str, spec: Spec,
            extra: tuple[str, ...] = ()) -> dict[str, Any] | None:
    """The typed values of one mapping, or None when any key is wrong (all reported)."""
    ok = _unknown(ctx, raw, where, set(spec) | set(extra))
    values: dict[str, Any] = {}
    for key, (parse, required) in spec.items():
        name = f"{where}.{key}" if where else key
        if raw.get(key) is None:
            if required:
                ctx.add(raw.get(LINE), name, "missing required key")
                ok = False
            continue
        try:
            values[key] = parse(raw[key])
        except ValueError as exc:
            ctx.add(_key_line(raw, key), name, str(exc))
            ok = False
    return values if ok else None


def _unknown(ctx: _Ctx, raw: dict[str, Any], where: str, known: set[str]) -> bool:
    bad = [k for k in _keys(raw) if k not in known]
    for key in bad:
        ctx.add(_key_line(raw, key), f"{where}.{key}" if where else str(key), "unknown key")
    return not bad


def _check_entry(ctx: _Ctx, raw: dict[str, Any], where: str, entry: Any) -> Any:
    if isinstance(entry, m.Database):
        server = entry.engine in m.SERVER_ENGINES
        if server and not entry.names:
            ctx.add(raw.get(LINE), f"{where}.names", f"a {entry.engine} database needs its database names")
            return None
        if not server and not entry.path:
            ctx.add(raw.get(LINE), f"{where}.path", f"a {entry.engine} database needs the path of its file")
            return None
    return entry


def _check_whole(ctx: _Ctx, raw: dict[str, Any], profile: m.Profile) -> None:
    from migration.profile.walk import entries

    if profile.reviewed:
        for where, reason in profile.open_questions():
            ctx.add(_key_line(raw, "reviewed"), where, f"still needs review ({reason}) in a reviewed profile")
    seen: dict[tuple[str, str], str] = {}
    for where, item in entries(profile):
        section = where.rsplit("[", 1)[0]
        key = (section, repr({k: v for k, v in vars(item).items() if k != "prov"}))
        if key in seen:
            ctx.add(raw.get(LINE), where, f"repeats {seen[key]}")
        seen.setdefault(key, where)


def _keys(raw: dict[str, Any]) -> list[str]:
    return [k for k in raw if k not in (LINE, KEY_LINES)]


def _key_line(raw: dict[str, Any], key: str) -> int | None:
    line: int | None = raw.get(KEY_LINES, {}).get(key, raw.get(LINE))
    return line

