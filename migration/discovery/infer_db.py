"""The app's databases and the config rewrites deploy needs, from the facts of all its hosts.

A server database is the app's when a session from the app's own process (matched by client
address and port) or from its host holds it, or when the app's config names it; a file database
is a SQLite file under the app's paths. A host or address of the estate written in the app's
config becomes a rewrite with a placeholder (`{db_ip}`, `{target:<host>}`) resolved at deploy.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterator
from dataclasses import dataclass

from migration.discovery.hostview import HostView, under
from migration.discovery.infer_host import Found
from migration.discovery.layout_facts import ConfigLine, DbCatalog, DbSession
from migration.inventory.model import Application, Estate
from migration.profile.model import Database, Provenance, Rewrite

SYSTEM_DATABASES = frozenset({"postgres", "template0", "template1", "mysql", "information_schema",
                              "performance_schema", "sys"})
DEFAULT_PORTS = {"postgresql": 5432, "mariadb": 3306, "mysql": 3306}


@dataclass(frozen=True)
class AppLine:
    host: str
    line: ConfigLine


def app_lines(views: dict[str, HostView], found: dict[str, Found]) -> list[AppLine]:
    """Lines of the app's own config and code files on each of its hosts."""
    out = []
    for host, f in found.items():
        mine = (*f.code, *f.config)
        out += [AppLine(host, c) for c in views[host].layout.config_lines if any(under(c.path, p) for p in mine)]
    return out


@dataclass(frozen=True)
class EstateIndex:
    """Lookups built once per discovery (an estate can hold 60,000 hosts)."""

    tokens: dict[str, tuple[str, bool]]  # host id or ip -> (host id, is an address)
    by_ip: dict[str, str]

    @classmethod
    def of(cls, estate: Estate) -> EstateIndex:
        tokens = {h.id: (h.id, False) for h in estate.hosts.values()}
        by_ip = {h.ip: h.id for h in estate.hosts.values() if h.ip}
        tokens.update({ip: (host, True) for ip, host in by_ip.items()})
        return cls(tokens, by_ip)


def named_hosts(text: str, tokens: dict[str, tuple[str, bool]]) -> Iterator[tuple[str, str, bool]]:
    """(token, host id, is address) for each estate host written in `text` as a whole word."""
    for word in re.findall(r"[A-Za-z0-9][A-Za-z0-9.-]*[A-Za-z0-9]", text):
        if word in tokens:
            yield word, *tokens[word]


def infer_databases(index: EstateIndex, app: Application, views: dict[str, HostView], found: dict[str, Found],
                    lines: list[AppLine]) -> tuple[Database, ...]:
    named = {host for al in lines for _, host, _ in named_hosts(al.line.text, index.tokens)}
    candidates = [h for h in dict.fromkeys((*app.all_hosts, *sorted(named))) if h in views]
    dbs = [db for host in candidates for db in _server_dbs(index, views, found, lines, host)]
    if app.db_host and not any(d.host == app.db_host for d in dbs):
        dbs.append(_unknown_db(views.get(app.db_host), app.db_host))
    dbs += _connected_elsewhere(index, views, found, {d.host for d in dbs})
    return tuple(dbs) + _file_dbs(views, found)


def _connected_elsewhere(index: EstateIndex, views: dict[str, HostView], found: dict[str, Found],
                         known: set[str]) -> list[Database]:
    """A database port the app's own process is connected to, on an estate host where no database
    was tied to the app (its catalog unreadable or not discovered): named, for review."""
    extra: dict[str, Database] = {}
    for host, f in found.items():
        for socket in views[host].facts.connections:
            engine = {5432: "postgresql", 3306: "mariadb"}.get(socket.peer_port)
            peer = index.by_ip.get(socket.peer_address) or (host if socket.peer_address.startswith("127.") else None)
            if engine and socket.pid in f.pids and peer and peer not in known and peer not in extra:
                reason = (f"pid {socket.pid} on {host} is connected to {socket.peer_address}:{socket.peer_port}, "
                          f"but no database there could be tied to the app; fill in the names")
                extra[peer] = Database(engine, peer, ("unknown",), "", socket.peer_port,
                                       prov=Provenance(f"ss on {host}", "needs-review", reason))
    return list(extra.values())


def _server_dbs(index: EstateIndex, views: dict[str, HostView], found: dict[str, Found], lines: list[AppLine],
                host: str) -> list[Database]:
    view = views[host]
    by_engine: dict[str, dict[str, str]] = {}  # engine -> name -> evidence
    for entry in (c for c in view.layout.db_catalog if c.name not in SYSTEM_DATABASES):
        why = _session_evidence(index, views, found, host, entry) or _named_in(lines, entry.name)
        if why:
            by_engine.setdefault(entry.engine, {})[entry.name] = why
    catalog = {(c.engine, c.name): c for c in view.layout.db_catalog}
    return [_database(view, host, engine, names, catalog) for engine, names in by_engine.items()]


def _database(view: HostView, host: str, engine: str, names: dict[str, str],
              catalog: dict[tuple[str, str], DbCatalog]) -> Database:
    owners = sorted({catalog[(engine, n)].owner.split(",")[0] for n in names} - {""})
    flavour = _flavour(view, engine)
    servers = [d for d in view.facts.databases if d.engine == flavour and d.ports]
    port = servers[0].ports[0] if servers else DEFAULT_PORTS[flavour]
    evidence = "; ".join(f"{n} ({_size(catalog[(engine, n)].size_bytes)}): {why}" for n, why in sorted(names.items()))
    prov = Provenance(evidence)
    if len(owners) > 1:
        prov = Provenance(evidence, "needs-review", f"the databases have different owners ({', '.join(owners)})")
    return Database(flavour, host, tuple(sorted(names)), owners[0] if owners else "", port, prov=prov)


def _size(size: int) -> str:
    return f"{size / 2**30:.1f} GiB" if size >= 2**30 else f"{size / 2**20:.1f} MiB"


def _flavour(view: HostView, engine: str) -> str:
    """mariadb or mysql for the MySQL protocol, as the server binary on the host says."""
    if engine == "postgresql":
        return engine
    kinds = {d.engine for d in view.facts.databases} & {"mariadb", "mysql"}
    return kinds.pop() if len(kinds) == 1 else "mariadb"


def _session_evidence(index: EstateIndex, views: dict[str, HostView], found: dict[str, Found], host: str,
                      entry: DbCatalog) -> str:
    for session in (s for s in views[host].layout.db_sessions if s.database == entry.name):
        client = _client_host(index, host, session)
        if client is None or client not in found:
            continue
        pid = _client_pid(views.get(client), found[client], session)
        if pid:
            return f"pid {pid} on {client} holds a session as {session.user}"
        if found[client].pids:
            return f"a session from {client} (an app host) as {session.user}"
    return ""


def _client_host(index: EstateIndex, here: str, session: DbSession) -> str | None:
    if session.client == "local":
        return here
    try:
        if ipaddress.ip_address(session.client).is_loopback:
            return here
    except ValueError:
        return None
    return index.by_ip.get(session.client)


def _client_pid(view: HostView | None, found: Found, session: DbSession) -> int:
    if view is None or not session.client_port:
        return 0
    for socket in view.facts.connections:
        if socket.port == session.client_port and socket.pid in found.pids:
            return socket.pid
    return 0


def _named_in(lines: list[AppLine], name: str) -> str:
    """Where the app's config names database `name`: a line about a database first."""
    pattern = re.compile(rf"(?<![\w$]){re.escape(name)}(?![\w$])")
    about_db = re.compile(r"(?i)db|database|schema")
    for al in sorted(lines, key=lambda al: not about_db.search(al.line.text.replace(name, ""))):
        if pattern.search(al.line.text):
            return f"named in {al.line.path}:{al.line.line} on {al.host}"
    return ""


def _unknown_db(view: HostView | None, host: str) -> Database:
    engines = [d.engine for d in view.facts.databases if d.running] if view else []
    engine = engines[0] if engines else "postgresql"
    candidates = sorted({c.name for c in view.layout.db_catalog if c.name not in SYSTEM_DATABASES}) if view else []
    reason = (f"no session or config ties a database on {host} to the app; candidates: {', '.join(candidates[:8])}"
              if candidates else f"no database catalog could be read on {host}; fill in the names")
    return Database(engine, host, ("unknown",), "", DEFAULT_PORTS.get(engine),
                    prov=Provenance("the inventory names it the app's db_host", "needs-review", reason))


def _file_dbs(views: dict[str, HostView], found: dict[str, Found]) -> tuple[Database, ...]:
    dbs = []
    for host, f in found.items():
        opened = {o.path for pid in f.pids if (p := views[host].procs.get(pid)) for o in p.open_files}
        for magic in views[host].layout.file_dbs:
            if magic.path in opened or any(under(magic.path, p) for p in (*f.code, *f.data)):
                owner = views[host].paths.get(magic.path)
                dbs.append(Database(magic.engine, host, owner=owner.user if owner else "", path=magic.path,
                                    prov=Provenance(f"{magic.path} starts with the SQLite magic bytes")))
    return tuple(dbs)


def infer_rewrites(index: EstateIndex, found: dict[str, Found], lines: list[AppLine],
                   databases: tuple[Database, ...]) -> tuple[Rewrite, ...]:
    tokens = index.tokens
    db_hosts = {d.host for d in databases if not d.is_file}
    rewrites: dict[tuple[str, str, str], Rewrite] = {}
    for al in lines:
        new = al.line.text.replace("{", "{{").replace("}", "}}")  # literal braces, as str.format
        hits = list(named_hosts(new, tokens))
        for token, host, is_ip in hits:
            placeholder = _placeholder(host, is_ip, db_hosts, set(found))
            new = re.sub(rf"(?<![\w.-]){re.escape(token)}(?![\w-]|\.\w)", placeholder, new)
        if hits:
            key = (al.host, al.line.path, al.line.text)
            rewrites.setdefault(key, _rewrite(al, new))
    return tuple(rewrites.values())


def _placeholder(host: str, is_ip: bool, db_hosts: set[str], app_hosts: set[str]) -> str:
    if host in db_hosts:
        return "{db_ip}" if is_ip else "{db_host}"
    if host in app_hosts:
        return "{app_ip}" if is_ip else "{app_host}"
    return f"{{target_ip:{host}}}" if is_ip else f"{{target:{host}}}"


def _rewrite(al: AppLine, new: str) -> Rewrite:
    evidence = f"{al.line.path}:{al.line.line} on {al.host} names an estate host"
    prov = Provenance(evidence)
    if "***" in al.line.text or al.line.text.endswith("…"):
        prov = Provenance(evidence, "needs-review", "the line was masked or cut in the facts; write old and new by hand")
    return Rewrite(al.host, al.line.path, al.line.text, new, prov)
