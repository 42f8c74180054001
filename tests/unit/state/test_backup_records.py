"""The backup record's site, lock mode and retain-until columns, and the upgrade of a version-1 store."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from migration.state import StateStore
from migration.state.schema import SCHEMA_VERSION

UNTIL = datetime(2027, 1, 4, 12, 0, tzinfo=UTC)


def test_a_backup_records_its_sites_and_lock(tmp_path: Path) -> None:
    with StateStore.open(estate_dir=tmp_path) as store:
        store.record_backup("app", "b", "lab/app/wave-1/s", "a" * 64, 3, 10, sites=("site-1", "site-2"),
                            lock_mode="COMPLIANCE", retain_until=UNTIL)
        [got] = store.backups()
    assert (got.sites, got.lock_mode, got.retain_until) == (("site-1", "site-2"), "COMPLIANCE", UNTIL)


def test_a_version_1_store_is_upgraded_in_place_and_keeps_its_backups(tmp_path: Path) -> None:
    StateStore.open(estate_dir=tmp_path).close()
    db = tmp_path / "state" / "dcc.sqlite"
    with sqlite3.connect(db) as conn:  # make it what dcc wrote before the lock columns existed
        for column in ("sites", "lock_mode", "retain_until"):
            conn.execute(f"ALTER TABLE backups DROP COLUMN {column}")
        conn.execute("INSERT INTO backups (app, bucket, prefix, manifest_sha256, objects, bytes, taken_at) "
                     "VALUES ('old', 'b', 'lab/old/wave-1', ?, 1, 1, '2026-01-01 00:00:00.000000')", ("b" * 64,))
        conn.execute("UPDATE meta SET value = '1' WHERE key = 'schema_version'")
    with StateStore.open(estate_dir=tmp_path) as store:
        store.record_backup("new", "b", "lab/new/wave-1/s", "c" * 64, 1, 1, lock_mode="GOVERNANCE",
                            retain_until=UNTIL)
        got = {b.app: b for b in store.backups()}
    assert got["old"].lock_mode is None and got["old"].sites == ()
    assert (got["new"].lock_mode, got["new"].retain_until) == ("GOVERNANCE", UNTIL)
    version = sqlite3.connect(db).execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    assert version == (str(SCHEMA_VERSION),)


def test_the_report_lists_each_apps_newest_backup_with_its_lock_unprotected_first() -> None:
    from migration.report.sections import _backups
    from migration.state import BackupRecord

    taken = datetime(2027, 1, 1, tzinfo=UTC)
    rows = _backups([
        BackupRecord("a", "b", "p/1", "a" * 64, 1, 1, taken, None, None),
        BackupRecord("a", "b", "p/2", "a" * 64, 1, 1, taken, taken, "t1", ("site-1", "site-2"), "COMPLIANCE", UNTIL),
        BackupRecord("z", "b", "q/1", "c" * 64, 1, 1, taken, None, None),
    ], top=10)
    assert [(r["app"], r["lock"], r["sites"], r["retain_until"]) for r in rows] == [
        ("z", "none", "-", "-"), ("a", "COMPLIANCE", "site-1, site-2", "2027-01-04 12:00:00")]
