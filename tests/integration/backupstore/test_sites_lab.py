"""Two backup sites on a real lab: each backup is written to both, and when the second site is
down at cutover the gate refuses, the app is rolled back and the source keeps serving."""

from __future__ import annotations

from pathlib import Path

import pytest

from migration.backupstore.server import LocalS3Server
from migration.execution.session import Inputs, open_session
from migration.execution.steps import portal_answer
from tests.support.lab import shifted
from tests.support.migrate import run_wave, write_plan

pytestmark = [pytest.mark.integration, pytest.mark.slow]
NAME, OCTET = shifted("pipes", 87)
APP, SOURCE = "lapor-jabar", "jbr-api1"


def test_a_site_down_at_cutover_refuses_it_and_the_source_keeps_serving(make_lab, tmp_path: Path) -> None:
    lab = make_lab(NAME, OCTET)
    estate_dir = lab.run_dir / "estate"
    plan = write_plan(estate_dir, [[APP]], tmp_path / "plan.json")
    with LocalS3Server() as one, LocalS3Server() as two:
        session = open_session(Inputs(estate_dir, plan, one.endpoint_url, "dcc-backups", None, tmp_path / "work",
                                      s3_endpoint_2=two.endpoint_url, lock_mode="GOVERNANCE", lock_days=1))

        def site_down(app: str, step: str, status: str) -> None:
            if step == "verify" and status in ("ok", "changed"):
                two.stop()  # the second failure domain goes away after the restore was proven
        report = run_wave(session, 1, notify=site_down)
        [app] = report.apps
        assert (app.status, app.step) == ("rolled_back", "cutover"), report
        assert "site-2" in app.message and "cannot reach" in app.message, app.message
        assert portal_answer(session.move_of(APP)) == SOURCE
        [backup] = session.store.backups()
        assert backup.sites == ("site-1", "site-2") and backup.lock_mode == "GOVERNANCE"
        assert backup.restore_verified_at is not None
        assert session.objects.verify_sites(backup.prefix, app=APP, expected_digest=backup.manifest_sha256)[0] \
            .startswith("site-2:")
