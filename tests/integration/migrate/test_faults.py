"""Fault scenarios on a real lab (octet 81): link down mid-transfer, orchestrator killed mid-wave,
target disk full, one source's sshd down, a corrupted object in storage.

Each scenario moves different apps, so they share one lab, one S3 server and one state store.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from migration.backupstore.server import LocalS3Server
from migration.execution.runner import leftover_playbooks
from migration.execution.steps import portal_answer
from migration.lab import faults
from tests.support.lab import lab_ssh, shifted
from tests.support.migrate import run_wave, session_for, write_plan

pytestmark = [pytest.mark.integration, pytest.mark.slow]
NAME, OCTET = shifted("pipef", 81)
DCC = str(Path(sys.executable).parent / "dcc")


@pytest.fixture(scope="module")
def env(make_lab, tmp_path_factory):
    lab = make_lab(NAME, OCTET)
    with LocalS3Server() as s3:
        yield lab, lab.run_dir / "estate", s3, tmp_path_factory.mktemp("plans")


def _session(env, apps: list[str], tag: str):
    _lab, estate_dir, s3, plans = env
    plan = write_plan(estate_dir, [apps], plans / f"{tag}.json")
    return session_for(estate_dir, plan, s3.endpoint_url), plan


def _starts(session, app: str, step: str) -> int:
    return sum(1 for s in session.store.steps(app=app) if s.step == step and s.status == "started")


def test_link_down_mid_transfer_resumes_without_half_written_data(env):
    lab = env[0]
    session, _ = _session(env, ["eoffice-bogor"], "link")

    def cut(event: str, move) -> None:
        if event == "transfer:data-pushed":
            faults.apply(NAME, "pdn-t09", "link-down")
    try:
        first = run_wave(session, 1, hook=cut)
    finally:
        faults.apply(NAME, "pdn-t09", "link-down", off=True)
    # The rollback brought the source back, but could not reach the target to stop the app there
    # (its link is still down): it says so instead of reporting success.
    [app] = first.apps
    assert (app.status, app.step) == ("failed", "transfer") and "rollback incomplete" in app.message, first
    assert "pdn-t09" in app.message, app.message
    move = session.move_of("eoffice-bogor")
    assert portal_answer(move) == "bgr-files1"
    assert lab_ssh(lab, "pdn-t09", "test -e /srv/eoffice-bogor/data").returncode == 1, "half-written data in place"
    second = run_wave(session, 1)
    assert [a.status for a in second.apps] == ["migrated"], second
    assert portal_answer(move) == "pdn-t09"
    # The rollback restarted the source, which may have taken writes: the rerun backs up again.
    assert _starts(session, "eoffice-bogor", "backup") == 2, "a rolled-back source needs a fresh backup"
    assert _starts(session, "eoffice-bogor", "preflight") == 1, "the rerun must resume, not start over"
    assert all(e.passed for e in session.store.evidence(app="eoffice-bogor"))


def _first_line_with(proc: subprocess.Popen[str], text: str, timeout: float) -> str:
    """Read `proc`'s stdout until a line holds `text` (returned) or `timeout` passes ("")."""
    found: list[str] = []

    def read() -> None:
        for line in proc.stdout:
            if text in line:
                found.append(line)
                return
    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader.join(timeout)
    return found[0] if found else ""


def _transfer_starts(session):
    return [s for s in session.store.steps(app="sehat-api") if s.step == "transfer" and s.status == "started"]


def test_orchestrator_killed_mid_wave_resumes(env):
    _lab, estate_dir, s3, _ = env
    session, plan = _session(env, ["sehat-api"], "kill")
    cmd = [DCC, "migrate", "--estate", str(estate_dir), "--plan", str(plan), "--wave", "1"]
    child_env = {**os.environ, "DCC_S3_ENDPOINT": s3.endpoint_url}
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=child_env,
                            start_new_session=True)
    work = estate_dir / "state" / "work"
    deadline = time.monotonic() + 600
    # Kill while the transfer step's restore playbook runs. ansible-runner started it in its own
    # session, so it outlives the orchestrator for a moment (until the closed pty hangs it up);
    # it is held stopped here so that the rerun must meet it, and must wait, not run beside it.
    while time.monotonic() < deadline and proc.poll() is None:
        if _transfer_starts(session) and leftover_playbooks(work):
            break
        time.sleep(0.2)
    assert proc.poll() is None, "dcc migrate finished before it could be killed"
    os.killpg(proc.pid, signal.SIGKILL)  # the orchestrator and its rsync die mid-step, like a crash
    proc.wait(timeout=30)
    left = leftover_playbooks(work)
    assert left, "the playbook the killed run started is still running"
    for pid in left:
        os.kill(pid, signal.SIGSTOP)
    rerun = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=child_env)
    try:
        said = _first_line_with(rerun, "waiting for a playbook", timeout=120)
        assert said, "the rerun must say it waits for the leftover playbook"
        time.sleep(2)
        assert len(_transfer_starts(session)) == 1, "the rerun started its transfer beside the leftover"
        released = datetime.now(UTC)
    finally:
        for pid in left:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGCONT)
    out, err = rerun.communicate(timeout=900)
    assert rerun.returncode == 0, out[-2000:] + err[-1000:]
    (second,) = [s.at for s in _transfer_starts(session)][1:]
    assert second >= released, f"the rerun's transfer started at {second}, before the leftover was released"
    assert _starts(session, "sehat-api", "preflight") == 1
    assert _starts(session, "sehat-api", "backup") == 1
    assert _starts(session, "sehat-api", "transfer") == 2, "the interrupted step runs again"
    assert portal_answer(session.move_of("sehat-api")) == "pdn-t04"


def test_target_disk_full_rolls_back_and_the_source_keeps_serving(env):
    lab = env[0]
    session, _ = _session(env, ["arsip-kemenkes"], "disk")

    def fill(app: str, step: str, status: str) -> None:
        if step == "preflight" and status in ("ok", "changed"):
            faults.apply(NAME, "pdn-t03", "disk-full", "/srv/arsip-kemenkes")
    try:
        report = run_wave(session, 1, notify=fill)
    finally:
        faults.apply(NAME, "pdn-t03", "disk-full", "/srv/arsip-kemenkes", off=True)
    assert [(a.status, a.step) for a in report.apps] == [("rolled_back", "transfer")], report
    assert portal_answer(session.move_of("arsip-kemenkes")) == "kmk-files1"
    assert lab_ssh(lab, "kmk-files1", "/etc/init.d/arsip-kemenkes status").returncode == 0
    assert lab_ssh(lab, "pdn-t03", "test -e /srv/arsip-kemenkes/data").returncode == 1


def test_one_source_sshd_down_the_rest_of_the_batch_migrates_then_the_wave_stops(env):
    # Batch 1 (2 source hosts): lapor-bogor (sshd down) and lapor-jabar; batch 2: eoffice-jabar.
    session, _ = _session(env, ["lapor-bogor", "lapor-jabar", "eoffice-jabar"], "sshd")
    faults.apply(NAME, "bgr-old1", "sshd-stop")
    try:
        report = run_wave(session, 1, batch_size=2, max_failures=1)
    finally:
        faults.apply(NAME, "bgr-old1", "sshd-stop", off=True)
    by_app = {a.app: a for a in report.apps}
    assert by_app["lapor-jabar"].status == "migrated", report
    assert (by_app["lapor-bogor"].status, by_app["lapor-bogor"].step) == ("failed", "preflight")
    assert "bgr-old1" in by_app["lapor-bogor"].message
    assert by_app["eoffice-jabar"].status == "not_started" and report.stopped_early
    assert portal_answer(session.move_of("lapor-jabar")) == "pdn-t07"
    assert portal_answer(session.move_of("lapor-bogor")) == "bgr-old1"
    assert portal_answer(session.move_of("eoffice-jabar")) == "jbr-web1"


def test_corrupted_object_is_caught_before_restore_and_heals_on_the_next_run(env):
    lab = env[0]
    session, _ = _session(env, ["payroll-bogor"], "corrupt")

    def corrupt(app: str, step: str, status: str) -> None:
        if step == "backup" and status in ("ok", "changed"):
            # Overwrite one stored object behind the pipeline's back, as tampering would (a new
            # version on top of the locked one, written without the backup's key).
            key = f"{session.store.backups()[-1].prefix}/data/000000"
            site = session.objects.sites[0]
            site._s3.put_object(Bucket=site.bucket, Key=key, Body=b"-- tampered\n")
    report = run_wave(session, 1, notify=corrupt)
    [app] = report.apps
    assert (app.status, app.step) == ("rolled_back", "transfer"), report
    assert "data/000000" in app.message
    listed = lab_ssh(lab, "pdn-t08", "runuser -u postgres -- psql -XAtc 'SELECT datname FROM pg_database' "
                                     "2>/dev/null; ls /var/lib/dcc/incoming 2>/dev/null")
    assert "payroll_bogor" not in listed.stdout and "payroll-bogor" not in listed.stdout
    assert portal_answer(session.move_of("payroll-bogor")) == "bgr-web1"
    healed = run_wave(session, 1)  # the next run backs up from the source again, to a new place
    assert [a.status for a in healed.apps] == ["migrated"], healed
    first, second = [b for b in session.store.backups() if b.app == "payroll-bogor"][-2:]
    assert first.prefix != second.prefix and second.restore_verified_at is not None


def _http(ip: str, port: int, method: str, path: str, body: dict | None = None,
          host: str | None = None) -> tuple[int, bytes, dict[str, str]] | str:
    """One request: (status, body, headers); a refused or dead connection comes back as a string."""
    try:
        conn = http.client.HTTPConnection(ip, port, timeout=10)
        conn.request(method, path, body=json.dumps(body) if body else None,
                     headers={"Host": host} if host else {})
        resp = conn.getresponse()
        answer = (resp.status, resp.read(), dict(resp.getheaders()))
        conn.close()
        return answer
    except OSError as exc:
        return f"refused: {exc}"


def test_no_write_is_lost_between_backup_and_cutover(env):
    session, _ = _session(env, ["perizinan-jabar"], "freeze")
    move = session.move_of("perizinan-jabar")
    src = move.primary[0]
    # `lab up` waits for each host's sshd; its app may still be starting when this test runs first.
    deadline = time.monotonic() + 30
    while not isinstance(_http(src.ip, move.port, "GET", "/health"), tuple) and time.monotonic() < deadline:
        time.sleep(0.5)
    before = _http(src.ip, move.port, "POST", "/records", {"title": "written-before-migrate", "amount": 1})
    assert isinstance(before, tuple) and before[0] < 300, f"the source must take writes before the wave: {before}"
    window: dict[str, object] = {}

    def write_in_window(app: str, step: str, status: str) -> None:
        # Under the old design the source still served here and this write was silently left behind.
        if step == "backup" and status in ("ok", "changed"):
            window["write"] = _http(src.ip, move.port, "POST", "/records",
                                    {"title": "written-after-backup", "amount": 2})
            window["portal"] = _http(move.portal.ip, 80, "GET", "/health", host=move.service)
    report = run_wave(session, 1, notify=write_in_window)
    assert [a.status for a in report.apps] == ["migrated"], report
    answer = _http(move.portal.ip, 80, "GET", "/records?limit=10000", host=move.service)
    assert isinstance(answer, tuple) and answer[0] == 200, f"the portal must serve the records: {answer}"
    titles = {r["title"] for r in json.loads(answer[1])}
    assert "written-before-migrate" in titles, "a write accepted before the wave is missing on the target"
    refused = isinstance(window["write"], str)
    assert refused or "written-after-backup" in titles, f"write accepted in the window and lost: {window}"
    assert refused, f"the frozen source must refuse writes after its backup, got {window['write']}"
    portal = window["portal"]
    assert isinstance(portal, tuple) and portal[0] == 503, f"the portal must answer 503 in the window: {portal}"
    assert b"is moving to the national data center" in portal[1] and portal[2].get("Retry-After") == "120", portal


def test_preflight_refuses_a_target_without_room_and_nothing_is_frozen(env):
    """The database target's check reads the size its source measured (twice it must be free,
    where its database server keeps its data)."""
    lab = env[0]
    session, _ = _session(env, ["simpeg-kemenkes"], "room")
    faults.apply(NAME, "pdn-t02", "disk-full", "/var/lib/postgresql")
    try:
        report = run_wave(session, 1)
    finally:
        faults.apply(NAME, "pdn-t02", "disk-full", "/var/lib/postgresql", off=True)
    (app,) = report.apps
    assert (app.status, app.step) == ("failed", "preflight"), report
    assert "pdn-t02" in app.message and "kmk-web1" not in app.message, app.message
    assert _starts(session, "simpeg-kemenkes", "backup") == 0, "a failed preflight must freeze nothing"
    assert lab_ssh(lab, "kmk-web1", "/etc/init.d/simpeg-kemenkes status").returncode == 0
    assert portal_answer(session.move_of("simpeg-kemenkes")) == "kmk-web1"
