"""Table-driven tests of discovery's parsers, with hostile and garbled host output."""

from __future__ import annotations

import pytest

from migration.discovery import parse_runtime as rt
from migration.discovery import parse_system as sysp
from migration.discovery.facts import CronJob, DataDir, Endpoint, Filesystem, Package, Process, Service, User
from migration.discovery.lines import MAX_LINE, MAX_WARNINGS, Reader

HUGE = "A" * (MAX_LINE + 1)
BINARY = "\x00\x01\x02garbage\x7f"
SS_LISTEN = 'LISTEN 0      128          0.0.0.0:22        0.0.0.0:*    users:(("sshd",pid=41,fd=3))'
SS_ESTAB = '0      0      10.79.1.14:51234 10.79.1.11:8080 users:(("python3",pid=77,fd=5))'


def _r(text: str, section: str = "s") -> Reader:
    return Reader(section, text)


@pytest.mark.parametrize(("line", "expected"), [
    (SS_LISTEN, Endpoint("0.0.0.0", 22, "0.0.0.0", 0, "sshd", 41)),
    (SS_ESTAB, Endpoint("10.79.1.14", 51234, "10.79.1.11", 8080, "python3", 77)),
    ("LISTEN 0 4096 [::]:5432 [::]:*", Endpoint("::", 5432, "::", 0)),
    ("ESTAB 0 0 [::ffff:10.79.1.12]:5432 [::ffff:10.79.1.11]:40000", Endpoint("10.79.1.12", 5432, "10.79.1.11", 40000)),
    ("LISTEN 0 128 127.0.0.53%lo:53 0.0.0.0:*", Endpoint("127.0.0.53", 53, "0.0.0.0", 0)),
    ("LISTEN 0 128 *:8080 *:*", Endpoint("*", 8080, "*", 0)),
    ("TIME-WAIT 0 0 10.79.2.13:40000 10.79.2.11:8081", Endpoint("10.79.2.13", 40000, "10.79.2.11", 8081)),
    ('0 0 10.0.0.1:1 10.0.0.2:2 users:(("a b",pid=9,fd=1),("c",pid=10,fd=2))', Endpoint("10.0.0.1", 1, "10.0.0.2", 2, "a b", 9)),
])
def test_ss_parses_real_shapes(line: str, expected: Endpoint) -> None:
    reader = _r(line)
    assert rt.parse_ss(reader) == (expected,), reader.warnings
    assert reader.warnings == []


@pytest.mark.parametrize("garbage", [
    "State Recv-Q Send-Q Local Address:Port Peer Address:Port",  # a header sneaking in
    "LISTEN 0 128 0.0.0.0:99999 0.0.0.0:*",  # port out of range
    "LISTEN 0 128 999.1.1.1:80 0.0.0.0:*",  # not an address
    "LISTEN 0 128 0.0.0.0:-1 0.0.0.0:*",
    "LISTEN x y 0.0.0.0:80 0.0.0.0:*",  # queue sizes not numbers
    "0 0 10.0.0.1:80",  # missing the peer
    "0 0 10.0.0.1:80 $(rm -rf /):1",  # shell metacharacters stay data and are rejected
    "0 0 ;reboot:1 10.0.0.2:2",
    "lowercase 0 0 10.0.0.1:1 10.0.0.2:2",
    HUGE,
    BINARY,
    "\ufffd\ufffd\ufffd",  # undecodable bytes after utf-8 replacement
])
def test_ss_skips_garbage_with_a_warning(garbage: str) -> None:
    reader = _r(f"{garbage}\n{SS_LISTEN}")
    assert rt.parse_ss(reader) == (Endpoint("0.0.0.0", 22, "0.0.0.0", 0, "sshd", 41),)
    assert len(reader.warnings) == 1 and reader.warnings[0].startswith("s: line 1:"), reader.warnings


def test_ss_process_name_with_quote_or_control_is_dropped_not_trusted() -> None:
    reader = _r('0 0 10.0.0.1:1 10.0.0.2:2 users:(("x\\"y",pid=9,fd=1))')
    assert rt.parse_ss(reader)[0].process == ""


def test_warning_flood_is_capped() -> None:
    reader = _r("\n".join(["junk"] * 10_000))
    assert rt.parse_ss(reader) == ()
    assert len(reader.warnings) == MAX_WARNINGS + 1
    assert reader.warnings[-1] == "s: further warnings suppressed"


@pytest.mark.parametrize(("text", "expected"), [
    ("    1     0 root   1234 /sbin/tini -- /init", (Process(1, 0, "root", 1234, "/sbin/tini -- /init"),)),
    ("  120     1 postgres 9000 postgres: 15/main: checkpointer ",
     (Process(120, 1, "postgres", 9000, "postgres: 15/main: checkpointer"),)),
    ("    3     2 root 0 [kworker/0:0]", ()),  # kernel threads are left out
    ("  77 1 app 10 python3 /opt/sehat-api/app.py; rm -rf / `id` $(x)",
     (Process(77, 1, "app", 10, "python3 /opt/sehat-api/app.py; rm -rf / `id` $(x)"),)),
    ("abc 1 root 1 x", ()),
    ("1 1 root", ()),
    ("99999999999 1 root 1 x", ()),
])
def test_ps(text: str, expected: tuple[Process, ...]) -> None:
    assert rt.parse_ps(_r(text)) == expected


def test_ps_long_command_is_clipped() -> None:
    (process,) = rt.parse_ps(_r("5 1 root 1 " + "x" * 3000))
    assert len(process.command) == 512


@pytest.mark.parametrize(("text", "expected"), [
    ("ssh\t1\t0", (Service("ssh", True, True),)),
    ("postgresql\t1\t1", (Service("postgresql", True, False),)),  # stale pidfile
    ("hwclock.sh\t0\t-", (Service("hwclock.sh", False, None),)),  # no pidfile: unknown
    ("x\t1\t12", ()),
    ("bad name\t1\t0", ()),
    ("x\t2\t0", ()),
    ("x\t1\t0\textra", ()),
])
def test_services(text: str, expected: tuple[Service, ...]) -> None:
    assert rt.parse_services(_r(text)) == expected


def test_services_without_pidfile_are_running_when_their_process_is() -> None:
    services = (Service("nginx", True, None), Service("cron", True, None), Service("ssh", True, None),
                Service("rsync", True, False))
    processes = (Process(5, 1, "root", 1, "nginx: master process /usr/sbin/nginx"),
                 Process(6, 1, "root", 1, "sshd: /usr/sbin/sshd -D [listener] 0 of 10-100 startups"),
                 Process(7, 1, "root", 1, "rsync --daemon"))
    assert rt.with_processes(services, processes) == (
        Service("nginx", True, True), Service("cron", True, None), Service("ssh", True, True),
        Service("rsync", True, False))  # a stale pidfile wins over a same-named process


@pytest.mark.parametrize(("text", "expected"), [
    ('ID=debian\nVERSION_ID="12"\nPRETTY_NAME="Debian GNU/Linux 12 (bookworm)"',
     {"ID": "debian", "VERSION_ID": "12", "PRETTY_NAME": "Debian GNU/Linux 12 (bookworm)"}),
    ("ID=$(reboot)\n# comment\n", {"ID": "$(reboot)"}),  # kept as text, never evaluated
    ("ID=a\nID=b", {"ID": "a"}),
    ("lower=x\n=y\nNOEQUALS", {}),
    (f"ID={HUGE}", {}),
])
def test_os_release(text: str, expected: dict[str, str]) -> None:
    assert sysp.parse_os_release(_r(text)) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("Filesystem Type 1024-blocks Used Available Capacity Mounted on\n/dev/vda ext4 100 40 60 40% /",
     (Filesystem("/dev/vda", "ext4", 100, 40, 60, "/"),)),
    ("/dev/vda ext4 100 40 60 40% /\n/dev/vda ext4 100 40 60 40% /", (Filesystem("/dev/vda", "ext4", 100, 40, 60, "/"),)),
    ("/dev/vdb xfs 10 1 9 10% /srv/my data", (Filesystem("/dev/vdb", "xfs", 10, 1, 9, "/srv/my data"),)),
    ("/dev/vda ext4 -100 40 60 40% /", ()),
    ("/dev/vda ext4 100 40 60 40% relative", ()),
])
def test_df(text: str, expected: tuple[Filesystem, ...]) -> None:
    assert sysp.parse_df(_r(text)) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("openssh-server\t1:9.2p1-2+deb12u3\tinstalled", (Package("openssh-server", "1:9.2p1-2+deb12u3"),)),
    ("libc6:amd64\t2.36-9\tinstalled", (Package("libc6:amd64", "2.36-9"),)),
    ("removed-pkg\t1.0\tconfig-files", ()),
    ("Bad_Name\t1.0\tinstalled", ()),
    ("pkg\t1.0;rm -rf /\tinstalled", ()),
    ("pkg 1.0 installed", ()),
])
def test_packages(text: str, expected: tuple[Package, ...]) -> None:
    assert sysp.parse_packages(_r(text)) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("root:x:0:0:root:/root:/bin/bash", ()),
    ("postgres:x:101:104::/var/lib/postgresql:/bin/bash", (User("postgres", 101, 104, "/var/lib/postgresql", "/bin/bash", "service"),)),
    ("budi:x:1000:1000:Budi:/home/budi:/bin/bash", (User("budi", 1000, 1000, "/home/budi", "/bin/bash", "person"),)),
    ("nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin", ()),
    ("evil:x:-1:0::/:/bin/sh", ()),
    ("too:few:fields", ()),
    ("Bad Name:x:1000:1000::/:/bin/sh", ()),
])
def test_passwd(text: str, expected: tuple[User, ...]) -> None:
    assert sysp.parse_passwd(_r(text)) == expected


@pytest.mark.parametrize(("text", "system", "expected"), [
    ("crontab\t17 * * * * root cd / && run-parts --report /etc/cron.hourly", True,
     (CronJob("crontab", "root", "17 * * * *", "cd / && run-parts --report /etc/cron.hourly"),)),
    ("app\t@daily appuser /opt/app/backup.sh", True, (CronJob("cron.d/app", "appuser", "@daily", "/opt/app/backup.sh"),)),
    ("budi\t*/5 * * * * /home/budi/sync.sh", False, (CronJob("crontabs/budi", "budi", "*/5 * * * *", "/home/budi/sync.sh"),)),
    ("crontab\tSHELL=/bin/sh\ncrontab\t# comment\ncrontab\t", True, ()),
    ("crontab\t* * * * root", True, ()),  # no command
    ("crontab\t@never root x", True, ()),
    ("../../x\t* * * * * root x", True, ()),
    ("crontab\t* * $(x) * * root y", True, ()),
])
def test_cron(text: str, system: bool, expected: tuple[CronJob, ...]) -> None:
    assert sysp.parse_cron(_r(text), system=system) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("1024\t/srv/arsip-kemenkes\n2048\t/var/lib/postgresql", (DataDir("/srv/arsip-kemenkes", 1024), DataDir("/var/lib/postgresql", 2048))),
    ("12\trelative/path", ()),
    ("-5\t/srv/x", ()),
    ("12 /srv/no-tab", ()),
])
def test_du(text: str, expected: tuple[DataDir, ...]) -> None:
    assert sysp.parse_du(_r(text)) == expected


@pytest.mark.parametrize(("section", "text", "expected"), [
    ("nproc", "4", 4), ("nproc", "0", None), ("nproc", "four", None), ("nproc", "", None),
    ("meminfo", "MemTotal:       8030000 kB\nMemFree: 1 kB", 8030000), ("meminfo", "MemTotal: lots", None),
])
def test_scalar_parsers(section: str, text: str, expected: int | None) -> None:
    parse = sysp.parse_cpu_count if section == "nproc" else sysp.parse_memory_kb
    assert parse(_r(text)) == expected


def test_databases_from_binaries_processes_and_sockets() -> None:
    binaries = rt.parse_db_binaries(_r("/usr/lib/postgresql/15/bin/postgres\n/tmp/evil/postgres"))
    processes = (Process(50, 1, "postgres", 1, "/usr/lib/postgresql/15/bin/postgres -D /var/lib/postgresql/15/main"),)
    listening = (Endpoint("0.0.0.0", 5432, "0.0.0.0", 0, "postgres", 50),)
    (server,) = rt.derive_databases(binaries, processes, listening)
    assert (server.engine, server.version, server.running, server.ports) == ("postgresql", "15", True, (5432,))
    (idle,) = rt.derive_databases(binaries, (), ())
    assert idle.running is False
    assert rt.derive_databases([], (), ()) == ()


@pytest.mark.parametrize(("command", "stored"), [
    ("pg_dump postgresql://simpeg:S3cret@10.79.1.12/simpeg", "pg_dump postgresql://simpeg:***@10.79.1.12/simpeg"),
    ("/opt/app/run --password hunter2 --port 80", "/opt/app/run --password *** --port 80"),
    ("env DB_PASSWORD=abc python3 app.py", "env DB_PASSWORD=*** python3 app.py"),
    ("sync --api-key=K123 --token:XYZ", "sync --api-key=*** --token:***"),
    ("python3 /opt/sehat-api/app.py", "python3 /opt/sehat-api/app.py"),
])
def test_credentials_in_command_lines_are_masked(command: str, stored: str) -> None:
    (process,) = rt.parse_ps(_r(f"5 1 root 1 {command}"))
    assert process.command == stored
    (job,) = sysp.parse_cron(_r(f"app\t@daily root {command}"), system=True)
    assert job.command == stored
