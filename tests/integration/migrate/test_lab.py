"""The whole lab estate migrates in two waves through `dcc migrate` (real hosts, real Ansible, real S3).

Every app must then answer through the portal from its target, every manifest and row count
must match, a second run must change nothing, and a canary DB password must never reach the
runner artifacts or the state store.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from migration.backupstore.server import LocalS3Server
from migration.execution.orchestrator import replay_phases
from migration.execution.steps import backup_gate, portal_answer, portal_redirect
from tests.support.lab import lab_ssh, shifted
from tests.support.migrate import session_for, write_plan

pytestmark = [pytest.mark.integration, pytest.mark.slow]

WAVES = [
    ["simpeg-kemenkes", "arsip-kemenkes", "sehat-api", "eoffice-jabar", "perizinan-jabar"],
    ["lapor-jabar", "payroll-bogor", "eoffice-bogor"],
]
# Replaced by a national shared service: wave 1 retires it (the planner counts it as gone then).
REPLACED = {"lapor-bogor": "SP4N-LAPOR"}
CANARY = "canary-7f3a9c-never-log-me"
DCC = str(Path(sys.executable).parent / "dcc")


def _set_canary_password(lab) -> None:
    """payroll-bogor's DB password becomes the canary, in PostgreSQL and in app.conf."""
    role = "payroll_bogor"
    script = (f"runuser -u postgres -- psql -qc \"ALTER ROLE {role} PASSWORD '{CANARY}'\" && "
              f"sed -i 's/^DB_PASSWORD=.*/DB_PASSWORD={CANARY}/' /etc/payroll-bogor/app.conf && "
              "/etc/init.d/payroll-bogor restart >/dev/null")
    done = lab_ssh(lab, "bgr-web1", script)
    assert done.returncode == 0, done.stderr


@pytest.fixture(scope="module")
def migrated(make_lab, tmp_path_factory):
    lab = make_lab(*shifted("pipe", 80))
    estate_dir = lab.run_dir / "estate"
    _set_canary_password(lab)
    plan = write_plan(estate_dir, WAVES, tmp_path_factory.mktemp("plan") / "plan.json", REPLACED)
    with LocalS3Server(secret_key=CANARY) as s3, pytest.MonkeyPatch.context() as env_here:
        env_here.setenv("DCC_S3_SECRET_KEY", CANARY)  # the server checks it; this process's sessions sign with it
        # The S3 secret key is a canary too: it lives in the environment, which runner artifacts record.
        env = {**os.environ, "DCC_S3_ENDPOINT": s3.endpoint_url, "DCC_S3_SECRET_KEY": CANARY, "COLUMNS": "200"}
        runs = [subprocess.run([DCC, "migrate", "--estate", str(estate_dir), "--plan", str(plan), "--wave", str(n)],
                               check=False, capture_output=True, text=True, env=env, timeout=1500)
                for n in (1, 2)]
        yield lab, estate_dir, plan, s3, runs, env


def test_every_wave_exits_zero(migrated):
    *_, runs, _env = migrated
    for run in runs:
        assert run.returncode == 0, f"dcc migrate failed:\n{run.stdout[-3000:]}\n{run.stderr[-2000:]}"


def test_every_app_answers_through_the_portal_from_its_target(migrated):
    _lab, estate_dir, plan, s3, *_ = migrated
    session = session_for(estate_dir, plan, s3.endpoint_url)
    for wave in (1, 2):
        for move in session.moves(wave):
            assert portal_answer(move) == move.primary[1].id, f"{move.service} not served by {move.primary[1].id}"


def test_every_manifest_and_row_count_matched(migrated):
    _lab, estate_dir, plan, s3, *_ = migrated
    store = session_for(estate_dir, plan, s3.endpoint_url).store
    evidence = store.evidence()
    failed = [(e.app, e.check, e.detail) for e in evidence if not e.passed]
    assert failed == []
    checks = {(e.app, e.check) for e in evidence}
    for app in ("arsip-kemenkes", "eoffice-jabar", "eoffice-bogor"):
        assert (app, "data_manifest") in checks
    for app in ("simpeg-kemenkes", "perizinan-jabar", "payroll-bogor"):
        assert (app, "db_rows") in checks
    verified = {b.app for b in store.backups() if b.restore_verified_at is not None}
    assert verified == {app for wave in WAVES for app in wave} | set(REPLACED)


def test_sources_are_decommissioned_with_retained_data(migrated):
    lab, *_ = migrated
    out = lab_ssh(lab, "kmk-files1", "/etc/init.d/arsip-kemenkes status; ls /var/lib/dcc-retained; "
                                     "cat /var/lib/dcc-retained/*.retention; test -e /srv/arsip-kemenkes/data")
    assert "retain_until=" in out.stdout
    assert out.returncode != 0, "the source's data dir must have moved into retention"


def test_decommissioned_source_database_refuses_connections_and_keeps_its_data(migrated):
    lab, *_ = migrated
    out = lab_ssh(lab, "kmk-db1", "cd / && runuser -u postgres -- psql -XAtq -d postgres -c "
                                  "\"SELECT datallowconn FROM pg_database WHERE datname = 'simpeg_kemenkes'\"; "
                                  "cat /var/lib/dcc-retained/simpeg-kemenkes-db-*.retention; "
                                  "runuser -u postgres -- psql -XAtq -d simpeg_kemenkes -c 'SELECT 1'")
    assert out.stdout.splitlines()[0] == "f", out.stdout
    assert "database=simpeg_kemenkes" in out.stdout and "retain_until=" in out.stdout
    assert out.returncode != 0 and "not currently accepting connections" in out.stderr, out.stderr


def test_cutover_gate_holds_for_every_app(migrated):
    _lab, estate_dir, plan, s3, *_ = migrated
    session = session_for(estate_dir, plan, s3.endpoint_url)
    ctx = session.context(session.store.start_run(session.estate.name, 1), wave=1)
    moves = session.moves(1) + session.retirements(1)
    assert [backup_gate(ctx, m) for m in moves] == [None] * (len(WAVES[0]) + len(REPLACED))


def test_second_run_changes_nothing(migrated):
    _lab, estate_dir, plan, s3, _runs, env = migrated
    again = subprocess.run([DCC, "migrate", "--estate", str(estate_dir), "--plan", str(plan), "--wave", "1"],
                           check=False, capture_output=True, text=True, env=env, timeout=600)
    assert again.returncode == 0, again.stdout[-2000:]
    assert "migrated" not in again.stdout
    assert again.stdout.count("unchanged") >= len(WAVES[0]) + len(REPLACED)
    session = session_for(estate_dir, plan, s3.endpoint_url)
    ctx = session.context(session.store.start_run(session.estate.name, 1), wave=1)
    replayed = replay_phases(ctx, session.moves(1) + session.retirements(1))
    assert replayed == dict.fromkeys(replayed, (0, [])), f"a second run of a phase failed or changed something: {replayed}"


def test_canary_secret_is_in_no_artifact_and_not_in_the_state_store(migrated):
    lab, estate_dir, *_ = migrated
    work = estate_dir / "state" / "work" / "runner"
    assert work.is_dir()
    hits = subprocess.run(["grep", "-rl", CANARY, str(work), str(estate_dir / "state" / "dcc.sqlite")],
                          check=False, capture_output=True, text=True)
    assert hits.stdout == "", f"canary found in: {hits.stdout}"
    # ...and the canary app really works on its target with that password.
    health = lab_ssh(lab, "pdn-t08", "curl -fsS http://127.0.0.1:8080/health")
    assert '"status": "ok"' in health.stdout or '"status":"ok"' in health.stdout


def test_verify_verb_rechecks_a_wave_and_stores_evidence(migrated):
    _lab, estate_dir, plan, _s3, _runs, env = migrated
    done = subprocess.run([DCC, "verify", "--estate", str(estate_dir), "--plan", str(plan), "--wave", "2"],
                          check=False, capture_output=True, text=True, env=env, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr
    # From each app's profile: its service, its port, its health, its data folder, and its
    # database for a web-db app: 4 + 4 + 5 checks for this wave's api, files and web-db apps.
    assert "FAIL" not in done.stdout and done.stdout.count("pass") == 13, done.stdout


def _roll_back(migrated, app: str):
    """`dcc rollback --app APP` on the migrated lab; returns the app's move once it succeeded."""
    _lab, estate_dir, plan, s3, _runs, env = migrated
    done = subprocess.run([DCC, "rollback", "--app", app, "--estate", str(estate_dir), "--plan", str(plan)],
                          check=False, capture_output=True, text=True, env=env, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    return session_for(estate_dir, plan, s3.endpoint_url).move_of(app)


def test_rollback_verb_returns_an_app_to_its_source(migrated):
    lab = migrated[0]
    move = _roll_back(migrated, "eoffice-jabar")
    assert portal_answer(move) == "jbr-web1"
    files = lab_ssh(lab, "jbr-web1", "find /srv/eoffice-jabar/data -type f | wc -l")
    assert files.stdout.strip() == "300"


def test_rollback_after_decommission_reopens_the_source_database(migrated):
    lab = migrated[0]
    move = _roll_back(migrated, "simpeg-kemenkes")
    assert portal_answer(move) == "kmk-web1"
    rows = lab_ssh(lab, "kmk-db1", "cd / && runuser -u postgres -- psql -XAtq -d simpeg_kemenkes -c "
                                   "'SELECT count(*) FROM records'")
    assert rows.returncode == 0 and rows.stdout.strip() == "500", rows.stdout + rows.stderr


def test_replaced_app_is_retired_with_a_verified_backup_and_its_route_redirects(migrated):
    lab, estate_dir, plan, s3, *_ = migrated
    session = session_for(estate_dir, plan, s3.endpoint_url)
    move = session.move_of("lapor-bogor")
    assert move.retiring and move.wave == 1
    [backup] = [b for b in session.store.backups() if b.app == "lapor-bogor"]
    assert backup.restore_verified_at is not None, "the backup must be proven restorable"
    assert session.objects.read_manifest(backup.prefix, app="lapor-bogor").digest() == backup.manifest_sha256
    steps = {(s.host, s.step): s.status for s in session.store.steps(app="lapor-bogor")}
    assert steps[("bgr-old1", "decommission")] in ("ok", "changed"), steps
    assert portal_redirect(move) == "308 https://sp4n-lapor/health"
    out = lab_ssh(lab, "bgr-old1", "/etc/init.d/lapor-bogor status; ls /var/lib/dcc-retained")
    assert out.returncode != 0 or "lapor-bogor" in out.stdout
    assert "lapor-bogor-" in out.stdout, f"no retained copy on bgr-old1: {out.stdout}"


def test_report_counts_the_bogor_datacenter_closed(migrated):
    _lab, estate_dir, plan, _s3, _runs, env = migrated
    done = subprocess.run([DCC, "report", "--estate", str(estate_dir), "--plan", str(plan), "--json",
                           "--out", str(estate_dir / "state" / "report.html")],
                          check=False, capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    kpis = {k["key"]: k for k in json.loads(done.stdout)["kpis"]}
    assert "dc-bogor" in kpis["datacenters_closed"]["detail"]["closed_ids"], kpis["datacenters_closed"]
    assert kpis["apps_replaced"]["value"] == 1


def test_every_source_was_frozen_only_from_backup_to_cutover(migrated):
    _lab, estate_dir, plan, s3, *_ = migrated
    steps = session_for(estate_dir, plan, s3.endpoint_url).store.steps()
    frozen: dict[str, object] = {}
    windows: dict[str, float] = {}
    for s in steps:  # journal order
        if s.step == "backup" and s.status == "started" and s.app not in frozen:
            frozen[s.app] = s.at
        if s.step == "cutover" and s.status in ("ok", "changed") and s.app in frozen and s.app not in windows:
            windows[s.app] = (s.at - frozen[s.app]).total_seconds()
    print("freeze window (backup started -> cutover done), s:", {a: round(w, 1) for a, w in sorted(windows.items())})
    assert set(windows) == {app for wave in WAVES for app in wave} | set(REPLACED)
