"""Discovery against a real lab copy (estate `disc`, 10.79.x.y): facts, dependencies and host faults.

Asserts what the lab is known to run (docs/lab.md): apps on 8080/8081/8082, PostgreSQL on the
db hosts, sshd everywhere; sehat-api -> arsip-kemenkes undeclared, perizinan-jabar -> eoffice-bogor
declared but never called.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from migration.discovery import Settings, diff, discover_all, load_all, select_targets, store
from migration.inventory import load_estate
from tests.support.lab import shifted

pytestmark = pytest.mark.integration
NAME, OCTET = shifted("disc", 79)
PORTS = {"kmk-web1": {22, 8080}, "kmk-db1": {22, 5432}, "kmk-files1": {22, 8081}, "kmk-api1": {22, 8082},
         "jbr-web1": {22, 8081}, "jbr-app1": {22, 8080, 5432}, "jbr-api1": {22, 8082},
         "bgr-web1": {22, 8080, 5432}, "bgr-files1": {22, 8081}, "bgr-old1": {22, 8082}, "pdn-portal": {22, 80}}


@pytest.fixture(scope="module")
def lab(make_lab):
    return make_lab(NAME, OCTET)


@pytest.fixture(scope="module")
def estate_dir(lab) -> Path:
    return lab.run_dir / "estate"


def _settings(lab, known_hosts: Path | None = None, **kw) -> Settings:
    return Settings(known_hosts=known_hosts or lab.known_hosts, identity=lab.identity, connect_timeout=5,
                    command_timeout=60, **kw)


def _discover(lab, estate_dir: Path, pattern: str, known_hosts: Path | None = None, **kw):
    targets = select_targets(load_estate(estate_dir), pattern)
    return {o.host: o for o in discover_all(targets, _settings(lab, known_hosts, **kw))}


def _dcc(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "200"}
    return subprocess.run([sys.executable, "-m", "migration", *args], check=False, capture_output=True, text=True,
                          timeout=120, env=env)


def _warm_up(name: str) -> None:
    """Wait (bounded) until every app answers, then two api polling periods (2 s each), so the
    keep-alive and database connections the lab's apps hold exist before the snapshot."""
    from migration.lab import status

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if all(health.endswith("ok") or health == "n/a" for host in status(name) for _, health in host.apps):
            break
        time.sleep(1)
    time.sleep(4.5)


def _logins(lab) -> dict[str, int]:
    """Accepted SSH logins so far, per host, from each host's own sshd log."""
    logs = {h: lab.run_dir / "hosts" / h / "root" / "var" / "log" / "sshd.log" for h in lab.hosts()}
    return {h: p.read_text(errors="replace").count("Accepted publickey") if p.exists() else 0
            for h, p in logs.items()}


@pytest.fixture(scope="module")
def full_run(lab, estate_dir: Path):
    _warm_up(NAME)
    targets = select_targets(load_estate(estate_dir))
    before = _logins(lab)
    outcomes = discover_all(targets, _settings(lab))
    after = _logins(lab)
    store(outcomes, estate_dir / "facts")
    return {o.host: o for o in outcomes}, {h: after[h] - before[h] for h in after}


def test_every_host_answers_over_exactly_one_connection(full_run) -> None:
    outcomes, logins = full_run
    assert len(outcomes) == 20
    failed = {h: (o.status, o.message) for h, o in outcomes.items() if not o.ok}
    assert failed == {}
    assert {o.ssh_connections for o in outcomes.values()} == {1}
    assert logins == {h: 1 for h in outcomes}, "each host's sshd must log exactly one login"


def test_listening_ports_are_the_lab_apps(full_run) -> None:
    outcomes = full_run[0]
    for host, expected in PORTS.items():
        found = {s.port for s in outcomes[host].facts.listening}
        assert found == expected, f"{host}: expected ports {sorted(expected)}, discovered {sorted(found)}"
    assert {s.port for s in outcomes["pdn-t01"].facts.listening} == {22}


def test_facts_describe_the_host(full_run, estate_dir: Path) -> None:
    facts = load_all(estate_dir / "facts")["kmk-db1"]
    assert facts.schema == 1 and facts.taken_at.endswith("+00:00")
    assert (facts.os.id, facts.os.version_id, facts.hostname) == ("debian", "12", "kmk-db1")
    assert facts.cpu_count and facts.memory_kb and facts.filesystems
    assert {"openssh-server", "postgresql-15"} <= {p.name for p in facts.packages}
    # The base has MariaDB installed too (for the vendor archetypes): installed, not running here.
    assert [(d.engine, d.running, d.ports) for d in facts.databases] == [
        ("mariadb", False, ()), ("mysql", False, ()), ("postgresql", True, (5432,))]
    assert "postgres" in {u.name for u in facts.users}
    assert facts.warnings == ()
    web = load_all(estate_dir / "facts")["kmk-web1"]
    assert any(s.name == "simpeg-kemenkes" and s.enabled and s.running for s in web.services), web.services
    assert any("/opt/simpeg-kemenkes/" in p.command for p in web.processes)


def test_observed_dependencies_match_what_the_lab_runs(full_run, estate_dir: Path) -> None:
    result = diff(load_estate(estate_dir), load_all(estate_dir / "facts"))
    pairs = lambda deps: {(d.from_app, d.to_app) for d in deps}
    assert pairs(result.undeclared) == {("sehat-api", "arsip-kemenkes")}
    assert pairs(result.unseen) == {("perizinan-jabar", "eoffice-bogor")}
    assert pairs(result.confirmed) == {("sehat-api", "simpeg-kemenkes"), ("lapor-jabar", "eoffice-jabar"),
                                       ("lapor-jabar", "perizinan-jabar")}
    assert {("simpeg-kemenkes", "postgresql"), ("perizinan-jabar", "postgresql")} <= set(result.intra_app)


def test_diff_verb_shows_the_findings_from_stored_facts(full_run, estate_dir: Path) -> None:
    run = _dcc("discover", "diff", "--estate", str(estate_dir))
    assert run.returncode == 0, run.stderr
    rows = {" ".join(line.replace("│", " ").split()) for line in run.stdout.splitlines()}
    assert "sehat-api arsip-kemenkes tcp/8081 seen, NOT declared" in rows, run.stdout
    assert "perizinan-jabar eoffice-bogor http declared, never seen" in rows, run.stdout


def test_every_declared_app_port_listens_and_nothing_undeclared_does(full_run, estate_dir: Path) -> None:
    from migration.discovery.listeners import listener_findings

    assert listener_findings(load_estate(estate_dir), load_all(estate_dir / "facts")) == []


def test_changed_host_key_aborts_that_host_only(lab, estate_dir: Path, tmp_path: Path) -> None:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    imposter = Ed25519PrivateKey.generate().public_key().public_bytes(Encoding.OpenSSH, PublicFormat.OpenSSH)
    lines = [f"{ln.split()[0]} {imposter.decode()}" if ln.startswith("kmk-files1,") else ln
             for ln in lab.known_hosts.read_text().splitlines()]
    known = tmp_path / "known_hosts"
    known.write_text("\n".join(lines) + "\n")
    found = _discover(lab, estate_dir, "kmk-*", known, accept_new_keys=True)
    assert found["kmk-files1"].status == "host-key-changed"
    assert found["kmk-files1"].message.count("SHA256:") == 2
    assert {h: o.status for h, o in found.items() if h != "kmk-files1"} == \
        {"kmk-web1": "ok", "kmk-db1": "ok", "kmk-api1": "ok"}
    assert known.read_text() == "\n".join(lines) + "\n", "a changed key is never re-recorded"


def test_unknown_key_is_refused_then_accepted_on_request(lab, estate_dir: Path, tmp_path: Path) -> None:
    known = tmp_path / "known_hosts"
    known.write_text("")
    assert _discover(lab, estate_dir, "pdn-t01", known)["pdn-t01"].status == "host-key-unknown"
    assert known.read_text() == ""
    assert _discover(lab, estate_dir, "pdn-t01", known, accept_new_keys=True)["pdn-t01"].status == "ok"
    assert known.read_text().startswith(f"10.{OCTET}.10.21 ssh-ed25519 ")


def test_stopped_sshd_is_reported_while_the_rest_succeed(lab, estate_dir: Path, full_run) -> None:
    from migration.lab.faults import apply

    before = (estate_dir / "facts" / "bgr-old1.json").read_text()
    good_mtime = (estate_dir / "facts" / "bgr-web1.json").stat().st_mtime_ns
    apply(NAME, "bgr-old1", "sshd-stop")
    try:
        run = _dcc("discover", "--estate", str(estate_dir), "--hosts", "bgr-*",
                   "--known-hosts", str(lab.known_hosts), "--identity", str(lab.identity))
    finally:
        apply(NAME, "bgr-old1", "sshd-stop", off=True)
    assert run.returncode == 5, run.stdout + run.stderr
    assert "Traceback" not in run.stderr
    assert run.stderr.count("\n") == 1 and "1 of 3 hosts failed: bgr-old1 (unreachable)" in run.stderr
    assert "bgr-web1" in run.stdout and "unreachable" in run.stdout
    assert (estate_dir / "facts" / "bgr-old1.json").read_text() == before, "a failed host keeps its old facts"
    assert (estate_dir / "facts" / "bgr-web1.json").stat().st_mtime_ns > good_mtime, "good hosts' facts stored"


def test_garbage_from_a_fake_ss_is_survived_with_warnings(lab, estate_dir: Path) -> None:
    fake = lab.run_dir / "hosts" / "jbr-api1" / "root" / "usr" / "local" / "sbin" / "ss"
    # Garbage for every ss call; only the listening query also gets one valid line.
    fake.write_text("#!/bin/sh\nprintf 'LISTEN 0 1 0.0.0.0:99999 *:*\\n\\001\\002\\377garbage\\n$(reboot)\\n'\n"
                    "head -c 300000 /dev/zero | tr '\\0' x\necho\n"
                    "[ \"$1\" = -Htlnp ] && echo 'LISTEN 0 128 0.0.0.0:8082 0.0.0.0:*'\nexit 0\n")
    fake.chmod(0o755)
    try:
        found = _discover(lab, estate_dir, "jbr-api1")["jbr-api1"]
    finally:
        fake.unlink()
    assert found.status == "ok", found.message
    assert [s.port for s in found.facts.listening] == [8082]
    assert found.facts.connections == ()
    assert any(w.startswith("ss-listen: line 1: unparsable") for w in found.facts.warnings), found.facts.warnings
    # The garbage line is kept and named, its control bytes escaped (never dropped, never raw).
    assert any("\\x01\\x02" in w and "unparsable" in w for w in found.facts.warnings), found.facts.warnings
    assert found.facts.packages, "the other sections still parse"


def test_host_behind_a_down_link_times_out_while_the_rest_succeed(lab, estate_dir: Path) -> None:
    from migration.lab.faults import apply

    apply(NAME, "pdn-t09", "link-down")
    try:
        targets = select_targets(load_estate(estate_dir), "pdn-t0[89]")
        settings = Settings(known_hosts=lab.known_hosts, identity=lab.identity, connect_timeout=2)
        found = {o.host: o for o in discover_all(targets, settings)}
    finally:
        apply(NAME, "pdn-t09", "link-down", off=True)
    assert found["pdn-t09"].status == "unreachable", found["pdn-t09"]
    assert found["pdn-t09"].ssh_connections == 0
    assert found["pdn-t08"].status == "ok", found["pdn-t08"].message
