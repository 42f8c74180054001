"""`dcc migrate` stopped by a signal between two of its playbooks, on real hosts (the vendor lab
on octet 84, whose third octets 61-70 never meet the `pipa` lab's 1-10): SIGTERM (a service
manager's stop) ends the process at once; Ctrl-C (SIGINT) ends it with exit status 130 and one
line on what to do next, no traceback. ansible-runner installs handlers for both that only
cancel its own playbook and never put the old ones back; with them left in place, the signal
was ignored and the run went on to cut the app over. A writer posts through the portal all
along: the rerun finishes the move, and every write the app acknowledged is on the target.
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
from migration.execution.runner import leftover_playbooks
from migration.execution.steps import portal_answer
from migration.lab import LabAccess
from tests.support.lab import shifted
from tests.support.migrate import session_for, write_plan
from tests.support.writers import Writers, http_post

pytestmark = [pytest.mark.integration, pytest.mark.slow]
DCC = str(Path(sys.executable).parent / "dcc")
# (signal, app, its writer: service name, write path, JSON body, its target and the rows stored there)
CASES = {
    "sigterm": (signal.SIGTERM, "ekinerja-garut", "ekinerja.garutkab.go.id", "/api/laporan",
                lambda t: {"nip": "198001012005011001", "uraian": t, "nilai": 1}, "pdn-t03",
                "sqlite3 -readonly /var/lib/ekinerja/ekinerja.db \"SELECT uraian FROM laporan WHERE uraian LIKE 'w-%'\""),
    "sigint": (signal.SIGINT, "simpatda-depok", "pajak.depok.go.id", "/api/pajak.php",
               lambda t: {"npwpd": "P.9.0000003", "wajib_pajak": t, "jumlah": 1}, "pdn-t02",
               "mariadb -NBe \"SELECT wajib_pajak FROM simpatda.pajak WHERE wajib_pajak LIKE 'w-%'\""),
}


@pytest.fixture(scope="module")
def env(make_vendor_lab, tmp_path_factory):
    lab = make_vendor_lab(*shifted("vsig", 84))
    with LocalS3Server() as s3:
        yield lab, lab.run_dir / "estate", s3, tmp_path_factory.mktemp("plans")


def _signal_between_playbooks(proc: subprocess.Popen[str], work: Path, session, app: str, sig: int) -> None:
    """Once the app's backup has begun, hold the orchestrator stopped at a moment no playbook of
    its runs, send `sig`, and let it go on: the signal lands between two playbooks."""
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline and proc.poll() is None:
        started = {s.step for s in session.store.steps(app=app) if s.status == "started"}
        if "backup" in started:
            os.kill(proc.pid, signal.SIGSTOP)
            if not leftover_playbooks(work):
                os.kill(proc.pid, sig)
                os.kill(proc.pid, signal.SIGCONT)
                return
            os.kill(proc.pid, signal.SIGCONT)
        time.sleep(0.05)
    pytest.fail(f"dcc migrate ended (rc {proc.poll()}) or never left a playbook before it could be signalled")


@pytest.mark.parametrize("case", list(CASES))
def test_a_signal_between_playbooks_stops_the_run_and_the_rerun_loses_no_write(env, case: str) -> None:
    lab: LabAccess
    lab, estate_dir, s3, plans = env
    sig, app, service, path, body, target, rows = CASES[case]
    plan = write_plan(estate_dir, [[app]], plans / f"{case}.json")
    session = session_for(estate_dir, plan, s3.endpoint_url)
    child_env = {**os.environ, "DCC_S3_ENDPOINT": s3.endpoint_url, "COLUMNS": "200"}
    cmd = [DCC, "migrate", "--estate", str(estate_dir), "--plan", str(plan), "--wave", "1"]
    portal = lab.hosts()["pdn-portal"]["ip"]
    writer = Writers({"w": http_post(portal, 80, service, path, body)}, pause=0.05, max_writes=3000,
                     max_seconds=600)
    with writer as during:
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=child_env)
        _signal_between_playbooks(proc, estate_dir / "state" / "work", session, app, sig)
        try:
            out, err = proc.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, err = proc.communicate()
            pytest.fail(f"dcc migrate went on for a minute after {sig.name}:\n{out[-2000:]}")
        if sig == signal.SIGTERM:
            assert proc.returncode == -signal.SIGTERM, (proc.returncode, out[-2000:], err[-2000:])
        else:
            assert proc.returncode == 130 and "Traceback" not in err, (proc.returncode, err)
            assert err.strip().startswith("interrupted: `dcc status` shows where"), err
        assert portal_answer(session.move_of(app)) != session.move_of(app).primary[1].id, "cut over after the signal"
        rerun = subprocess.run(cmd, capture_output=True, text=True, env=child_env, timeout=900, check=False)
    assert rerun.returncode == 0, f"the rerun failed:\n{rerun.stdout[-4000:]}\n{rerun.stderr[-2000:]}"
    assert portal_answer(session.move_of(app)) == session.move_of(app).primary[1].id
    stored = set(lab.ssh(target, rows).stdout.split())
    acked, refused = during.tally.titles("acked"), during.tally.titles("refused")
    assert acked, "the writer was never acknowledged"
    assert not acked - stored, f"acknowledged writes lost: {sorted(acked - stored)[:10]} of {len(acked)}"
    assert not refused & stored, f"refused writes stored: {sorted(refused & stored)[:10]}"
    print(f"\n{case}: {len(acked)} acknowledged, {len(refused)} refused, "
          f"{len(during.tally.titles('unknown'))} unanswered, 0 lost")
