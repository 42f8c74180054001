"""The schema-version guard: a store from a newer or unknown dcc is refused in one clear line."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from migration.errors import StateError
from migration.state import StateStore
from migration.state.schema import SCHEMA_VERSION


def _set_version(db: Path, value: str | None) -> None:
    with sqlite3.connect(db) as conn:
        if value is None:
            conn.execute("DELETE FROM meta WHERE key = 'schema_version'")
        else:
            conn.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (value,))


def test_fresh_store_records_the_current_version(tmp_path: Path) -> None:
    StateStore.open(estate_dir=tmp_path).close()
    row = (
        sqlite3.connect(tmp_path / "state" / "dcc.sqlite")
        .execute("SELECT value FROM meta WHERE key = 'schema_version'")
        .fetchone()
    )
    assert row == (str(SCHEMA_VERSION),)


def test_reopening_keeps_data_and_version(tmp_path: Path) -> None:
    with StateStore.open(estate_dir=tmp_path) as first:
        first.start_run("lab", 1)
    with StateStore.open(estate_dir=tmp_path) as second:
        assert [r.wave for r in second.runs()] == [1]


@pytest.mark.parametrize(
    ("stored", "fragment"),
    [
        (str(SCHEMA_VERSION + 1), f"has schema version {SCHEMA_VERSION + 1}; this dcc understands up to"),
        ("999", "has schema version 999"),
        ("0", "unknown schema version 0"),
        ("two", "unreadable schema_version 'two'"),
        (None, "unreadable schema_version None"),
    ],
)
def test_incompatible_versions_are_refused(tmp_path: Path, stored: str | None, fragment: str) -> None:
    StateStore.open(estate_dir=tmp_path).close()
    db = tmp_path / "state" / "dcc.sqlite"
    _set_version(db, stored)
    with pytest.raises(StateError) as caught:
        StateStore.open(estate_dir=tmp_path)
    line = caught.value.line()
    assert fragment in line, f"expected {fragment!r} in {line!r}"
    assert "\n" not in line and str(db) in line


def test_a_file_that_is_not_a_database_is_a_state_error(tmp_path: Path) -> None:
    db = tmp_path / "state" / "dcc.sqlite"
    db.parent.mkdir()
    db.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StateError, match="cannot open state store"):
        StateStore.open(estate_dir=tmp_path)
