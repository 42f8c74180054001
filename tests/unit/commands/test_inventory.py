"""`dcc inventory validate|show|generate` as a user runs them: real subprocesses, exit codes, one line per error."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.inventory import append, edit, in_process, lab_copy

DCC = [sys.executable, "-m", "migration"]
ROOT = Path(__file__).resolve().parents[3]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*DCC, *args], capture_output=True, text=True, cwd=ROOT, check=False, timeout=120)


def test_validate_bad_estate_prints_one_line_per_error_and_exits_2(tmp_path: Path) -> None:
    estate = lab_copy(tmp_path)
    edit(estate, "hosts.yaml", "datacenter: dc-bogor,  ", "datacenter: dc-foo,  ")
    edit(estate, "apps.yaml", "data_gb: 180", "data_gb: lots")
    append(estate, "dependencies.yaml", "- {from: sehat-api, to: nope}\n")
    result = run("inventory", "validate", str(estate))
    assert result.returncode == 2, result
    assert "Traceback" not in result.stderr + result.stdout
    lines = result.stderr.strip().splitlines()
    assert lines == [
        f"{estate}/apps.yaml:5: data_gb: expected a number, got 'lots'",
        f"{estate}/hosts.yaml:9: datacenter: unknown data center 'dc-foo'",
        f"{estate}/dependencies.yaml:7: to: unknown app 'nope'",
        f"error: {estate}: 3 errors in the inventory",
    ], lines


def test_validate_good_estate_exits_0() -> None:
    result = run("inventory", "validate", "inventory/lab")
    assert result.returncode == 0, result.stderr
    assert "9 apps" in result.stdout


def test_show_on_bad_estate_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    estate = lab_copy(tmp_path)
    edit(estate, "hosts.yaml", "ip: 10.77.1.12,", "ip: 10.77.1.300,")
    code, _, err = in_process(capsys, "inventory", "show", str(estate))
    assert code == 2
    assert err.strip() == f"error: {estate}/hosts.yaml:3: ip: bad IP address '10.77.1.300'", err


def test_show_summarises_the_lab(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = in_process(capsys, "inventory", "show", str(ROOT / "inventory" / "lab"))
    assert code == 0
    assert "legacy 10, portal 1, target 9" in out


def test_generate_bad_scale_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = in_process(capsys, "inventory", "generate", "--scale", "0", "--out", str(tmp_path / "x"))
    assert code == 2
    assert err.strip() == "error: --scale: scale must be between 0.001 and 10, got 0.0", err
    assert not (tmp_path / "x").exists(), "nothing may be written on bad input"
