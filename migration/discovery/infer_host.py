"""Infer what one app has on one host, following the chain: listening socket -> process (exe,
arguments, working dir, open files) -> the service that starts it -> the config it names -> the
data it writes -> the cron jobs that touch it -> the users and packages it needs.

A general mechanism: nothing here knows an app's name or a vendor's layout.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field

from migration.discovery.facts import CronJob
from migration.discovery.hostview import DATA_ROOTS, SYSTEM, HostView, paths_in, under
from migration.discovery.infer_service import expand, find_service
from migration.discovery.layout_facts import ConfigLine
from migration.profile.model import (
    CronEntry,
    GroupEntry,
    HostLayout,
    PackageEntry,
    PathEntry,
    PortEntry,
    Provenance,
    Service,
    UserEntry,
)

_SYSTEM_LIB = re.compile(r"/(usr/)?lib(64)?(/[a-z0-9_]+-linux-gnu[a-z0-9_]*)?\Z")
_CODE_ROOTS = ("/opt", "/var/www", "/usr/local")
_CONFIG_FILE = re.compile(r"\.(conf|cnf|cfg|ini|env|ya?ml|json|xml|properties|toml)$")
MAX_CONFIG_FILES = 20


@dataclass
class Found:
    """What the chain found on one host, each path with its evidence (first evidence wins)."""

    host: str
    pids: set[int] = field(default_factory=set)
    roots: list[int] = field(default_factory=list)
    services: list[Service] = field(default_factory=list)
    code: dict[str, str] = field(default_factory=dict)
    config: dict[str, str] = field(default_factory=dict)
    data: dict[str, str] = field(default_factory=dict)
    logs: dict[str, str] = field(default_factory=dict)
    run_users: set[str] = field(default_factory=set)
    cron: list[CronEntry] = field(default_factory=list)

    def owns(self, path: str) -> bool:
        return any(under(path, p) for p in (*self.code, *self.config, *self.data))


def infer_host(view: HostView, port: int | None, sole_app: bool) -> Found:
    found = Found(view.facts.host)
    listeners = [s for s in view.facts.listening if port and s.port == port and s.pid]
    for root in dict.fromkeys(view.root_of(s.pid) for s in listeners):
        pids = {s.pid for s in listeners if view.root_of(s.pid) == root} | {root}
        found.pids |= pids
        found.roots.append(root)
        service = find_service(view, pids, root)
        found.services.append(service)
        found.run_users |= {view.user_of(p) for p in pids} - {"", "root"}
        _from_process(view, found, root)
        _service_config(view, found, service)
    _named_paths(view, found)
    _owned_by_users(view, found)
    _written(view, found)
    _cron(view, found, sole_app)
    return found


def _add(bucket: dict[str, str], path: str, evidence: str) -> None:
    bucket.setdefault(path, evidence)


def _from_process(view: HostView, found: Found, root: int) -> None:
    """Code from the program and its arguments (not a package's), config from arguments under /etc."""
    proc = view.procs.get(root)
    if proc is None:
        return
    runs = [p for p in (proc.exe, *proc.args) if p and not view.package(p) and not _system(p)]
    for path in runs:
        if under(path, "/etc") or _CONFIG_FILE.search(path):
            _config(view, found, path, f"pid {root} is started with {path}")
        elif (home := _code_home(view, path)) is not None:
            _add(found.code, home, f"pid {root} runs {path}; no package owns {home}")
    if proc.cwd and any(under(p, proc.cwd) for p in runs) and (home := _code_home(view, proc.cwd, folder=True)):
        _add(found.code, home, f"pid {root} works in {proc.cwd}")


def _code_home(view: HostView, path: str, folder: bool = False) -> str | None:
    """The unowned top folder holding `path`; outside the roots, its folder (less a bin/)."""
    top = view.top(path)
    if top is not None:
        return top
    folder_path = path if folder else posixpath.dirname(path)
    return _without_bin(folder_path)


def _without_bin(folder: str) -> str | None:
    if posixpath.basename(folder) in ("bin", "sbin", "lib"):
        folder = posixpath.dirname(folder)
    return folder if folder not in ("/", "/usr", "/usr/local") and not _system(folder) else None


def _config(view: HostView, found: Found, path: str, evidence: str) -> None:
    top = view.top(path)
    _add(found.config, top if top and under(top, "/etc") else path, evidence)


def _service_config(view: HostView, found: Found, service: Service) -> None:
    """The service's own config: /etc/<name> when no package owns it, else the files in it no
    package owns (a site added to a web server's config); /etc paths its script names."""
    folder = f"/etc/{service.name}"
    if view.unowned(folder):
        _add(found.config, folder, f"no package owns {folder}, the config folder of {service.name}")
    elif folder in view.paths:
        local = [p for p in view.layout.paths if under(p.path, folder) and not p.package and p.kind == "f"]
        names = {posixpath.basename(p.path) for p in local}
        # A link to a local file (sites-enabled/x.conf -> sites-available/x.conf) enables it: keep it.
        local += [p for p in view.layout.paths if under(p.path, folder) and not p.package and p.kind == "l"
                  and posixpath.basename(p.path) in names]
        for info in local[:MAX_CONFIG_FILES]:
            _add(found.config, info.path, f"in {service.name}'s config folder, owned by no package")
    script = view.init_file(service.file) if service.file else None
    for path in paths_in(expand(script.lines)) if script else ():
        if under(path, "/etc") and not under(path, "/etc/init.d") and view.unowned(path):
            _config(view, found, path, f"{service.file} names {path}")


def _named_paths(view: HostView, found: Found) -> None:
    """Paths written in the app's config and code: a folder under /var/www, /opt or /usr/local is
    code; under the data roots (or inside the code, owned by the app's user) it is data. Twice,
    so code found through a config file (a web root) has its own config read too."""
    for _ in range(2):
        for line in _app_lines(view, found):
            for path in paths_in(line.text):
                if _system(path) or under(path, "/etc") or path in found.code \
                        or any(under(path, d) for d in found.data):
                    continue
                _classify(view, found, path, f"{line.path}:{line.line} names {path}")


def _classify(view: HostView, found: Found, path: str, where: str) -> None:
    info = view.paths.get(path)
    is_dir = info.kind == "d" if info is not None else "." not in posixpath.basename(path)
    folder = path if is_dir else posixpath.dirname(path)
    info = view.paths.get(folder)
    inside_code = [c for c in found.code if under(folder, c) and folder != c]
    if inside_code:
        if info is not None and info.kind == "d" and info.user in found.run_users:
            _add(found.data, folder, f"{where}, written by {info.user}")
        return
    top = view.top(folder)
    if folder in found.code or top is None and not any(under(folder, r) and folder != r for r in DATA_ROOTS):
        return
    if top is None:  # outside the listed roots (/data/<app>/...): what the config names is the data
        _add(found.data, folder, where)
    elif any(under(top, root) for root in _CODE_ROOTS) and top == folder and info is not None and info.kind == "d" \
            and info.user not in found.run_users:
        _add(found.code, top, where)
    elif any(under(folder, root) for root in DATA_ROOTS):
        _add(found.data, folder, where)


def _app_lines(view: HostView, found: Found) -> list[ConfigLine]:
    mine = (*found.code, *found.config)
    return [c for c in view.layout.config_lines if any(under(c.path, p) for p in mine)]


def _owned_by_users(view: HostView, found: Found) -> None:
    """Unowned top folders under the data roots that belong to the user the app runs as."""
    for info in view.layout.paths:
        if info.kind == "d" and info.user in found.run_users and not info.package and view.top(info.path) == info.path \
                and not under(info.path, "/etc") and not found.owns(info.path):
            _add(found.data, info.path, f"owned by {info.user}, who runs the app; no package owns it")


def _written(view: HostView, found: Found) -> None:
    for pid in sorted(found.pids):
        proc = view.procs.get(pid)
        for f in proc.open_files if proc else ():
            if f.write and _log(f.path) and not found.owns(f.path):
                _add(found.logs, _log(f.path), f"pid {pid} has {f.path} open for writing")
            elif f.write and not _system(f.path) and not found.owns(f.path):
                folder = posixpath.dirname(f.path)
                _add(found.data, view.top(folder) or folder, f"pid {pid} has {f.path} open for writing")


def _cron(view: HostView, found: Found, sole_app: bool) -> None:
    for job in view.facts.cron:
        named = paths_in(job.command)
        mine = [p for p in named if found.owns(p)]
        if mine or job.user in found.run_users:
            reason = f"names {mine[0]}" if mine else f"runs as {job.user}, the app's user"
            found.cron.append(_cron_entry(job, reason))
        elif sole_app and not found.pids and (tops := [t for p in named if (t := view.top(p))]):
            # An app with no listener on its only host: the job that runs unowned code is the app.
            found.cron.append(_cron_entry(job, f"names {tops[0]}, owned by no package"))
            _add(found.code, tops[0], f"cron ({job.source}) runs {named[0]}")
            found.run_users |= {job.user} - {"root"}
            _named_paths(view, found)
        else:
            continue
        for path in named:
            if _log(path) and not found.owns(path):
                _add(found.logs, _log(path), f"cron ({job.source}) writes {path}")
            top = view.top(path)
            if top and not found.owns(path) and not _system(path) and any(under(top, r) for r in DATA_ROOTS):
                _add(found.data, top, f"cron ({job.source}) names {path}")


def _cron_entry(job: CronJob, reason: str) -> CronEntry:
    return CronEntry(job.user, job.schedule, job.command, job.source, Provenance(f"{job.source}: {reason}"))


def _log(path: str) -> str:
    """The app's own log folder holding `path` (/var/log/<name>), or "" (a file straight in /var/log
    is the system's; a package's folder such as /var/log/apache2 is shared, not the app's)."""
    parts = path.split("/")
    return "/".join(parts[:4]) if len(parts) > 4 and parts[1:3] == ["var", "log"] else ""


def _packaged(view: HostView, folder: str) -> bool:
    """A log folder a package ships or is named after (/var/log/apache2): shared, not the app's."""
    return bool(view.package(folder)) or posixpath.basename(folder) in view.versions


def _system(path: str) -> bool:
    return any(under(path, root) for root in SYSTEM)


def layout_of(view: HostView, found: Found) -> HostLayout:
    """The host's part of the profile, with users, groups, packages and ports."""
    users, groups = _accounts(view, found)
    return HostLayout(
        found.host, services=tuple(found.services), code=_entries(_dedupe(found.code)),
        config=_entries(found.config), data=_entries(_dedupe(found.data, exclude=found.code)),
        logs=_entries({p: e for p, e in found.logs.items() if not _packaged(view, p)}),
        users=users, groups=groups, cron=tuple(found.cron), packages=_packages(view, found), ports=_ports(view, found))


def _entries(paths: dict[str, str]) -> tuple[PathEntry, ...]:
    return tuple(PathEntry(p, Provenance(e)) for p, e in paths.items())


def _dedupe(paths: dict[str, str], exclude: dict[str, str] | None = None) -> dict[str, str]:
    """Drop a path inside another of the same kind (and data equal to code)."""
    keep = {p: e for p, e in paths.items() if not any(under(p, q) and p != q for q in paths)}
    return {p: e for p, e in keep.items() if p not in (exclude or {})}


def _accounts(view: HostView, found: Found) -> tuple[tuple[UserEntry, ...], tuple[GroupEntry, ...]]:
    users, groups = [], {}
    for name in sorted(found.run_users | {c.user for c in found.cron} - {"root"}):
        account = view.accounts.get(name)
        if account is None:
            continue
        users.append(UserEntry(name, account.uid, account.gid, Provenance("/etc/passwd; runs the app's processes "
                                                                         "or jobs")))
        group = view.groups.get(account.gid)
        if group is not None:
            groups[group.name] = GroupEntry(group.name, group.gid, Provenance(f"/etc/group; primary group of {name}"))
    return tuple(users), tuple(groups.values())


def _packages(view: HostView, found: Found) -> tuple[PackageEntry, ...]:
    """Packages owning the program and the modules it loads (not the base system libraries)."""
    chosen: dict[str, str] = {}
    for pid in found.roots:
        proc = view.procs.get(pid)
        if proc is None:
            continue
        if proc.exe and (pkg := view.package(proc.exe)):
            chosen.setdefault(pkg, f"owns {proc.exe}, the program of pid {pid}")
        for lib in proc.libraries:
            if not _SYSTEM_LIB.match(posixpath.dirname(lib)) and (pkg := view.package(lib)):
                chosen.setdefault(pkg, f"owns {lib}, loaded by pid {pid}")
    return tuple(PackageEntry(pkg, view.versions[pkg], Provenance(why))
                 for pkg, why in sorted(chosen.items()) if pkg in view.versions)


def _ports(view: HostView, found: Found) -> tuple[PortEntry, ...]:
    ports = sorted({s.port for s in view.facts.listening if s.pid in found.pids})
    return tuple(PortEntry(p, Provenance(f"ss: pid {next(s.pid for s in view.facts.listening if s.port == p)} "
                                         f"listens on {p}")) for p in ports)
