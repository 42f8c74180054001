"""No acknowledged write is lost (real lab, octet 85): writers post records through the portal,
straight to the source app and straight into its database while the pipeline migrates the app,
cuts it over, fails it back and migrates it again. Also: an unexpected exception in any step
rolls back and closes the run; a killed run is closed as `died`; a rollback that could not
reach a host says so; verify after cutover checks the live data.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from migration.backupstore.server import LocalS3Server
from migration.execution import steps as S
from migration.execution.steps import portal_answer
from migration.lab import faults
from migration.lab.appinstall import db_name, db_password
from tests.support.lab import lab_ssh, shifted
from tests.support.migrate import run_wave, session_for, write_plan
from tests.support.writers import Writers, db_write, http_write, lost_and_wrongly_kept, served_titles

pytestmark = [pytest.mark.integration, pytest.mark.slow]
NAME, OCTET = shifted("pipes", 85)
DCC = str(Path(sys.executable).parent / "dcc")
APP = "simpeg-kemenkes"  # web on kmk-web1 -> pdn-t01, database on kmk-db1 -> pdn-t02


@pytest.fixture(scope="module")
def env(make_lab, tmp_path_factory):
    lab = make_lab(NAME, OCTET)
    with LocalS3Server() as s3:
        yield lab, lab.run_dir / "estate", s3, tmp_path_factory.mktemp("plans")


def _plan(env, apps: list[str], tag: str) -> Path:
    _lab, estate_dir, _s3, plans = env
    return write_plan(estate_dir, [apps], plans / f"{tag}.json")


def _dcc(env, *args: str, timeout: float = 900) -> subprocess.CompletedProcess[str]:
    _lab, estate_dir, s3, _ = env
    return subprocess.run([DCC, *args, "--estate", str(estate_dir)], check=False, capture_output=True, text=True,
                          env={**os.environ, "DCC_S3_ENDPOINT": s3.endpoint_url, "COLUMNS": "200"},
                          timeout=timeout)


def _writers(session) -> Writers:
    move = session.move_of(APP)
    web, db = move.primary[0], move.db[0]
    return Writers({
        "portal": http_write(move.portal.ip, 80, move.service),
        "app": http_write(web.ip, move.port, None),
        "db": db_write(db.ip, db_name(APP), db_name(APP), db_password(APP)),
    })


def _wait_for_health(session, app: str) -> None:
    move = session.move_of(app)
    deadline = time.monotonic() + 60
    while portal_answer(move, attempts=1) != move.primary[0].id and time.monotonic() < deadline:
        time.sleep(0.5)


def _check(session, writers: Writers) -> set[str]:
    move = session.move_of(APP)
    served = served_titles(move.portal.ip, move.service)
    lost, kept = lost_and_wrongly_kept(writers.tally, served)
    assert not lost, f"{len(lost)} acknowledged write(s) lost, e.g. {sorted(lost)[:5]}"
    assert not kept, f"{len(kept)} write(s) answered with an error were stored, e.g. {sorted(kept)[:5]}"
    by_writer = {w: [sum(t.startswith(f"{w}-") for t in writers.tally.titles(o)) for o in ("acked", "refused", "unknown")]
                 for w in ("portal", "app", "db")}
    print(f"\nwriters (acknowledged/refused/unanswered): {by_writer}; lost 0, refused but stored 0")
    return served


def test_a_slow_web_host_a_cutover_and_a_failback_keep_every_acknowledged_write(env):
    plan = _plan(env, [APP], "failback")
    session = session_for(env[1], plan, env[2].endpoint_url)
    _wait_for_health(session, APP)
    faults.apply(NAME, "kmk-web1", "delay", "1mbit")  # its freeze is slow; the dump must still wait
    try:
        with _writers(session) as writers:
            time.sleep(2)
            migrated = _dcc(env, "migrate", "--plan", str(plan), "--wave", "1")
            assert migrated.returncode == 0, migrated.stdout[-3000:] + migrated.stderr[-2000:]
            cut = time.monotonic()
            time.sleep(4)  # the target takes writes through the portal
            assert portal_answer(session.move_of(APP)) == "pdn-t01"
            back = _dcc(env, "rollback", "--plan", str(plan), "--app", APP)
            failed_back = time.monotonic()
            time.sleep(2)
    finally:
        faults.apply(NAME, "kmk-web1", "delay", off=True)
    assert back.returncode == 0, back.stdout[-3000:] + back.stderr[-2000:]
    assert portal_answer(session.move_of(APP)) == "kmk-web1"
    on_target = writers.tally.titles("acked", since=cut, until=failed_back)
    assert {t for t in on_target if t.startswith("portal-")}, "no write reached the target: the test proves nothing"
    served = _check(session, writers)
    assert on_target <= served
    assert len(writers.tally.titles("acked")) > 50 and writers.tally.titles("refused"), "the writers must have run"
    steps = [(s.step, s.status) for s in session.store.steps(app=APP) if s.host == "kmk-web1"]
    assert ("failback", "rolled_back") in steps, steps
    # The target's database is kept (closed), never dropped.
    kept = lab_ssh(env[0], "pdn-t02", "runuser -u postgres -- psql -XAtc "
                   "\"SELECT datallowconn FROM pg_database WHERE datname = 'simpeg_kemenkes'\"")
    assert kept.stdout.strip() == "f", kept


def test_migrating_again_after_a_failback_starts_from_the_sources_current_data(env):
    plan = _plan(env, [APP], "again")
    session = session_for(env[1], plan, env[2].endpoint_url)
    before = served_titles(session.move_of(APP).portal.ip, session.move_of(APP).service)
    with _writers(session) as writers:
        report = run_wave(session, 1)
        time.sleep(2)
    assert [a.status for a in report.apps] == ["migrated"], report
    assert portal_answer(session.move_of(APP)) == "pdn-t01"
    served = _check(session, writers)
    assert before <= served, f"{len(before - served)} record(s) of the source's current data are missing"
    dbs = lab_ssh(env[0], "pdn-t02", "runuser -u postgres -- psql -XAtc 'SELECT datname FROM pg_database'")
    assert "simpeg_kemenkes__dcc_kept_" in dbs.stdout, f"the replaced target database was not kept: {dbs.stdout}"
    # The transfer's copies (dump, role hash, configs) are gone from every host once the app moved.
    for host in ("kmk-web1", "kmk-db1", "pdn-t01", "pdn-t02"):
        left = lab_ssh(env[0], host, "ls /var/lib/dcc/staging /var/lib/dcc/incoming 2>/dev/null")
        assert APP not in left.stdout, f"{host} keeps copies: {left.stdout}"


def test_verify_after_cutover_checks_the_live_data(env):
    plan = _plan(env, [APP], "verify")
    session = session_for(env[1], plan, env[2].endpoint_url)
    with _writers(session):
        time.sleep(3)  # rows the backup does not have
    checked = _dcc(env, "verify", "--plan", str(plan), "--app", APP)
    assert checked.returncode == 0, checked.stdout[-3000:]
    names = {e.check for e in session_for(env[1], plan, env[2].endpoint_url).store.evidence(app=APP)
             if e.check.startswith("db_rows")}
    assert "db_rows_live" in names, names


@pytest.mark.parametrize("step", ["backup", "transfer", "deploy", "verify", "cutover"])
def test_an_unexpected_exception_in_a_step_rolls_back_and_closes_the_run(env, step, monkeypatch):
    app = "sehat-api"
    plan = _plan(env, [app], f"boom-{step}")
    session = session_for(env[1], plan, env[2].endpoint_url)
    real = S.STEP_FUNCS[step]
    fired: list[str] = []

    def boom(ctx, moves):
        out = real(ctx, moves)  # the step did its work; then something nobody expected goes wrong, once
        if not fired:
            fired.append(step)
            raise RuntimeError(f"injected after {step}")
        return out
    monkeypatch.setitem(S.STEP_FUNCS, step, boom)
    report = run_wave(session, 1)
    [result] = report.apps
    assert (result.status, result.step) == ("rolled_back", step), result
    assert f"unexpected RuntimeError: injected after {step}" in result.message
    assert portal_answer(session.move_of(app)) == "kmk-api1"
    assert lab_ssh(env[0], "kmk-api1", f"/etc/init.d/{app} status").returncode == 0
    assert session.store.runs()[-1].status != "running"


def test_a_rollback_that_cannot_reach_the_target_says_so_and_fails(env):
    plan = _plan(env, ["lapor-jabar"], "unreachable")
    faults.apply(NAME, "pdn-t07", "link-down")
    try:
        out = _dcc(env, "rollback", "--plan", str(plan), "--app", "lapor-jabar")
    finally:
        faults.apply(NAME, "pdn-t07", "link-down", off=True)
    assert out.returncode == 6, out.stdout + out.stderr
    assert "pdn-t07" in out.stderr and "rolled back" not in out.stdout, out.stdout + out.stderr


def test_a_killed_run_is_closed_as_died_by_the_next_command(env):
    plan = _plan(env, ["eoffice-bogor"], "died")
    session = session_for(env[1], plan, env[2].endpoint_url)
    _lab, estate_dir, s3, _ = env
    proc = subprocess.Popen([DCC, "migrate", "--estate", str(estate_dir), "--plan", str(plan), "--wave", "1"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
                            env={**os.environ, "DCC_S3_ENDPOINT": s3.endpoint_url})
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and proc.poll() is None:
        if any(s.step == "backup" for s in session.store.steps(app="eoffice-bogor")):
            break
        time.sleep(0.2)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    killed = session.store.runs()[-1]
    assert killed.status == "running"
    status = _dcc(env, "status")
    assert status.returncode == 0, status.stdout + status.stderr
    assert [r.status for r in session.store.runs() if r.id == killed.id] == ["died"]
    assert "died" in status.stdout
    finished = _dcc(env, "migrate", "--plan", str(plan), "--wave", "1")  # resumes
    assert finished.returncode == 0, finished.stdout[-3000:]
    assert portal_answer(session.move_of("eoffice-bogor")) == "pdn-t09"


def test_a_profile_that_does_not_match_its_host_fails_preflight_naming_file_field_and_host(env):
    """A reviewed profile naming a data folder the host does not have: preflight refuses with one
    line naming the profile file, the field and the host, before anything is frozen."""
    app = "eoffice-jabar"
    profile = env[1] / "profiles" / f"{app}.yaml"
    good = profile.read_text()
    profile.write_text(good.replace(f"path: /srv/{app}/data\n", f"path: /srv/{app}/data-moved\n", 1))
    try:
        plan = _plan(env, [app], "wrong-profile")
        out = _dcc(env, "migrate", "--plan", str(plan), "--wave", "1")
    finally:
        profile.write_text(good)
    assert out.returncode != 0, out.stdout[-2000:]
    session = session_for(env[1], plan, env[2].endpoint_url)
    [failed] = [s for s in session.store.steps(app=app) if s.status == "failed"]
    why = (failed.detail or {}).get("failed_hosts", {}).get("jbr-web1", "")
    assert failed.step == "preflight" and why.endswith(
        f"profiles/{app}.yaml: hosts.jbr-web1.data[0]: /srv/{app}/data-moved is not on jbr-web1"), failed
    assert {s.step for s in session.store.steps(app=app)} <= {"preflight"}, "nothing may run after a failed preflight"
    assert lab_ssh(env[0], "jbr-web1", f"/etc/init.d/{app} status").returncode == 0, "the source must keep serving"
    assert portal_answer(session.move_of(app)) == "jbr-web1"
