"""testinfra checks per archetype: service running, port listening, health answering,
data matching the backup manifest, database row counts and checksums matching the source's.

Uses testinfra's `ssh://` backend with the lab's ssh_config (pinned known_hosts); the
paramiko backend would ignore known_hosts.
"""

from __future__ import annotations

import json
import shlex
from dataclasses import dataclass, field
from typing import Any

from migration.execution.access import LabAccess
from migration.execution.wave import AppMove

# Same query as the backup and restore scripts: table, rows, md5 over the sorted row md5s.
COUNTS_SQL = (
    "SELECT c.relname || ' ' || "
    "(xpath('/row/n/text()', query_to_xml(format('SELECT count(*) AS n FROM public.%I', c.relname), "
    "false, true, '')))[1]::text || ' ' || "
    "(xpath('/row/h/text()', query_to_xml(format('SELECT md5(coalesce(string_agg(md5(t::text), '''' "
    "ORDER BY md5(t::text)), '''')) AS h FROM public.%I t', c.relname), false, true, '')))[1]::text "
    "FROM pg_class c JOIN pg_namespace s ON s.oid = c.relnamespace "
    "WHERE s.nspname = 'public' AND c.relkind = 'r' ORDER BY c.relname;"
)


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
class Expected:
    """What the target must show: the backup's data files (relative path -> sha256) and DB counts."""

    data: dict[str, str] = field(default_factory=dict)
    db_counts: str | None = None


def _host(name: str, access: LabAccess) -> Any:
    import testinfra

    # The lab's ssh_config carries a ControlPath, so every check reuses one connection per host.
    return testinfra.get_host(f"ssh://{name}", ssh_config=str(access.ssh_config), timeout=10)


def _service(host: Any, move: AppMove, name: str) -> CheckResult:
    rc = host.run(f"/etc/init.d/{shlex.quote(move.app)} status").rc
    return CheckResult("service_running", name, rc == 0, "init script status rc 0", f"rc {rc}")


def _port(host: Any, move: AppMove, name: str) -> CheckResult:
    # Any address will do (0.0.0.0, ::, the host's own): the portal reaches it by the host's ip.
    listening = any(s.rsplit(":", 1)[-1] == str(move.port) for s in host.socket.get_listening_sockets()
                    if s.startswith("tcp://"))
    return CheckResult("port_listening", name, listening, f"tcp {move.port} listening",
                       "listening" if listening else "not listening")


def _health(host: Any, move: AppMove, name: str) -> CheckResult:
    out = host.run(f"curl -fsS --max-time 5 http://127.0.0.1:{move.port}/health")
    try:
        body = json.loads(out.stdout) if out.rc == 0 else {}
    except json.JSONDecodeError:
        body = {}
    passed = body.get("status") == "ok" and body.get("host", name) == name
    got = out.stdout.strip()[:200] if out.rc == 0 else f"curl rc {out.rc}"
    return CheckResult("health", name, passed, f'{{"status": "ok", "host": "{name}"}}', got)


def _data(host: Any, move: AppMove, name: str, expected: dict[str, str]) -> CheckResult:
    root = f"/srv/{move.app}/data"
    out = host.run(f"cd {root} && find . -type f -print0 | sort -z | xargs -0 -r sha256sum")
    got: dict[str, str] = {}
    for line in out.stdout.splitlines():
        digest, _, path = line.partition("  ")
        got[path.removeprefix("./")] = digest
    missing = sorted(set(expected) - set(got))
    differ = sorted(p for p in expected if p in got and got[p] != expected[p])
    extra = sorted(set(got) - set(expected))
    passed = out.rc == 0 and not (missing or differ or extra)
    summary = f"{len(got)} files; missing {missing[:3]}, differ {differ[:3]}, extra {extra[:3]}"
    return CheckResult("data_manifest", name, passed, f"{len(expected)} files as in the backup manifest",
                       summary if not passed else f"{len(got)} files match")


def _db(host: Any, move: AppMove, name: str, expected: str) -> CheckResult:
    cmd = f"runuser -u postgres -- psql -X -q -A -t -d {shlex.quote(move.db_name)} -c {shlex.quote(COUNTS_SQL)}"
    out = host.run(cmd)
    got = out.stdout.strip()
    passed = out.rc == 0 and got == expected.strip()
    return CheckResult("db_rows", name, passed, expected.strip().replace("\n", "; ")[:300],
                       (got or out.stderr.strip()).replace("\n", "; ")[:300])


def verify_move(move: AppMove, access: LabAccess, expected: Expected) -> list[CheckResult]:
    """Run the archetype's checks on the move's targets."""
    target = move.primary[1].id
    host = _host(target, access)
    results = [_service(host, move, target), _port(host, move, target), _health(host, move, target)]
    if move.archetype in ("files", "web-db") or expected.data:
        results.append(_data(host, move, target, expected.data))
    if move.db and expected.db_counts is not None:
        db_target = move.db[1].id
        results.append(_db(_host(db_target, access), move, db_target, expected.db_counts))
    return results
