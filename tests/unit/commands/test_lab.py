"""`dcc lab` verbs: help text, and the one-line errors that need no lab (non-root, bad estate)."""

from __future__ import annotations

import os

import pytest

from migration.cli import main


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_:
        main(argv)
    out, err = capsys.readouterr()
    return int(exit_.value.code or 0), out, err


def test_lab_help_lists_every_verb(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["lab", "--help"], capsys)
    assert code == 0
    for verb in ("up", "down", "status", "exec", "fault", "boot"):
        assert f" {verb} " in out, f"verb {verb} missing from:\n{out}"


def test_fault_help_names_the_kinds(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["lab", "fault", "--help"], capsys)
    assert code == 0 and "link-down" in out and "disk-full" in out and "--off" in out


@pytest.mark.parametrize("argv", [["lab", "up"], ["lab", "down", "x"], ["lab", "status"],
                                  ["lab", "fault", "lab", "h", "crash"], ["lab", "exec", "lab", "h", "--", "true"]])
def test_non_root_gets_one_line_and_exit_3(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
                                           argv: list[str]) -> None:
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    code, _, err = run(argv, capsys)
    assert code == 3 and len(err.strip().splitlines()) == 1 and "needs root" in err, err


def test_missing_estate_folder_is_one_line(tmp_path, monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(os, "geteuid", lambda: 0)  # the estate is read before anything needs root
    code, _, err = run(["lab", "up", str(tmp_path / "nope")], capsys)
    assert code == 2 and str(tmp_path / "nope") in err and len(err.strip().splitlines()) == 1, err
