"""Lookups over one host's facts that the profile inference asks again and again: which package
owns a path, the unowned top folder a path lies in, the process tree, users and groups.
"""

from __future__ import annotations

import posixpath
import re
from functools import cached_property

from migration.discovery.facts import HostFacts, Process
from migration.discovery.layout_facts import Account, GroupInfo, InitFile, PathInfo, ProcInfo
from migration.discovery.parse_layout import clean_path

# Folders where an app's own code and data live, one level down (/opt/<app>, /var/lib/<vendor>).
ROOTS = ("/opt", "/srv", "/var/www", "/var/lib", "/var/spool", "/home", "/usr/local", "/etc")
DATA_ROOTS = ("/opt", "/srv", "/var/www", "/var/lib", "/var/spool", "/home", "/usr/local", "/data", "/mnt")
SYSTEM = ("/dev", "/proc", "/sys", "/run", "/tmp", "/var/tmp", "/var/log", "/var/cache", "/usr/lib", "/usr/share",
          "/lib", "/usr/bin", "/usr/sbin", "/bin", "/sbin")
_PATH_TOKEN = re.compile(r"(?<![\w.$])(/[A-Za-z0-9_.@+-]+(?:/[A-Za-z0-9_.@+-]+)*)/?")


def under(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip("/") + "/")


def paths_in(text: str) -> list[str]:
    """Absolute, normalised paths written in `text` (a trailing `/` dropped; `..` never)."""
    return [p for p in (clean_path(m) for m in _PATH_TOKEN.findall(text)) if p is not None]


class HostView:
    def __init__(self, facts: HostFacts) -> None:
        self.facts = facts
        self.layout = facts.layout
        self.paths: dict[str, PathInfo] = {p.path: p for p in facts.layout.paths}

    @cached_property
    def processes(self) -> dict[int, Process]:
        return {p.pid: p for p in self.facts.processes}

    @cached_property
    def procs(self) -> dict[int, ProcInfo]:
        return {p.pid: p for p in self.layout.procs}

    @cached_property
    def accounts(self) -> dict[str, Account]:
        return {a.name: a for a in self.layout.accounts}

    @cached_property
    def groups(self) -> dict[int, GroupInfo]:
        return {g.gid: g for g in reversed(self.layout.groups)}

    @cached_property
    def versions(self) -> dict[str, str]:
        return {p.name.split(":", 1)[0]: p.version for p in self.facts.packages}

    def package(self, path: str) -> str:
        info = self.paths.get(path)
        return info.package if info else ""

    def unowned(self, path: str) -> bool:
        info = self.paths.get(path)
        return info is not None and not info.package

    def top(self, path: str) -> str | None:
        """The unowned folder one level under a root that holds `path` (/opt/x for /opt/x/a/b)."""
        for root in ROOTS:
            if under(path, root) and path != root:
                rest = path[len(root) + 1:].split("/", 1)[0]
                top = f"{root}/{rest}"
                if root == "/usr/local" and rest in ("bin", "sbin", "lib", "share", "etc"):
                    return None
                info = self.paths.get(top)
                if info is not None and info.package:
                    return None  # e.g. /var/lib/dpkg: a package's own folder
                return top if info is not None or root == "/usr/local" else None
        return None

    def root_of(self, pid: int) -> int:
        """The topmost ancestor of `pid` below init (pid 1), e.g. apache's master for a worker."""
        seen = {pid}
        while True:
            parent = self.processes.get(pid)
            if parent is None or parent.ppid <= 1 or parent.ppid in seen or parent.ppid not in self.processes:
                return pid
            pid = parent.ppid
            seen.add(pid)

    def user_of(self, pid: int) -> str:
        process = self.processes.get(pid)
        return process.user if process else ""

    def init_file(self, path: str) -> InitFile | None:
        return next((f for f in self.layout.init_files if f.path == path), None)

    def listing(self, folder: str) -> list[PathInfo]:
        """Known paths directly inside `folder`."""
        return [p for p in self.layout.paths if posixpath.dirname(p.path) == folder]
