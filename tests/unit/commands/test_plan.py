"""`dcc plan`, `dcc plan explain` and `dcc assess` run in-process on the lab estate."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.inventory import LAB
from tests.support.inventory import in_process as dcc


def test_plan_writes_the_file_and_a_wave_table(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "plan.json"
    code, stdout, _ = dcc(capsys, "plan", "--estate", str(LAB), "--out", str(out))
    assert code == 0
    assert json.loads(out.read_text())["apps"]["lapor-bogor"]["strategy"] == "replace"
    assert "2027-01-11" in stdout and "dc-kemenkes-jkt" in stdout


def test_plan_explain_from_the_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "plan.json"
    dcc(capsys, "plan", "--estate", str(LAB), "--out", str(out))
    code, stdout, _ = dcc(capsys, "plan", "explain", "payroll-bogor", "--plan", str(out))
    assert code == 0
    assert "not before wave 2 (critical_not_before_wave)" in stdout
    assert "bgr-web1 -> pdn-t08" in stdout


@pytest.mark.parametrize(("args", "expected"), [
    (("plan",), "error: --estate: missing option"),
    (("plan", "explain", "nope", "--estate", str(LAB)), "error: APP: no app 'nope' in the plan of estate 'lab'"),
    (("plan", "explain", "x"), "error: dcc plan explain: give --plan FILE or --estate DIR"),
])
def test_plan_mistakes_are_one_line(capsys: pytest.CaptureFixture[str], args: tuple[str, ...], expected: str) -> None:
    code, _, err = dcc(capsys, *args)
    assert code == 2
    assert err.strip().startswith(expected), err


def test_assess_shows_rules_and_duplicates(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "200")  # rich would otherwise cut the table's cells at 80 columns
    out = tmp_path / "assess.json"
    code, stdout, _ = dcc(capsys, "assess", "--estate", str(LAB), "--out", str(out))
    assert code == 0
    assert "R3-shared-service-replace" in stdout and "SP4N-LAPOR" in stdout
    data = json.loads(out.read_text())
    assert data["apps"]["lapor-bogor"]["shared_service"] == "SP4N-LAPOR"
    assert {d["function"] for d in data["duplicated_functions"]} == {"payroll", "e-office", "complaint-handling"}
