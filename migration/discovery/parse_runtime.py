"""Defensive parsers for what a host is running: processes, services, TCP sockets, databases.

`ss` and `ps` output from a host is untrusted: every field is matched strictly, addresses are
validated with `ipaddress`, and a garbled line becomes a warning, never an exception.
"""

from __future__ import annotations

import ipaddress
import re

from migration.discovery.facts import DatabaseServer, Endpoint, Process, Service
from migration.discovery.lines import Reader, clip, redact, to_int

_PS = re.compile(r"^\s*(\d{1,10})\s+(\d{1,10})\s+(\S{1,64})\s+(\d{1,19})\s+(.+)$")
_SERVICE = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._@+-]{0,127})\t([01])\t(-|0|1)$")
# Control characters arrive escaped by the Reader (`\x1b`), so the name may hold backslashes.
_SS_USER = re.compile(r'\(\("([^"\x00-\x1f]{1,256})",pid=(\d{1,10}),fd=\d{1,10}\)')
_DB_BINARY = (
    (re.compile(r"^/usr/lib/postgresql/([0-9][0-9.]{0,15})/bin/postgres$"), "postgresql"),
    (re.compile(r"^/usr/sbin/(mysqld)$"), "mysql"),
    (re.compile(r"^/usr/sbin/(mariadbd)$"), "mariadb"),
)
_DB_PROCESS = {"postgresql": ("postgres",), "mysql": ("mysqld",), "mariadb": ("mariadbd",)}
_SERVICE_PROGRAMS = {"ssh": ("sshd",), "postgresql": ("postgres",), "mysql": ("mysqld",),
                     "mariadb": ("mariadbd",), "cron": ("cron", "crond"), "apache2": ("apache2",)}
MAX_PROCESSES = 5000
MAX_SOCKETS = 20_000


def parse_ps(reader: Reader) -> tuple[Process, ...]:
    """`ps -eo pid=,ppid=,user=,rss=,args=` rows; kernel threads are left out."""
    processes: list[Process] = []
    for number, line in reader.lines():
        match = _PS.match(line)
        pid, ppid, rss = [to_int(match.group(i), 0, 2**32) for i in (1, 2, 4)] if match else [None] * 3
        if not match or pid is None or ppid is None or rss is None:
            reader.bad(number, line)
            continue
        command = match.group(5).strip()
        if ppid == 2 or (command.startswith("[") and command.endswith("]")):
            continue
        processes.append(Process(pid, ppid, match.group(3), rss, clip(redact(command), 512)))
        if len(processes) >= MAX_PROCESSES:
            reader.warn(number, f"more than {MAX_PROCESSES} processes; rest ignored")
            break
    return tuple(processes)


def parse_services(reader: Reader) -> tuple[Service, ...]:
    """Init scripts: name TAB enabled(0|1) TAB pidfile state (0 live, 1 stale, `-` no pidfile)."""
    services: list[Service] = []
    for number, line in reader.lines():
        match = _SERVICE.match(line)
        if not match:
            reader.bad(number, line)
            continue
        name, enabled, status = match.groups()
        services.append(Service(name, enabled == "1", None if status == "-" else status == "0"))
    return tuple(services)


def with_processes(services: tuple[Service, ...], processes: tuple[Process, ...]) -> tuple[Service, ...]:
    """Services without a pidfile count as running when a process of the same name runs."""
    return tuple(Service(s.name, s.enabled, _process_named(processes, s.name)) if s.running is None else s
                 for s in services)


def _process_named(processes: tuple[Process, ...], name: str) -> bool | None:
    names = _SERVICE_PROGRAMS.get(name, (name,))
    return True if any(_process_is(p, names) for p in processes) else None


def parse_ss(reader: Reader) -> tuple[Endpoint, ...]:
    """TCP sockets from `ss -Htn[p]` (with or without the State column)."""
    sockets: list[Endpoint] = []
    for number, line in reader.lines():
        endpoint = _ss_line(line)
        if endpoint is None:
            reader.bad(number, line)
            continue
        sockets.append(endpoint)
        if len(sockets) >= MAX_SOCKETS:
            reader.warn(number, f"more than {MAX_SOCKETS} sockets; rest ignored")
            break
    return tuple(sockets)


def _ss_line(line: str) -> Endpoint | None:
    tokens = line.split()
    if tokens and not tokens[0].isdigit():  # a State column (LISTEN, ESTAB, TIME-WAIT)
        if not re.fullmatch(r"[A-Z][A-Z0-9-]{0,15}", tokens[0]):
            return None
        tokens = tokens[1:]
    if len(tokens) < 4 or to_int(tokens[0]) is None or to_int(tokens[1]) is None:
        return None
    local, peer = split_endpoint(tokens[2]), split_endpoint(tokens[3], allow_wildcard_port=True)
    if local is None or peer is None:
        return None
    process, pid = _ss_process(" ".join(tokens[4:]))
    return Endpoint(local[0], local[1], peer[0], peer[1], process, pid)


def _ss_process(text: str) -> tuple[str, int]:
    match = _SS_USER.search(text)
    if not match:
        return "", 0
    return match.group(1), to_int(match.group(2), 0, 2**32) or 0


def split_endpoint(token: str, allow_wildcard_port: bool = False) -> tuple[str, int] | None:
    """`addr:port` as ss prints it (`[v6]:p`, `*:p`, `a.b.c.d%if:p`) -> (normalised addr, port)."""
    host, sep, port_text = token.rpartition(":")
    if not sep or not host:
        return None
    port = 0 if (port_text == "*" and allow_wildcard_port) else to_int(port_text, 0, 65535)
    if port is None:
        return None
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    host = host.split("%", 1)[0]
    if host == "*":
        return "*", port
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return None
    mapped = getattr(address, "ipv4_mapped", None)
    return str(mapped or address), port


def parse_db_binaries(reader: Reader) -> list[tuple[str, str, str]]:
    """(engine, version, path) for database server binaries found on disk."""
    found: list[tuple[str, str, str]] = []
    for number, line in reader.lines():
        for pattern, engine in _DB_BINARY:
            match = pattern.match(line.strip())
            if match:
                version = match.group(1) if engine == "postgresql" else ""
                found.append((engine, version, line.strip()))
                break
        else:
            reader.bad(number, line)
    return found


def derive_databases(binaries: list[tuple[str, str, str]], processes: tuple[Process, ...],
                     listening: tuple[Endpoint, ...]) -> tuple[DatabaseServer, ...]:
    """Database servers present: from binaries on disk, marked running from processes and sockets."""
    servers: list[DatabaseServer] = []
    engines = {engine for engine, _, _ in binaries} | _engines_running(processes, listening)
    for engine in sorted(engines):
        names = _DB_PROCESS[engine]
        versions = [(v, p) for e, v, p in binaries if e == engine] or [("", "")]
        ports = tuple(sorted({s.port for s in listening if s.process in names}))
        running = bool(ports) or any(_process_is(p, names) for p in processes)
        servers += [DatabaseServer(engine, v, p, running, ports) for v, p in versions]
    return tuple(servers)


def _engines_running(processes: tuple[Process, ...], listening: tuple[Endpoint, ...]) -> set[str]:
    return {engine for engine, names in _DB_PROCESS.items()
            if any(s.process in names for s in listening) or any(_process_is(p, names) for p in processes)}


def _process_is(process: Process, names: tuple[str, ...]) -> bool:
    program = process.command.split(None, 1)[0] if process.command else ""
    base = program.rsplit("/", 1)[-1].rstrip(":")
    return base in names
