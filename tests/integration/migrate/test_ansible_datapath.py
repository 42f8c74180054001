"""`dcc migrate --data-path ansible`: the bytes move through Ansible's own modules (tar, fetch,
unarchive) instead of rsync, on real lab hosts, and the wave ends exactly as over rsync."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from migration.backupstore.server import LocalS3Server
from migration.execution.steps import portal_answer, portal_redirect
from tests.support.lab import lab_ssh, shifted
from tests.support.migrate import session_for, write_plan

pytestmark = [pytest.mark.integration, pytest.mark.slow]

# A files app with ~300 data files, a web-db app, and an app the plan replaces (retired in wave 1).
APPS = ["arsip-kemenkes", "simpeg-kemenkes"]
REPLACED = {"lapor-bogor": "SP4N-LAPOR"}
DCC = str(Path(sys.executable).parent / "dcc")


@pytest.fixture(scope="module")
def migrated(make_lab, tmp_path_factory):
    lab = make_lab(*shifted("pipa", 84))
    estate_dir = lab.run_dir / "estate"
    work = tmp_path_factory.mktemp("work")
    plan = write_plan(estate_dir, [APPS], work / "plan.json", REPLACED)
    with LocalS3Server() as s3:
        env = {**os.environ, "DCC_S3_ENDPOINT": s3.endpoint_url, "COLUMNS": "200"}
        run = subprocess.run([DCC, "migrate", "--estate", str(estate_dir), "--plan", str(plan), "--wave", "1",
                              "--data-path", "ansible"],
                             check=False, capture_output=True, text=True, env=env, timeout=1200)
        yield lab, estate_dir, plan, s3, run


def test_the_wave_succeeds_and_every_app_answers_from_its_target(migrated):
    _lab, estate_dir, plan, s3, run = migrated
    assert run.returncode == 0, f"{run.stdout[-3000:]}\n{run.stderr[-2000:]}"
    session = session_for(estate_dir, plan, s3.endpoint_url)
    for move in session.moves(1):
        assert portal_answer(move) == move.primary[1].id
    (retired,) = session.retirements(1)
    assert portal_redirect(retired) == "308 https://sp4n-lapor/health"


def test_the_collect_and_deliver_phases_did_the_moving(migrated):
    _lab, estate_dir, *_ = migrated
    runs = estate_dir / "state" / "work" / "runner" / "artifacts"
    phases = {p.name.split("-", 2)[2] for p in runs.iterdir()}
    assert {"collect", "deliver"} <= phases, sorted(phases)


def test_every_check_passed_and_the_manifests_hold_the_whole_tree(migrated):
    _lab, estate_dir, plan, s3, _run = migrated
    session = session_for(estate_dir, plan, s3.endpoint_url)
    evidence = session.store.evidence()
    assert [(e.app, e.check) for e in evidence if not e.passed] == []
    assert {("arsip-kemenkes", "data_manifest"), ("simpeg-kemenkes", "db_rows")} <= {(e.app, e.check) for e in evidence}
    backups = {b.app: b for b in session.store.backups()}
    assert set(backups) == {*APPS, *REPLACED}
    entries = {e.path: e for e in session.objects.read_manifest(backups["arsip-kemenkes"].prefix, app="arsip-kemenkes").entries}
    data = [p for p in entries if p.startswith("files/srv/arsip-kemenkes/data/")]
    assert len(data) > 100
    assert entries["files/etc/init.d/arsip-kemenkes"].mode == 0o755  # the init script stays executable
    assert not any("__pycache__" in p for p in entries)
    db = {e.path for e in session.objects.read_manifest(backups["simpeg-kemenkes"].prefix, app="simpeg-kemenkes").entries
          if e.path.startswith("db/")}
    assert "db/0/counts.txt" in db and any(p.endswith(".sql") for p in db), sorted(db)


def test_target_data_is_byte_for_byte_the_source_data(migrated):
    """The retained source data dir (kept at its own path under <app>-<stamp>/) and the target's
    live one hash the same, file by file."""
    lab, *_ = migrated
    listing = "cd {} && find . -type f -print0 | sort -z | xargs -0 sha256sum"
    source = lab_ssh(lab, "kmk-files1", listing.format("/var/lib/dcc-retained/arsip-kemenkes-*/srv/arsip-kemenkes/data/"))
    target = lab_ssh(lab, "pdn-t03", listing.format("/srv/arsip-kemenkes/data"))
    assert source.returncode == 0 and target.returncode == 0, source.stderr + target.stderr
    assert source.stdout == target.stdout and source.stdout.count("\n") > 100


def test_no_archive_is_left_on_a_host(migrated):
    lab, *_ = migrated
    for host in ("kmk-files1", "kmk-db1", "bgr-old1"):
        out = lab_ssh(lab, host, "find /var/lib/dcc/staging -name '*.tar' | wc -l")
        assert out.stdout.strip() == "0", (host, out.stdout)
