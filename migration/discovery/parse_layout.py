"""Defensive parsers for the sections behind profile proposals (`appscript.py`).

Host output is untrusted: every path must be absolute and normalised (no `..`, no `//`), every
number strict, every line bounded; anything else becomes a warning and is left out.
"""

from __future__ import annotations

import posixpath
import re

from migration.discovery.facts import Process
from migration.discovery.layout_facts import (
    Account,
    ConfigLine,
    DbCatalog,
    DbSession,
    FileMagic,
    GroupInfo,
    InitFile,
    LayoutFacts,
    OpenFile,
    PathInfo,
    Pidfile,
    ProcInfo,
)
from migration.discovery.lines import Reader, clip, redact, to_int

MAX_PATHS = 10_000
MAX_PROCS = 64
MAX_FILES = 256
MAX_LIBS = 300
MAX_INIT_FILES = 400
MAX_INIT_LINES = 200
_ENGINES = ("postgresql", "mariadb")
_NAME = re.compile(r"[a-z_][a-z0-9_.-]{0,31}\Z")
_DB_NAME = re.compile(r"[A-Za-z0-9_$-]{1,64}\Z")
_CONFIG = re.compile(r"^(/[^:]{0,1023}):(\d{1,9}):(.*)$")
_INIT = re.compile(r"^(/[^:]{0,1023}):(.*)$")


def clean_path(text: str) -> str | None:
    """`text` if it is an absolute, normalised path without `..`, else None."""
    if not text.startswith("/") or len(text) > 1024 or "\t" in text:
        return None
    if posixpath.normpath(text) != text or "/../" in f"{text}/":
        return None
    return text


class _Proc:
    def __init__(self, pid: int) -> None:
        self.pid, self.exe, self.cwd, self.unit = pid, "", "", ""
        self.files: dict[str, bool] = {}
        self.libs: list[str] = []

    def freeze(self, args: tuple[str, ...]) -> ProcInfo:
        return ProcInfo(self.pid, self.exe, self.cwd, args, self.unit,
                        tuple(OpenFile(p, w) for p, w in self.files.items()), tuple(self.libs))


def parse_layout(layout: Reader, catalog: Reader, passwd_text: str = "",
                 processes: tuple[Process, ...] = ()) -> LayoutFacts:
    """The layout facts from the `layout` and `db-catalog` sections (and the passwd text)."""
    state = _layout(layout, {p.pid: p.command for p in processes})
    sessions, dbs = _catalog(catalog)
    paths = tuple(PathInfo(p.path, p.kind, p.user, p.group, p.package, state.sizes.get(p.path))
                  for p in state.paths.values())
    procs = tuple(p.freeze(_arg_paths(state.commands.get(p.pid, ""))) for p in state.procs.values())
    return LayoutFacts(procs=procs, paths=paths, config_lines=tuple(state.config),
                       init_files=_init(layout, state.rows["init"]), pidfiles=_pidfiles(layout, state.rows["Q"]),
                       db_catalog=dbs, db_sessions=sessions, file_dbs=tuple(state.magic),
                       groups=_groups(layout, state.rows["R"]), accounts=_accounts(passwd_text))


class _Layout:
    def __init__(self) -> None:
        self.procs: dict[int, _Proc] = {}
        self.current: _Proc | None = None  # the process whose fd listing is being read
        self.paths: dict[str, PathInfo] = {}
        self.sizes: dict[str, int] = {}
        self.config: list[ConfigLine] = []
        self.magic: list[FileMagic] = []
        self.head: str | None = None
        self.commands: dict[int, str] = {}
        # init script/unit lines, pidfiles, group lines: (line number, record), parsed afterwards
        self.rows: dict[str, list[tuple[int, str]]] = {"init": [], "Q": [], "R": []}

    def proc(self, pid: int | None) -> _Proc | None:
        if pid is None:
            return None
        if pid not in self.procs and len(self.procs) < MAX_PROCS:
            self.procs[pid] = _Proc(pid)
        return self.procs.get(pid)


def _layout(reader: Reader, commands: dict[int, str]) -> _Layout:
    state = _Layout()
    state.commands = commands
    for number, line in reader.lines():
        kind, _, rest = line.partition("\t")
        if not _record(state, kind, rest, reader, number, line):
            reader.bad(number, line)
    return state


def _record(state: _Layout, kind: str, rest: str, reader: Reader, number: int, line: str) -> bool:
    if kind == "W":
        reader.warn(number, clip(rest, 120))
        return True
    if kind in ("V", "Y", "Q", "R"):
        state.rows["init" if kind in "VY" else kind].append((number, line))
        return True
    if kind == "P":
        state.current = state.proc(to_int(rest, 1, 2**32))
        return state.current is not None
    if kind == "F":
        return _fd_line(state, rest)
    if kind in ("G", "X"):
        pid_text, _, value = rest.partition("\t")
        proc = state.proc(to_int(pid_text, 1, 2**32))
        return proc is not None and _proc_value(proc, kind, value)
    if kind in ("O", "U"):
        _path_line(reader, number, line, rest, state.paths)
        return True
    if kind == "S":
        size, _, path = rest.partition("\t")
        if to_int(size) is None or clean_path(path) is None:
            return False
        state.sizes[path] = int(size)
        return True
    if kind == "L":
        _config_line(reader, number, line, rest, state.config)
        return True
    if kind == "M":
        state.head = _magic_line(rest, state.head, state.magic)
        return True
    return False


def _fd_line(state: _Layout, rest: str) -> bool:
    parts = rest.split("\t")
    if len(parts) != 3:
        return False
    mode, name, target = parts
    path = clean_path(target.removesuffix(" (deleted)"))
    if path is None:
        return False
    match = re.fullmatch(r"/proc/(\d{1,10})/(exe|cwd)", name)
    if match:
        proc = state.proc(to_int(match.group(1), 1, 2**32))
        if proc is None:
            return False
        setattr(proc, match.group(2), path)
        return True
    if not name.isdigit() or state.current is None:
        return False
    files = state.current.files
    if path in files or len(files) < MAX_FILES:
        files[path] = files.get(path, False) or mode[2:3] == "w"
    return True


def _proc_value(proc: _Proc, kind: str, value: str) -> bool:
    if kind == "G":
        unit = value.rsplit("/", 1)[-1]
        if unit.endswith(".service") and re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._@+-]{0,255}", unit):
            proc.unit = unit
        return True
    path = clean_path(value)
    if path is None:
        return False
    if len(proc.libs) < MAX_LIBS:
        proc.libs.append(path)
    return True


def _arg_paths(command: str) -> tuple[str, ...]:
    """Arguments of a command line (as ps shows it) that are absolute paths."""
    found = [clean_path(token.split("=", 1)[-1]) for token in command.split()[:64]]
    return tuple(p for p in found if p is not None)[:32]


def _path_line(reader: Reader, number: int, line: str, rest: str, paths: dict[str, PathInfo]) -> None:
    parts = rest.split("\t")
    if len(parts) != 5 or clean_path(parts[4]) is None or parts[0] not in ("d", "f", "l", "?", "s", "p"):
        reader.bad(number, line)
        return
    kind, user, group, package, path = parts
    package = package if line.startswith("O") else ""
    if len(paths) < MAX_PATHS and path not in paths:
        paths[path] = PathInfo(path, kind, clip(user, 32), clip(group, 32), clip(package, 128))


def _config_line(reader: Reader, number: int, line: str, rest: str, config: list[ConfigLine]) -> None:
    match = _CONFIG.match(rest)
    if not match or clean_path(match.group(1)) is None:
        reader.bad(number, line)
        return
    text = match.group(3).strip()
    if text and not text.startswith(("#", "//", ";", "*", "/*")):
        config.append(ConfigLine(match.group(1), int(match.group(2)), clip(redact(text), 512)))


def _magic_line(rest: str, head: str | None, magic: list[FileMagic]) -> str | None:
    if rest.startswith("==> ") and rest.endswith(" <=="):
        return clean_path(rest[4:-4])
    if head is not None and rest.startswith("SQLite format 3"):
        magic.append(FileMagic(head, "sqlite"))
        return None
    return head if not rest else None


def _init(reader: Reader, rows: list[tuple[int, str]]) -> tuple[InitFile, ...]:
    files: dict[str, tuple[str, list[str]]] = {}
    for number, line in rows:
        kind, _, rest = line.partition("\t")
        match = _INIT.match(rest)
        if not match or clean_path(match.group(1)) is None:
            reader.bad(number, line)
            continue
        path = match.group(1)
        if path not in files and len(files) >= MAX_INIT_FILES:
            continue
        entry = files.setdefault(path, ("sysv" if kind == "V" else "systemd", []))
        if len(entry[1]) < MAX_INIT_LINES:
            entry[1].append(clip(redact(match.group(2).strip()), 512))
    return tuple(InitFile(path, kind, tuple(lines)) for path, (kind, lines) in files.items())


def _pidfiles(reader: Reader, rows: list[tuple[int, str]]) -> tuple[Pidfile, ...]:
    found = []
    for number, line in rows:
        path, _, pid_text = line[2:].partition("\t")
        pid = to_int(pid_text.strip(), 1, 2**32)
        if clean_path(path) is None or pid is None:
            reader.bad(number, line)
        else:
            found.append(Pidfile(path, pid))
    return tuple(found)


def _catalog(reader: Reader) -> tuple[tuple[DbSession, ...], tuple[DbCatalog, ...]]:
    engine = ""
    sessions: list[DbSession] = []
    dbs: list[DbCatalog] = []
    for number, line in reader.lines():
        parts = line.split("\t")
        if parts[0] == "E" and len(parts) == 2 and parts[1] in _ENGINES:
            engine = parts[1]
        elif engine and parts[0] == "D" and len(parts) == 4 and _DB_NAME.match(parts[1]) and to_int(parts[2]) is not None:
            dbs.append(DbCatalog(engine, parts[1], int(parts[2]), clip(parts[3], 256)))
        elif engine and parts[0] == "C" and len(parts) == 5 and _DB_NAME.match(parts[1]):
            port = to_int(parts[4], 0, 65535)
            sessions.append(DbSession(engine, parts[1], clip(parts[2], 64), clip(parts[3], 64), port or 0))
        else:
            reader.bad(number, line)
    return tuple(sessions[:2000]), tuple(dbs[:2000])


def _groups(reader: Reader, rows: list[tuple[int, str]]) -> tuple[GroupInfo, ...]:
    groups = []
    for number, line in rows:
        parts = line[2:].split(":")
        gid = to_int(parts[2], 0, 2**32 - 1) if len(parts) == 4 else None
        if gid is None or not _NAME.match(parts[0]):
            reader.bad(number, line)
        else:
            groups.append(GroupInfo(parts[0], gid))
    return tuple(groups)


def _accounts(text: str) -> tuple[Account, ...]:
    """All passwd entries; malformed lines are already reported by the passwd parser."""
    found = []
    for _, line in Reader("passwd", text).lines():
        parts = line.split(":")
        uid = to_int(parts[2], 0, 2**32 - 1) if len(parts) == 7 else None
        gid = to_int(parts[3], 0, 2**32 - 1) if len(parts) == 7 else None
        if uid is not None and gid is not None and _NAME.match(parts[0]):
            found.append(Account(parts[0], uid, gid))
    return tuple(found[:5000])
