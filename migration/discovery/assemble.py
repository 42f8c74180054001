"""Turn one host's raw script output into `HostFacts`, gathering every parser's warnings.

Pure: no I/O, so hostile or garbled output is tested here without any host.
"""

from __future__ import annotations

from migration.discovery import parse_runtime as rt
from migration.discovery import parse_system as sysp
from migration.discovery.facts import HostFacts
from migration.discovery.lines import Reader
from migration.discovery.parse_layout import parse_layout
from migration.discovery.script import split

MAX_HOST_WARNINGS = 200


def assemble(host: str, address: str, taken_at: str, output: bytes, marker: str,
             extra_warnings: tuple[str, ...] = (), layout: bool = True) -> HostFacts:
    """Facts for `host` from the script's `output`; never raises on bad content."""
    sections, warnings = split(output, marker, layout)
    readers = {name: Reader(name, text) for name, text in sections.items()}

    def read(name: str) -> Reader:
        return readers.setdefault(name, Reader(name, ""))

    processes = rt.parse_ps(read("ps"))
    listening = rt.parse_ss(read("ss-listen"))
    facts = HostFacts(
        host=host, address=address, taken_at=taken_at,
        hostname=sysp.parse_hostname(read("hostname")),
        os=sysp.parse_os(read("os-release"), read("uname")),
        cpu_count=sysp.parse_cpu_count(read("nproc")),
        memory_kb=sysp.parse_memory_kb(read("meminfo")),
        filesystems=sysp.parse_df(read("df")),
        packages=sysp.parse_packages(read("packages")),
        services=rt.with_processes(rt.parse_services(read("services")), processes),
        processes=processes,
        listening=listening,
        connections=rt.parse_ss(read("ss-established")),
        recent_connections=rt.parse_ss(read("ss-timewait")),
        data_dirs=sysp.parse_du(read("du")),
        databases=rt.derive_databases(rt.parse_db_binaries(read("db-binaries")), processes, listening),
        cron=sysp.parse_cron(read("cron-system"), system=True) + sysp.parse_cron(read("cron-user"), system=False),
        users=sysp.parse_passwd(read("passwd")),
        layout=parse_layout(read("layout"), read("db-catalog"), sections.get("passwd", ""), processes),
    )
    for reader in readers.values():
        warnings += reader.warnings
    warnings = list(extra_warnings) + warnings
    if len(warnings) > MAX_HOST_WARNINGS:
        warnings = warnings[:MAX_HOST_WARNINGS] + [f"{len(warnings) - MAX_HOST_WARNINGS} more warnings dropped"]
    return _with_warnings(facts, tuple(warnings))


def _with_warnings(facts: HostFacts, warnings: tuple[str, ...]) -> HostFacts:
    from dataclasses import replace

    return replace(facts, warnings=warnings)
