"""Issue 15, discovery: every line a host prints is kept (control characters escaped, never
dropped), secrets on command lines are masked in every common form, facts files are private."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from migration.discovery import parse_runtime as rt
from migration.discovery import parse_system as sysp
from migration.discovery.lines import Reader, redact

SS = 'LISTEN 0 128 0.0.0.0:{port} 0.0.0.0:* users:(("{name}",pid=41,fd=3))'


@pytest.mark.parametrize(("name", "shown"), [
    ("app\x1b[31mred", "app\\x1b[31mred"),
    ("evil\x07bell", "evil\\x07bell"),
    ("cr\rhide", "cr\\x0dhide"),
    ("\x9bcsi", "\\x9bcsi"),
    ("rtl\u202eexe", "rtl\\u202eexe"),
])
def test_listener_with_a_control_character_is_kept_escaped(name: str, shown: str) -> None:
    reader = Reader("ss", SS.format(port=8080, name=name) + "\n" + SS.format(port=22, name="sshd"))
    found = rt.parse_ss(reader)
    assert [(e.port, e.process) for e in found] == [(8080, shown), (22, "sshd")], reader.warnings


@pytest.mark.parametrize("command", [
    "/usr/bin/job --run\x1b]8;;http://x\x1b\\now",
    "/usr/bin/job\x00hidden",
    "/usr/bin/job \x7f\x08\x08\x08evil",
])
def test_cron_and_process_lines_with_controls_are_kept(command: str) -> None:
    cron = Reader("cron", f"job\t*/5 * * * * root {command}")
    jobs = sysp.parse_cron(cron, system=True)
    assert len(jobs) == 1 and "\\x" in jobs[0].command, cron.warnings
    assert not any(ord(c) < 32 or 0x7f <= ord(c) <= 0x9f for c in jobs[0].command)
    ps = Reader("ps", f"  101     1 app 1234 {command}")
    processes = rt.parse_ps(ps)
    assert len(processes) == 1 and "\\x" in processes[0].command, ps.warnings


SECRETS = [
    "mysqld --password hunter2 --port 3306",
    "mysqld --password=hunter2",
    "app --db-pass=hunter2",
    "app --db-pass hunter2",
    "app --dbPassword=hunter2",
    "PASS=hunter2 /usr/bin/app",
    "DB_PASSWORD=hunter2 /usr/bin/app",
    "env MYSQL_PWD=hunter2 mysql",
    "PGPASSWORD='hunter2' psql -h db",
    "mysql -uroot -phunter2 appdb",
    "mysqldump -u root -p'hunter2' appdb",
    "sshpass -p hunter2 ssh backup@host",
    "curl -u admin:hunter2 http://x/",
    "curl --user admin:hunter2 http://x/",
    "curl -H 'Authorization: Bearer hunter2' http://x/",
    "curl -H \"Authorization: Basic aHVudGVyMg==\" http://x/".replace("aHVudGVyMg==", "hunter2"),
    "curl --header=Authorization:token\\ hunter2 http://x/",
    "curl -H 'X-Api-Key: hunter2' http://x/",
    "app --api-key hunter2",
    "app --token=hunter2",
    "app --secret hunter2",
    "java -Ddb.password=hunter2 -jar app.jar",
    "app postgres://admin:hunter2@db:5432/x",
    "app redis://:hunter2@cache:6379",
    "app jdbc:sqlserver://db;user=sa;password=hunter2;database=x",
    "app https://x/cb?user=a&password=hunter2&x=1",
    'app --config {"password": "hunter2"}',
    "mysql -e \"CREATE USER x IDENTIFIED BY 'hunter2'\"",
    "AWS_SECRET_ACCESS_KEY=hunter2 aws s3 ls",
    "GITHUB_TOKEN=hunter2 app",
    "app --client-secret=hunter2",
    "app --passphrase hunter2",
    'app --password="hunter2 and more"',
    "PASS='hunter2 with spaces' /usr/bin/app",
    'mysql -p"hunter2 x" db',
    "app --config <password>hunter2</password>",
]


@pytest.mark.parametrize("command", SECRETS)
def test_secrets_are_masked_in_every_common_form(command: str) -> None:
    masked = redact(command)
    assert "hunter2" not in masked and " and more" not in masked and "with spaces" not in masked, masked
    assert "***" in masked
    ps = rt.parse_ps(Reader("ps", f"  101     1 app 1234 {command}"))
    assert "hunter2" not in ps[0].command
    cron = sysp.parse_cron(Reader("cron", f"x\t0 1 * * * root {command}"), system=True)
    assert "hunter2" not in cron[0].command


@pytest.mark.parametrize("command", [
    "/usr/sbin/sshd -D -p 2222",
    "python3 -m http.server 8080",
    "nginx -g daemon off;",
    "postgres -D /var/lib/postgresql/15/main -p 5432",
    "java -jar /opt/app/app.jar --port=8080",
])
def test_ordinary_command_lines_are_not_masked(command: str) -> None:
    assert redact(command) == command


def test_a_secret_in_an_unparsable_line_is_not_quoted_in_warnings() -> None:
    reader = Reader("ps", "garbage --password hunter2 more")
    rt.parse_ps(reader)
    assert reader.warnings and "hunter2" not in " ".join(reader.warnings)


def test_facts_files_are_private(tmp_path: Path) -> None:
    from migration.discovery.facts import HostFacts, write_facts

    facts = HostFacts(host="h1", address="10.0.0.1", taken_at="2027-01-01T00:00:00Z")
    path = write_facts(tmp_path / "facts", facts)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
