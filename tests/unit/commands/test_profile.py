"""`dcc profile show|diff|review|validate` on a copy of the lab estate and its committed profiles."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from migration.inventory import load_estate
from migration.profile import load_profile, profile_path, write_profile
from tests.support.inventory import lab_copy


def dcc(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "migration", *args], capture_output=True, text=True, timeout=60,
                          check=False, env={**os.environ, "COLUMNS": "250"})


@pytest.fixture
def estate(tmp_path: Path) -> Path:
    return lab_copy(tmp_path, "estate")


def _propose(estate: Path, app: str, edit: tuple[str, str] | None = None) -> Path:
    """A proposal equal to the committed profile, as discovery would write it, optionally edited."""
    reviewed = load_profile(profile_path(estate, app), load_estate(estate))
    path = write_profile(profile_path(estate, app, proposed=True), replace(reviewed, reviewed=False))
    if edit:
        text = path.read_text()
        assert edit[0] in text
        path.write_text(text.replace(*edit, 1))
    return path


def test_validate_lab_profiles(estate: Path) -> None:
    run = dcc("profile", "validate", "--estate", str(estate))
    assert run.returncode == 0, run.stderr
    assert "9 profile files" in run.stdout


def test_validate_names_file_line_field(estate: Path) -> None:
    path = profile_path(estate, "sehat-api")
    path.write_text(path.read_text().replace("port: 8082", "port: 808200", 1))
    run = dcc("profile", "validate", "--estate", str(estate))
    assert run.returncode == 2
    first = run.stderr.splitlines()[0]
    assert first.startswith(f"{path}:") and ": hosts.kmk-api1.ports[0].port: 808200 is outside 1..65535" in first
    assert run.stderr.splitlines()[-1].startswith("error: ") and "Traceback" not in run.stderr


def test_show_prints_entries_with_status_and_evidence(estate: Path) -> None:
    run = dcc("profile", "show", "simpeg-kemenkes", "--estate", str(estate))
    assert run.returncode == 0, run.stderr
    assert "hosts.kmk-web1.data[0]" in run.stdout and "/srv/simpeg-kemenkes/data" in run.stdout
    assert "reviewed" in run.stdout and "names /srv/simpeg-kemenkes/data" in run.stdout


def test_diff_shows_what_rediscovery_changed(estate: Path) -> None:
    _propose(estate, "arsip-kemenkes", ("path: /srv/arsip-kemenkes/data", "path: /srv/arsip-kemenkes/archive"))
    run = dcc("profile", "diff", "arsip-kemenkes", "--estate", str(estate))
    assert run.returncode == 0, run.stderr
    assert "removed" in run.stdout and "added" in run.stdout and "/srv/arsip-kemenkes/archive" in run.stdout
    _propose(estate, "sehat-api")
    same = dcc("profile", "diff", "sehat-api", "--estate", str(estate))
    assert "no change" in same.stdout


def test_review_accepts_a_clean_proposal_and_bumps_the_version(estate: Path) -> None:
    proposal = _propose(estate, "lapor-bogor")
    run = dcc("profile", "review", "lapor-bogor", "--estate", str(estate))
    assert run.returncode == 0, run.stderr
    assert not proposal.exists()
    profile = load_profile(profile_path(estate, "lapor-bogor"), load_estate(estate))
    assert profile.reviewed and profile.version == 2


def test_review_refuses_open_questions_and_writes_nothing(estate: Path) -> None:
    before = profile_path(estate, "lapor-jabar").read_bytes()
    _propose(estate, "lapor-jabar", ("status: reviewed", "status: needs-review\n        reason: two scripts match"))
    run = dcc("profile", "review", "lapor-jabar", "--estate", str(estate))
    assert run.returncode == 2
    assert "still needs review: two scripts match" in run.stderr and run.stderr.count("\n") == 1
    assert profile_path(estate, "lapor-jabar").read_bytes() == before


@pytest.mark.parametrize(("args", "words"), [
    (("profile", "show", "nope"), "unknown app 'nope'"),
    (("profile", "diff", "sehat-api"), "no proposal for sehat-api; run `dcc discover` first"),
    (("profile", "review", "sehat-api"), "no proposal for sehat-api"),
])
def test_mistakes_are_one_line(estate: Path, args: tuple[str, ...], words: str) -> None:
    run = dcc(*args, "--estate", str(estate))
    assert run.returncode == 2 and words in run.stderr and run.stderr.count("\n") == 1, run.stderr
