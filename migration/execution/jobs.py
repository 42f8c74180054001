"""Per-phase job lists: what each host does in a phase, as the playbooks' `dcc_jobs` expect.

Pure functions of the wave's moves; the orchestrator passes the result as extra vars and
limits the run to the hosts that have jobs.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from migration.execution.datapath import INCOMING_REMOTE, STAGING_REMOTE, collected_dir
from migration.execution.layout import incoming_of, layout_of, placeholder_values, rewrites_for
from migration.execution.wave import AppMove, DbMove, Node

Jobs = dict[str, list[dict[str, Any]]]
FROZEN_REMOTE = "/var/lib/dcc/frozen"  # what a freeze changed, kept for the thaw (engine scripts)
RETAINED_REMOTE = "/var/lib/dcc-retained"  # decommissioned data and retention records, root only


def _jobs() -> defaultdict[str, list[dict[str, Any]]]:
    return defaultdict(list)


def app_argv(verb: str, m: AppMove, pair: tuple[Node, Node], *extra: str) -> list[str]:
    """One item for dcc-app.sh (playbooks/roles/dcc_engines): the verb, the app, `extra`, then the
    services (5 words each), the files of its cron jobs and, for start and retire, the data
    folders, all from the profile."""
    services = m.services_on(pair)
    argv = [verb, m.app, *extra, str(len(services))]
    for s in services:
        argv += [s.name, s.init, s.start, s.stop, s.check]
    legacy = m.legacy_of(pair)
    crons = m.profile.cron_files(legacy) if m.profile else ()
    argv += [str(len(crons)), *crons]
    if verb in ("start", "retire"):
        data = m.profile.data_paths(legacy) if m.profile else ()
        argv += [str(len(data)), *data]
    return argv


def db_dir(root: str, m: AppMove, d: DbMove) -> str:
    """A database's own folder among the app's dumps (staging on its source, incoming on its target)."""
    return f"{root}/{m.app}/db/{d.key}"


def engine_job(kind: str, m: AppMove, d: DbMove, *argv: str, **extra: Any) -> dict[str, Any]:
    """One run of a database's engine script (playbooks/roles/dcc_engines/files): same verbs for
    every engine, so the roles never branch on the engine."""
    return {"kind": kind, "app": m.app, "key": f"{m.app}:db:{d.key}", "script": d.script,
            "argv": list(argv), **extra}


def _moving(moves: list[AppMove]) -> list[AppMove]:
    """Apps with a target (a retiring app has none: no preflight, restore or deploy)."""
    return [m for m in moves if not m.retiring]


def redirect_host(move: AppMove) -> str | None:
    """The host name a retiring app's route redirects to: its shared service's id, as a DNS label."""
    return move.shared_service.lower() if move.shared_service else None


def source_checks(m: AppMove, pair: tuple[Node, Node]) -> list[str]:
    """What the profile says the legacy host has, as (label, kind, value) triples for the source
    preflight: every path there, every service running, every port listening. The label names
    the profile file and field, so a mismatch is one line a reviewer can act on."""
    host = m.legacy_of(pair)
    p = m.profile
    if p is None:
        return ["0"]
    field = f"profiles/{m.app}.yaml: hosts.{host}"
    out: list[str] = []
    for section, paths in (("code", p.code_paths(host)), ("config", p.config_paths(host)),
                           ("data", p.data_paths(host))):
        for i, path in enumerate(paths):
            out += [f"{field}.{section}[{i}]", "path", path]
    for i, s in enumerate(p.services(host)):
        out += [f"{field}.services[{i}] ({s.name})", "service", s.check]
        if s.file:
            out += [f"{field}.services[{i}].file", "path", s.file]
    for i, port in enumerate(p.ports(host)):
        out += [f"{field}.ports[{i}]", "port", str(port)]
    for i, cron in enumerate(p.cron(host)):
        out += [f"{field}.cron[{i}] ({cron.source})", "path", cron.file]
    return [str(len(out) // 3), *out]


def target_checks(m: AppMove, pair: tuple[Node, Node]) -> list[str]:
    """What the target must offer the app: its users and groups free or already the same (name and
    id), its packages installed; as (label, kind, value...) items for the target preflight."""
    host = m.legacy_of(pair)
    p = m.profile
    if p is None:
        return ["0"]
    field = f"profiles/{m.app}.yaml: hosts.{host}"
    out: list[list[str]] = []
    for i, g in enumerate(p.groups(host)):
        out.append([f"{field}.groups[{i}]", "group", g.name, str(g.gid)])
    for i, u in enumerate(p.users(host)):
        out.append([f"{field}.users[{i}]", "user", u.name, str(u.uid)])
    for i, pkg in enumerate(p.packages(host)):
        out.append([f"{field}.packages[{i}]", "package", pkg.name, pkg.version])
    return [str(len(out)), *(word for item in out for word in item)]


def preflight(moves: list[AppMove]) -> Jobs:
    """Sources: the app is there as its profile says (one line naming file, field and host if
    not), its data measured. Targets: tools, room for twice the data, its ports free."""
    jobs = _jobs()
    for m in _moving(moves):
        for pair in m.web:
            src, tgt = pair
            key = f"{m.app}:app"
            data = m.profile.data_paths(m.legacy_of(pair)) if m.profile else ()
            ports = m.profile.ports(m.legacy_of(pair)) if m.profile else ()
            checks = [s.check for s in m.services_on(pair)]
            jobs[src.id].append({"side": "source", "kind": "app", "key": key, "app": m.app,
                                 "argv": ["app", key, *source_checks(m, pair), str(len(data)), *data]})
            jobs[tgt.id].append({"side": "target", "kind": "app", "key": key, "app": m.app, "source": src.id,
                                 "argv": [str(len(ports)), *map(str, ports), data[0] if data else "/",
                                          str(len(checks)), *checks, *target_checks(m, pair)]})
        for d in m.databases:
            # Its source measures it; a server database's target checks its engine has room for it
            # (a file database is measured and placed with its data folder).
            jobs[d.pair[0].id].append(engine_job("db", m, d, "size", d.name, side="source"))
            if not d.is_file:
                jobs[d.pair[1].id].append(engine_job("db", m, d, "room", side="target", source=d.pair[0].id))
    return dict(jobs)


def backup(moves: list[AppMove], *, maintenance: bool = True) -> Jobs:
    """The write freeze, in order, then the dump: the backup playbook runs each kind in a play of
    its own, and a play starts only when the one before it has finished on every host.

    1. `route` (with `maintenance`): the portal answers 503 "moving" itself and waits until no
       request is on its way to the app any more;
    2. `freeze`: every service of the app stops on every source;
    3. `dump`: the database refuses new sessions (ends the app's open ones), then one snapshot.
    A retiring app is frozen too: its backup is the last copy of its data before it redirects."""
    jobs = _jobs()
    if maintenance:
        for host, items in route(moves, to_source=True, kind="route", mode="maintenance").items():
            jobs[host].extend(items)
    for m in moves:
        for pair in m.web:
            jobs[pair[0].id].append({"kind": "freeze", "app": m.app, "argv": app_argv("freeze", m, pair)})
        for d in m.databases:
            jobs[d.pair[0].id].append(engine_job("dump", m, d, "dump", d.name, d.owner,
                                                 db_dir(STAGING_REMOTE, m, d), FROZEN_REMOTE))
    return dict(jobs)


def collect(moves: list[AppMove], staging: Path) -> Jobs:
    """The `ansible` data path: archive each app's tree and data (its profile's paths) on its
    primary source and its dump on its database source, and fetch both to the controller (the
    rsync path pulls the same)."""
    jobs = _jobs()
    for m in moves:
        dest = collected_dir(staging, m.app)
        paths = [p.lstrip("/") for p in layout_of(m).all]
        jobs[m.primary[0].id].append({"kind": "files", "app": m.app, "dest": str(dest / "files.tar"),
                                      "paths": paths})
        for host in dict.fromkeys(d.pair[0].id for d in m.databases):
            # Every dump folder the host holds for the app, in one archive per host.
            jobs[host].append({"kind": "db", "app": m.app, "dest": str(dest / f"db-{host}.tar")})
    return dict(jobs)


def deliver(moves: list[AppMove], outboxes: dict[str, Path]) -> Jobs:
    """The `ansible` data path: unpack each app's archives (`datapath.pack`) into the temp paths
    the rsync path pushes to; an app's tree before the dump folder inside it. A part with nothing
    in it has no archive: its temp path is only made, empty (`archive` is "")."""
    jobs = _jobs()

    def job(m: AppMove, name: str, dest: str) -> dict[str, Any]:
        archive = outboxes[m.app] / name
        return {"app": m.app, "archive": str(archive) if archive.exists() else "", "dest": dest}
    for m in _moving(moves):
        tgt = m.primary[1].id
        for i, path in enumerate(layout_of(m).data):
            jobs[tgt].append(job(m, f"data-{i}.tar", incoming_of(path)))
        jobs[tgt].append(job(m, "files.tar", f"{INCOMING_REMOTE}/{m.app}"))
        for host in dict.fromkeys(d.pair[1].id for d in m.databases):
            jobs[host].append(job(m, f"db-{host}.tar", f"{INCOMING_REMOTE}/{m.app}/db"))
    return dict(jobs)


def _clients(m: AppMove) -> list[str]:
    """The addresses the app connects to its databases from once it has moved: every service host's
    target (each gets its own database account and access line), the primary's when it has none."""
    return list(dict.fromkeys(t.ip for _, t in m.web)) or [m.primary[1].ip]


def restore(moves: list[AppMove], digests: dict[str, str]) -> Jobs:
    jobs = _jobs()
    for m in _moving(moves):
        digest = digests[m.app]
        jobs[m.primary[1].id].append({"kind": "app", "app": m.app, "digest": digest,
                                      "data": list(layout_of(m).data)})
        clients = _clients(m)
        access: dict[tuple[str, str], list[str]] = {}
        for d in m.databases:
            # A server database is loaded into its target's server and compared there, before the
            # app's data is placed; a file database is checked once its data folder is in place.
            argv = ["restore", d.name, d.owner, db_dir(INCOMING_REMOTE, m, d), ",".join(clients), digest]
            jobs[d.pair[1].id].append(engine_job("filedb" if d.is_file else "db", m, d, *argv))
            if not d.is_file:
                triples = access.setdefault((d.pair[1].id, d.script), [])
                for client in clients:
                    triples.extend([d.name, d.owner, client])
        for (host, script), triples in access.items():
            jobs[host].insert(0, {"kind": "access", "app": m.app, "script": script, "argv": ["access", *triples]})
    return dict(jobs)


def deploy(moves: list[AppMove], moved: dict[str, str] | None = None, ips: dict[str, str] | None = None) -> Jobs:
    """Install each app's tree from the incoming folder, its profile's config rewrites applied
    (`moved` maps legacy host ids to their targets, `ips` host ids to addresses, for the
    placeholders), then its services (re)started and enabled: one dcc-app.sh `deploy` item."""
    jobs = _jobs()
    for m in _moving(moves):
        layout = layout_of(m)
        rewrites = rewrites_for(m, placeholder_values(m, moved or {}, ips or {}))
        argv = app_argv("deploy", m, m.primary, f"{INCOMING_REMOTE}/{m.app}")
        argv += [str(len(layout.tree)), *layout.tree, str(len(layout.data)), *layout.data, str(len(rewrites))]
        argv += [part for rewrite in rewrites for part in rewrite]
        legacy = m.legacy_primary
        groups = m.profile.groups(legacy) if m.profile else ()
        users = m.profile.users(legacy) if m.profile else ()
        argv += [str(len(groups)), *(w for g in groups for w in (g.name, str(g.gid)))]
        argv += [str(len(users)), *(w for u in users for w in (u.name, str(u.uid), str(u.gid)))]
        jobs[m.primary[1].id].append({"app": m.app, "argv": argv})
    return dict(jobs)


def route(moves: list[AppMove], *, to_source: bool, kind: str | None = None, mode: str | None = None) -> Jobs:
    """Portal routes: to the source or the target (`mode` maintenance: the portal answers itself)."""
    jobs = _jobs()
    for m in moves:
        backend = m.primary[0] if to_source else m.primary[1]
        job: dict[str, Any] = {"app": m.app, "service": m.service, "backend": backend.ip, "port": m.port}
        if mode:
            job["mode"] = mode
        elif m.retiring and not to_source:
            job["redirect"] = redirect_host(m) or ""  # "" answers 410 Gone
        if kind:
            job["kind"] = kind
        jobs[m.portal.id].append(job)
    return dict(jobs)


def decommission(moves: list[AppMove], retain_days: int, today: date | None = None) -> Jobs:
    today = today or date.today()
    until = (today + timedelta(days=retain_days)).isoformat()
    stamp = today.strftime("%Y%m%d")
    jobs = _jobs()
    for m in moves:
        for pair in m.web:
            jobs[pair[0].id].append({"kind": "app", "app": m.app, "argv": app_argv("retire", m, pair, until, stamp)})
        for d in m.servers:
            # The source database is closed to connections, not dropped: it is the retained copy.
            jobs[d.pair[0].id].append(engine_job("db", m, d, "close", m.app, d.name, RETAINED_REMOTE, until,
                                                 stamp, FROZEN_REMOTE))
        # The transfer's copies (the dump with the role's password hash, the pulled and pushed
        # trees with config files) are not needed once the app has moved: object storage holds
        # the backup, the source its retained copy.
        copies = [f"{STAGING_REMOTE}/{m.app}", f"{INCOMING_REMOTE}/{m.app}"]
        for host in dict.fromkeys([*m.sources, *([] if m.retiring else m.targets)]):
            jobs[host].append({"kind": "forget", "app": m.app, "paths": copies})
    return dict(jobs)


def rollback(moves: list[AppMove]) -> Jobs:
    jobs = _jobs()
    for m in moves:
        for d in m.servers:
            # Before the app starts: the source database takes connections again (the freeze's
            # or a decommission's closing undone).
            jobs[d.pair[0].id].append(engine_job("reopen", m, d, "thaw", d.name, FROZEN_REMOTE))
        for pair in m.web:
            jobs[pair[0].id].append({"kind": "start", "app": m.app, "argv": app_argv("start", m, pair)})
            if not m.retiring:
                jobs[pair[1].id].append({"kind": "stop", "app": m.app, "argv": app_argv("stop", m, pair)})
    for host, items in route(moves, to_source=True, kind="route").items():
        jobs[host].extend(items)
    return dict(jobs)


def serve(moves: list[AppMove]) -> Jobs:
    """After cutover, on each target that now serves an app with cron jobs: the app's `start` item
    (services already running; its cron jobs, off since the freeze, come on)."""
    jobs = _jobs()
    for m in _moving(moves):
        for pair in m.web:
            if m.profile and m.profile.cron_files(m.legacy_of(pair)):
                jobs[pair[1].id].append({"kind": "start", "app": m.app, "argv": app_argv("start", m, pair)})
    return dict(jobs)


def hosts_of(moves: list[AppMove], jobs: Jobs) -> dict[str, list[str]]:
    """App -> the hosts that have a job for it in `jobs` (an app fails if any of them fails)."""
    out: dict[str, list[str]] = {m.app: [] for m in moves}
    for host, items in jobs.items():
        for item in items:
            if item["app"] in out and host not in out[item["app"]]:
                out[item["app"]].append(host)
    return out
