"""The work of one wave: which app moves from which legacy hosts to which targets.

Built from the plan file (docs/plan-format.md) and the estate model; everything after this
trusts these frozen objects. A bad wave number or a plan that names unknown hosts is a user
mistake naming the file and key.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from migration.errors import InputError
from migration.inventory.model import Application, Estate
from migration.profile.model import SERVER_ENGINES, Profile, Service

STEPS = ("preflight", "backup", "transfer", "deploy", "verify", "cutover", "decommission")
# An app replaced by a shared service (or retired) has no target: its backup is proven restorable,
# its route redirects to the shared service, then its source is decommissioned.
RETIRE_STEPS = ("backup", "verify", "cutover", "decommission")
LEAVING = ("replace", "retire")
# Each database engine is one script with the same verbs (playbooks/roles/dcc_engines/files):
# a new engine is a new script, never a branch in a phase.
ENGINE_SCRIPTS = {"postgresql": "dcc-postgresql.sh", "mariadb": "dcc-mariadb.sh", "mysql": "dcc-mariadb.sh",
                  "sqlite": "dcc-filedb.sh", "file": "dcc-filedb.sh"}


@dataclass(frozen=True)
class Node:
    """One host the pipeline touches: id and address."""

    id: str
    ip: str


@dataclass(frozen=True)
class DbMove:
    """One database of an app, as its profile names it, and the host pair that moves it.

    A server database (PostgreSQL, MariaDB) is dumped on its host and restored into the target's
    server; a file database (SQLite, any file) moves inside its data folder and is checked on
    both sides. `key` names its folder among the app's dumps."""

    key: str
    engine: str
    name: str  # the database's name, or the file's absolute path
    owner: str  # the owning role or account; for a file, the user that owns it
    pair: tuple[Node, Node]
    field: str  # where the profile names it, for messages

    @property
    def script(self) -> str:
        return ENGINE_SCRIPTS[self.engine]

    @property
    def is_file(self) -> bool:
        return self.engine not in SERVER_ENGINES


@dataclass(frozen=True)
class AppMove:
    """One app of a wave: its service hosts and (for web-db) its database host, each source -> target."""

    app: str
    archetype: str
    port: int
    service: str
    wave: int
    web: tuple[tuple[Node, Node], ...]
    db: tuple[Node, Node] | None
    portal: Node
    retiring: bool = False  # replace/retire: no target; each pair is (source, source)
    shared_service: str | None = None  # where a retiring app's route redirects (None: 410 Gone)
    failback: bool = False  # the move back after a cutover: each pair is (target, source)
    profile: Profile | None = None  # how the app lives on its legacy hosts (set by the session)

    @property
    def steps(self) -> tuple[str, ...]:
        return RETIRE_STEPS if self.retiring else STEPS

    @property
    def databases(self) -> tuple[DbMove, ...]:
        """Every database of the app, from its profile, each with the pair of hosts that moves it
        (a database on a host that is none of the app's is a mistake in the profile)."""
        if self.profile is None:
            return ()
        pairs = {self.legacy_of(pair): pair for pair in self.pairs}
        out: list[DbMove] = []
        for i, d in enumerate(self.profile.databases()):
            where = f"profiles/{self.app}.yaml: databases[{i}]"
            pair = pairs.get(d.host)
            if pair is None:
                raise InputError(f"{d.host!r} is none of the app's hosts ({', '.join(pairs)})", where=f"{where}.host")
            if d.engine not in ENGINE_SCRIPTS:
                raise InputError(f"no engine moves {d.engine!r} (known: {', '.join(ENGINE_SCRIPTS)})",
                                 where=f"{where}.engine")
            if d.is_file and not any(d.path.startswith(folder.rstrip("/") + "/")
                                     for folder in self.profile.data_paths(d.host)):
                raise InputError(f"{d.path} is in none of the data folders of {d.host} "
                                 "(a file database moves inside its data folder: add the folder to `data`)",
                                 where=f"{where}.path")
            names = (d.path,) if d.is_file else d.names
            for name in names:
                out.append(DbMove(str(len(out)), d.engine, name, d.owner or name, pair, where))
        return tuple(out)

    @property
    def servers(self) -> tuple[DbMove, ...]:
        """The server databases: dumped on their host, restored into the target's server."""
        return tuple(d for d in self.databases if not d.is_file)

    @property
    def pairs(self) -> tuple[tuple[Node, Node], ...]:
        """Every (from, to) host pair of the app: its service hosts, then its database host."""
        return tuple(dict.fromkeys([*self.web, *([self.db] if self.db else [])]))

    @property
    def sources(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(s.id for s, _ in self.pairs))

    @property
    def targets(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(t.id for _, t in self.pairs))

    @property
    def legacy_primary(self) -> str:
        """The legacy host whose layout (in the profile) the primary pair moves."""
        return self.legacy_of(self.primary)

    def legacy_of(self, pair: tuple[Node, Node]) -> str:
        """The legacy host of a (from, to) pair: its layout is what moves, either way."""
        return pair[1].id if self.failback else pair[0].id

    def services_on(self, pair: tuple[Node, Node]) -> tuple[Service, ...]:
        """The app's services on the pair's legacy host (the profile's), which run on either side."""
        return self.profile.services(self.legacy_of(pair)) if self.profile else ()

    @property
    def primary(self) -> tuple[Node, Node]:
        """The pair whose target serves the app behind the portal."""
        return self.web[0]

    def backup_prefix(self, estate: str, stamp: str) -> str:
        # Each backup gets its own place (`stamp` names it), so no backup ever overwrites another.
        return f"{estate}/{self.app}/wave-{self.wave}" + ("-failback" if self.failback else "") + f"/{stamp}"

    def reversed(self) -> AppMove:
        """The same app moving back: from its targets (which served since cutover) to its sources."""
        db = (self.db[1], self.db[0]) if self.db else None
        return replace(self, web=tuple((t, s) for s, t in self.web), db=db, failback=not self.failback)


def read_plan(path: Path, estate: Estate | None = None, *, accept_mismatch: bool = False,
              on_accept: Callable[[str], None] | None = None) -> dict[str, Any]:
    """The plan file as the dict the functions below take, read and checked by the one plan reader
    (`migration.plan.reader`); with `estate`, a plan made for another estate or inventory is refused."""
    from migration.plan.io import plan_to_json
    from migration.plan.reader import read_plan as read_typed

    return plan_to_json(read_typed(path, estate, accept_mismatch=accept_mismatch, on_accept=on_accept))


def _node(estate: Estate, host_id: str, where: str) -> Node:
    host = estate.hosts.get(host_id)
    if host is None or not host.ip:
        raise InputError(f"host {host_id!r} is not in the estate or has no ip", where=where)
    return Node(host.id, host.ip)


def _move(estate: Estate, app: Application, mapping: dict[str, str], wave: int, where: str) -> AppMove:
    def target_of(src: str) -> str:
        tgt = mapping.get(src) or estate.hosts[src].target if src in estate.hosts else None
        if not tgt:
            raise InputError(f"no target for host {src!r} of app {app.id!r}", where=where)
        return tgt

    web_ids = [h for h in app.hosts if h != app.db_host] or list(app.hosts)
    web = tuple((_node(estate, h, where), _node(estate, target_of(h), where)) for h in web_ids)
    db = None
    if app.db_host and app.db_host not in web_ids:
        db = (_node(estate, app.db_host, where), _node(estate, target_of(app.db_host), where))
    if not estate.portal_host:
        raise InputError("estate has no portal_host", where="estate.yaml")
    return AppMove(
        app=app.id,
        archetype=app.archetype or "api",
        port=int(app.port or 8080),
        service=app.service or app.id,
        wave=wave,
        web=web,
        db=db,
        portal=_node(estate, estate.portal_host, "estate.yaml: portal_host"),
    )


def wave_moves(estate: Estate, plan: dict[str, Any], wave: int, plan_path: Path) -> list[AppMove]:
    """The app moves of wave `wave`, in plan order."""
    waves = {w.get("number"): w for w in plan["waves"]}
    where = f"{plan_path}: waves[number={wave}]"
    if wave not in waves:
        raise InputError(f"no wave {wave} in the plan (waves: {sorted(waves)})", where=str(plan_path))
    entry = waves[wave]
    mapping: dict[str, str] = {}
    for pair in entry.get("hosts", []):
        mapping[pair["source"]] = pair["target"]
    moves = []
    for app_id in entry.get("apps", []):
        app = estate.apps.get(app_id)
        if app is None:
            raise InputError(f"app {app_id!r} is not in the estate", where=where)
        moves.append(_move(estate, app, mapping, wave, where))
    return moves


def _retirement(estate: Estate, app: Application, wave: int, shared: str | None) -> AppMove:
    where = f"plan: apps[{app.id}]"
    web_ids = [h for h in app.hosts if h != app.db_host] or list(app.hosts)
    web = tuple((_node(estate, h, where), _node(estate, h, where)) for h in web_ids)
    db = (_node(estate, app.db_host, where),) * 2 if app.db_host and app.db_host not in web_ids else None
    if not estate.portal_host:
        raise InputError("estate has no portal_host", where="estate.yaml")
    return AppMove(app=app.id, archetype=app.archetype or "api", port=int(app.port or 8080),
                   service=app.service or app.id, wave=wave, web=web, db=db,
                   portal=_node(estate, estate.portal_host, "estate.yaml: portal_host"),
                   retiring=True, shared_service=shared)


def retirements(estate: Estate, plan: dict[str, Any], wave: int) -> list[AppMove]:
    """Apps the plan replaces or retires; the planner counts them as gone in wave 1, so they leave then."""
    if wave != 1:
        return []
    out = []
    for app_id, entry in sorted(plan.get("apps", {}).items()):
        if entry.get("strategy") in LEAVING:
            app = estate.apps.get(app_id)
            if app is None:
                raise InputError(f"app {app_id!r} is not in the estate", where=f"plan: apps[{app_id}]")
            out.append(_retirement(estate, app, wave, entry.get("shared_service")))
    return out


def batches(moves: list[AppMove], size: int) -> list[list[AppMove]]:
    """Greedy batches of about `size` source hosts; an app's hosts always stay together."""
    out: list[list[AppMove]] = []
    current: list[AppMove] = []
    count = 0
    for move in moves:
        n = len(move.sources)
        if current and count + n > size:
            out.append(current)
            current, count = [], 0
        current.append(move)
        count += n
    if current:
        out.append(current)
    return out
