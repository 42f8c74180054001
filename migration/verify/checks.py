"""testinfra checks of a moved app, from its profile: services running, ports listening, health
answering, data matching the backup manifest, database row counts and checksums matching the
source's. What to check comes in a `Target`, built by the pipeline from the app's profile.

Uses testinfra's `ssh://` backend with the estate's ssh_config (pinned known_hosts); the
paramiko backend would ignore known_hosts.
"""

from __future__ import annotations

import json
import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# Each database engine's script (the backup and restore phases run the same one): its `counts`
# verb is the one definition of "table rows checksum" for that engine.
ENGINES = Path(__file__).resolve().parents[2] / "playbooks" / "roles" / "dcc_engines" / "files"


@dataclass(frozen=True)
class CheckResult:
    check: str
    host: str
    passed: bool
    expected: str
    got: str

    def detail(self) -> dict[str, Any]:
        return {"expected": self.expected, "got": self.got}


@dataclass(frozen=True)
class Database:
    """One database to check: where it lives now, its engine's script, its name (or its file's path),
    and the key of its counts in `Expected.db_counts`."""

    host: str
    script: str
    name: str
    key: str
    is_file: bool = False  # a file database (its name is the file's path), moved inside a data folder


@dataclass(frozen=True)
class Target:
    """Where and what to check: the host serving the app and, from its profile, the status
    commands of its services, its ports, its health check, its data folders and databases."""

    app: str
    host: str
    checks: tuple[str, ...] = ()  # each service's status command: exit 0 while it runs
    ports: tuple[int, ...] = ()
    health: tuple[str, int, int, str] | None = None  # path, port, expected status, body must contain
    data_roots: tuple[str, ...] = ()
    databases: tuple[Database, ...] = ()
    service: str = ""  # the name the portal asks for (Host:), for apps behind name-based virtual hosts


@dataclass(frozen=True)
class Expected:
    """What the target must show: the backup's data files (absolute path -> sha256) and DB counts.

    `live`: the target has served since its cutover and takes writes, so its data is checked to
    still hold everything the backup held (every file, no table with fewer rows), not to equal it."""

    data: dict[str, str] = field(default_factory=dict)
    db_counts: dict[str, str] = field(default_factory=dict)  # database key -> its counts in the backup
    live: bool = False


def _host(name: str, ssh_config: Path) -> Any:
    import testinfra

    # The estate's ssh_config carries a ControlPath, so every check reuses one connection per host.
    return testinfra.get_host(f"ssh://{name}", ssh_config=str(ssh_config), timeout=10)


def _service(host: Any, check: str, name: str) -> CheckResult:
    rc = host.run(check).rc
    return CheckResult("service_running", name, rc == 0, f"`{check}` exits 0", f"rc {rc}")


def _port(host: Any, port: int, name: str) -> CheckResult:
    # Any address will do (0.0.0.0, ::, the host's own): the portal reaches it by the host's ip.
    listening = any(s.rsplit(":", 1)[-1] == str(port) for s in host.socket.get_listening_sockets()
                    if s.startswith("tcp://"))
    return CheckResult("port_listening", name, listening, f"tcp {port} listening",
                       "listening" if listening else "not listening")


def _health(host: Any, health: tuple[str, int, int, str], name: str, service: str = "") -> CheckResult:
    path, port, status, match = health
    # As the portal asks: by the service's name, which a name-based virtual host needs.
    header = f"-H {shlex.quote(f'Host: {service}')} " if service else ""
    out = host.run(f"curl -sS --max-time 5 {header}-w '\\n%{{http_code}}' "
                   f"{shlex.quote(f'http://127.0.0.1:{port}{path}')}")
    body, _, code = out.stdout.rpartition("\n")
    passed = out.rc == 0 and code.strip() == str(status) and match in body and _from(body, name)
    got = f"HTTP {code.strip()} {body.strip()[:160]}" if out.rc == 0 else f"curl rc {out.rc}"
    return CheckResult("health", name, passed, f"HTTP {status} from {name}" + (f" with {match!r}" if match else ""),
                       got)


def _from(body: str, name: str) -> bool:
    """An answer that names the host it comes from must name this one (not a stale copy elsewhere)."""
    try:
        data = json.loads(body)
    except ValueError:
        return True
    return not isinstance(data, dict) or data.get("host", name) == name


# Files a database engine keeps beside a file database: SQLite's WAL, its shared-memory index and
# its rollback journal. A running app creates, rewrites and removes them at will.
FILE_DB_COMPANIONS = ("", "-wal", "-shm", "-journal")


def file_db_files(databases: tuple[Database, ...]) -> frozenset[str]:
    """The files of the file databases, which their engine's `counts` checks by content (rows and
    checksums): a running app rewrites them in place (a WAL checkpoint on open), so the data
    folder's byte-for-byte comparison leaves them out."""
    return frozenset(db.name + suffix for db in databases if db.is_file for suffix in FILE_DB_COMPANIONS)


def _data(host: Any, roots: tuple[str, ...], name: str, expected: dict[str, str], live: bool = False,
          skip: frozenset[str] = frozenset()) -> CheckResult:
    listed = " ".join(shlex.quote(r) for r in roots)
    out = host.run(f"find {listed} -type f -print0 2>/dev/null | sort -z | xargs -0 -r sha256sum")
    got: dict[str, str] = {}
    for line in out.stdout.splitlines():
        digest, _, path = line.partition("  ")
        if path not in skip:
            got[path] = digest
    expected = {path: digest for path, digest in expected.items() if path not in skip}
    missing = sorted(set(expected) - set(got))
    differ = sorted(p for p in expected if p in got and got[p] != expected[p])
    extra = sorted(set(got) - set(expected))
    summary = f"{len(got)} files; missing {missing[:3]}, differ {differ[:3]}, extra {extra[:3]}"
    if live:  # the app owns its files now: only a file the backup had and the target lost fails
        return CheckResult("data_live", name, not missing,
                           f"every one of the backup's {len(expected)} files still present", summary)
    passed = not (missing or differ or extra)
    return CheckResult("data_manifest", name, passed, f"{len(expected)} files as in the backup manifest",
                       summary if not passed else f"{len(got)} files match")


def _table_counts(text: str) -> dict[str, int]:
    """`table rows md5` lines -> {table: rows} (a line that does not parse counts as -1 rows)."""
    out = {}
    for line in text.strip().splitlines():
        parts = line.split()
        out[parts[0] if parts else line] = int(parts[1]) if len(parts) == 3 and parts[1].isdigit() else -1
    return out


def live_rows_hold(expected: str, got: str) -> bool:
    """Every table of the backup is live with at least as many rows as the backup had."""
    want, have = _table_counts(expected), _table_counts(got)
    return all(t in have and have[t] >= n for t, n in want.items())


def _db(host: Any, db: Database, name: str, expected: str, live: bool = False) -> CheckResult:
    # The engine's script goes over the connection as an argument to bash, never as a file there.
    script = (ENGINES / db.script).read_text()
    out = host.run(f"bash -c {shlex.quote(script)} {shlex.quote(db.script)} counts {shlex.quote(db.name)}")
    got = out.stdout.strip()
    shown = (got or out.stderr.strip()).replace("\n", "; ")[:300]
    if live:
        return CheckResult("db_rows_live", name, out.rc == 0 and live_rows_hold(expected, got),
                           "every table of the backup, with at least its rows: "
                           + expected.strip().replace("\n", "; ")[:250], shown)
    passed = out.rc == 0 and got == expected.strip()
    return CheckResult("db_rows", name, passed, expected.strip().replace("\n", "; ")[:300], shown)


def verify_move(target: Target, ssh_config: Path, expected: Expected) -> list[CheckResult]:
    """Run the profile's checks on the target host (and the database target)."""
    name = target.host
    host = _host(name, ssh_config)
    results = [_service(host, check, name) for check in target.checks]
    results += [_port(host, port, name) for port in target.ports]
    if target.health:
        results.append(_health(host, target.health, name, target.service))
    if target.data_roots:
        results.append(_data(host, target.data_roots, name, expected.data, expected.live,
                             file_db_files(target.databases)))
    for db in target.databases:
        if db.key in expected.db_counts:
            db_host = host if db.host == name else _host(db.host, ssh_config)
            results.append(_db(db_host, db, db.host, expected.db_counts[db.key], expected.live))
    return results


def verify_guarded(target: Target, ssh_config: Path, expected: Expected) -> list[CheckResult]:
    """`verify_move`, but a check that cannot run at all (a changed host key, a dead link, a
    testinfra error) is a failed check naming the reason, never an exception."""
    try:
        return verify_move(target, ssh_config, expected)
    except Exception as exc:  # noqa: BLE001 - a verification that could not run has not passed
        reason = f"{type(exc).__name__}: {str(exc).strip().splitlines()[0] if str(exc).strip() else ''}"
        return [CheckResult("checks_ran", target.host, False, "the checks could run", reason[:300])]
