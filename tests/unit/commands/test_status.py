"""`dcc status`: one clear line without a store; the journal's runs, steps, evidence and backups with one."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from migration import cli
from migration.state import StateStore


@dataclass(frozen=True)
class Outcome:
    returncode: int
    stdout: str
    stderr: str


@pytest.fixture
def _dcc(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch):
    """Run `dcc ...` in-process through cli.main, exactly as the entry point does."""
    monkeypatch.setenv("COLUMNS", "250")
    monkeypatch.delenv("DCC_STATE_URL", raising=False)

    def run(*args: str) -> Outcome:
        with pytest.raises(SystemExit) as done:
            cli.main(list(args))
        out = capsys.readouterr()
        return Outcome(int(done.value.code or 0), out.out, out.err)

    return run


def test_status_without_a_store_is_one_line_and_creates_nothing(_dcc, tmp_path: Path) -> None:
    out = _dcc("status", "--estate", str(tmp_path))
    assert out.returncode == 7, out.stderr
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and "no state store yet" in lines[0] and "Traceback" not in out.stderr, out.stderr
    assert list(tmp_path.iterdir()) == []


def test_status_of_a_missing_estate_names_it(_dcc, tmp_path: Path) -> None:
    out = _dcc("status", "--estate", str(tmp_path / "nope"))
    assert out.returncode == 2 and out.stderr.count("\n") == 1 and "nope" in out.stderr, out.stderr


@pytest.fixture
def journal(tmp_path: Path) -> Path:
    with StateStore.open(estate_dir=tmp_path) as store:
        one = store.start_run("lab", 1)
        store.record_step(one, 1, "simpeg", "kmk-web1", "backup", "started")
        store.record_step(one, 1, "simpeg", "kmk-web1", "backup", "ok")
        store.record_step(one, 1, "simpeg", "kmk-web1", "verify", "failed")
        store.add_evidence(one, "simpeg", "pdn-t01", "health-200", False, {"status": 502})
        store.record_backup("simpeg", "dcc-backups", "simpeg/1", "c0ffee" * 10 + "abcd", 3, 2048)
        store.finish_run(one, "failed")
        two = store.start_run("lab", 2)
        store.record_step(two, 2, "sipd", "kmk-web2", "preflight", "ok")
        store.record_backup("sipd", "dcc-backups", "sipd/1", "d" * 64, 1, 10)
        store.mark_restore_verified("sipd", "pdn-t02")
    return tmp_path


def test_status_shows_every_section(_dcc, journal: Path) -> None:
    out = _dcc("status", "--estate", str(journal))
    assert out.returncode == 0, out.stderr
    for expected in (
        "Runs",
        "kmk-web1",
        "kmk-web2",
        "failed",
        "health-200",
        "s3://dcc-backups/simpeg/1",
        "not proven",
        "pdn-t02",
        "2.0 KiB",
    ):
        assert expected in out.stdout, f"{expected!r} missing from:\n{out.stdout}"


def test_status_filters_by_wave_and_app(_dcc, journal: Path) -> None:
    out = _dcc("status", "--estate", str(journal), "--wave", "2")
    assert out.returncode == 0, out.stderr
    assert "kmk-web2" in out.stdout and "kmk-web1" not in out.stdout and "simpeg/1" not in out.stdout
    out = _dcc("status", "--estate", str(journal), "--app", "simpeg")
    assert "kmk-web1" in out.stdout and "kmk-web2" not in out.stdout and "sipd/1" not in out.stdout


def test_a_narrow_terminal_gets_short_names_and_a_legend(
    _dcc, journal: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    out = _dcc("status", "--estate", str(journal), "--wave", "1")
    assert out.returncode == 0, out.stderr
    assert "FAIL" in out.stdout and "ver=verify" in out.stdout and "kmk-web1" in out.stdout, out.stdout
    assert max(len(line) for line in out.stdout.splitlines()) <= 80
