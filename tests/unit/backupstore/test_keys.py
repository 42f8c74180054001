"""Agencies' backup keys and lock settings, without any network."""

from __future__ import annotations

import base64
import os
from pathlib import Path

import pytest

from migration.backupstore import KeyRing, Retention
from migration.backupstore.keys import ensure_keys, env_name, read_key_file
from migration.errors import InputError

KEY = base64.b64encode(b"k" * 32).decode()


def test_keys_come_from_the_file_and_the_environment_overrides(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "keys"
    path.write_text(f"# agencies\nkemenkes: {KEY}\npemprov-jabar: {KEY}  # comment\n")
    ring = KeyRing.load(path)
    assert ring.for_agency("kemenkes").secret == b"k" * 32
    monkeypatch.setenv(env_name("pemprov-jabar"), base64.b64encode(b"e" * 32).decode())
    assert env_name("pemprov-jabar") == "DCC_BACKUP_KEY_PEMPROV_JABAR"
    assert ring.for_agency("pemprov-jabar").secret == b"e" * 32
    assert ring.for_agency("kemenkes").key_id != ring.for_agency("pemprov-jabar").key_id
    assert "k" * 8 not in repr(ring.for_agency("kemenkes"))


@pytest.mark.parametrize(("text", "line"), [("kemenkes " + KEY, 1), ("\nkemenkes: c2hvcnQ=", 2),
                                            ("x: not-base64!", 1), ("../a: " + KEY, 1)])
def test_a_bad_key_file_names_its_line(tmp_path: Path, text: str, line: int) -> None:
    path = tmp_path / "keys"
    path.write_text(text)
    with pytest.raises(InputError) as caught:
        read_key_file(path)
    assert caught.value.where is not None and caught.value.where.startswith(f"{path}:{line}")


def test_a_missing_agency_key_is_one_line_naming_the_variable(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="DCC_BACKUP_KEY_BPS"):
        KeyRing.load(tmp_path / "none").for_agency("bps")


def test_lab_keys_are_generated_once_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "state" / "keys" / "backup.keys"
    ensure_keys(path, ["a", "b"])
    first = path.read_text()
    ensure_keys(path, ["a", "b"])
    assert path.read_text() == first and len(read_key_file(path)) == 2
    assert os.stat(path).st_mode & 0o777 == 0o600
    ensure_keys(path, ["c"])
    assert set(read_key_file(path)) == {"a", "b", "c"} and path.read_text().startswith(first)


@pytest.mark.parametrize(("mode", "days", "where"), [("LEGAL", 3, "--lock-mode"), ("COMPLIANCE", 0, "--lock-days")])
def test_bad_lock_settings_are_input_errors(mode: str, days: int, where: str) -> None:
    with pytest.raises(InputError) as caught:
        Retention(mode, days)
    assert caught.value.where == where
