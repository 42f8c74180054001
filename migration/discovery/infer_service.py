"""Which init script or systemd unit starts a process: its cgroup's unit, else the LSB script whose
text (variables expanded, never run) names its pidfile, its program or its arguments.
"""

from __future__ import annotations

import posixpath
import re

from migration.discovery.hostview import HostView
from migration.discovery.layout_facts import InitFile
from migration.profile.model import Provenance, Service

_ASSIGN = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$")
_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)")
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._@+-]")


def expand(lines: tuple[str, ...]) -> str:
    """The script's text with `$VAR` / `${VAR}` replaced by its plain assignments (three rounds)."""
    values: dict[str, str] = {}
    for line in lines:
        match = _ASSIGN.match(line)
        if match:
            values.setdefault(match.group(1), match.group(2).strip().strip("'\""))
    text = "\n".join(lines)
    for _ in range(3):
        text = _VAR.sub(lambda m: values.get(m.group(1) or m.group(2), m.group(0)), text)
    return text


def find_service(view: HostView, pids: set[int], root: int) -> Service:
    """The service that starts `root` (and its workers `pids`), with its evidence."""
    return _systemd(view, pids, root) or _sysv(view, pids, root) or _unmanaged(view, root)


def _systemd(view: HostView, pids: set[int], root: int) -> Service | None:
    units = sorted({p.unit for pid in pids if (p := view.procs.get(pid)) and p.unit})
    if len(units) != 1:
        return None
    unit = units[0]
    name = unit.removesuffix(".service")
    file = next((f for f in view.layout.init_files if f.kind == "systemd" and posixpath.basename(f.path) == unit), None)
    user = _unit_user(file) or view.user_of(root) or "root"
    prov = Provenance(f"pid {root} is in the cgroup of {unit}")
    return Service(name, "systemd", f"systemctl start {unit}", f"systemctl stop {unit}",
                   f"systemctl is-active --quiet {unit}", user, file.path if file else "", prov)


def _unit_user(file: InitFile | None) -> str:
    for line in file.lines if file else ():
        if line.startswith("User="):
            return line[5:].strip()
    return ""


def _sysv(view: HostView, pids: set[int], root: int) -> Service | None:
    pidfiles = [pf.path for pf in view.layout.pidfiles if pf.pid == root or pf.pid in pids]
    proc = view.procs.get(root)
    own = [a for a in ((proc.exe,) + proc.args if proc else ()) if a and not view.package(a) and a != "/"]
    scored: list[tuple[int, str, str]] = []
    for script in (f for f in view.layout.init_files if f.kind == "sysv"):
        name = posixpath.basename(script.path)
        score, why = _score(expand(script.lines), name, pidfiles, own)
        if score:
            scored.append((score, script.path, why))
    if not scored:
        return None
    scored.sort(reverse=True)
    best = [s for s in scored if s[0] == scored[0][0]]
    path, why = best[0][1], best[0][2]
    name = posixpath.basename(path)
    prov = Provenance(f"{path} {why} (pid {root})")
    if len(best) > 1:
        others = ", ".join(p for _, p, _ in best[1:4])
        prov = Provenance(prov.evidence, "needs-review", f"{others} match as well; keep the one that starts it")
    return Service(name, "sysv", f"{path} start", f"{path} stop", f"{path} status", view.user_of(root) or "root",
                   path, prov)


def _score(text: str, name: str, pidfiles: list[str], own: list[str]) -> tuple[int, str]:
    for pidfile in pidfiles:
        stem = posixpath.basename(pidfile).removesuffix(".pid")
        if pidfile in text:
            return 3, f"names its pidfile {pidfile}"
        if name in (stem, posixpath.basename(posixpath.dirname(pidfile))):
            return 3, f"is named like its pidfile {pidfile}"
    for path in own:
        if path in text:
            return 2, f"names {path}"
    return 0, ""


def _unmanaged(view: HostView, root: int) -> Service:
    process = view.processes.get(root)
    proc = view.procs.get(root)
    command = process.command if process else ""
    name = _SAFE_NAME.sub("-", posixpath.basename(proc.exe) if proc and proc.exe else f"pid-{root}")[:64] or "app"
    prov = Provenance(f"pid {root} runs {command[:120]!r}", "needs-review",
                      f"no init script or unit starts pid {root}; write how to start, stop and check it")
    return Service(name.lstrip(".-_") or "app", "none", command or "true", f"kill {root}", f"kill -0 {root}",
                   view.user_of(root) or "root", "", prov)
