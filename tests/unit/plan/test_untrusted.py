"""Issue 15 and 13, plan files: one reader; a broken plan is one line from every verb that reads
plans; a plan is bound to its estate's digest and refused for another estate or a changed
inventory (one line naming both) unless --accept-plan-mismatch says so."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from migration.errors import InputError
from migration.inventory import load_estate
from tests.support.inventory import edit, in_process, lab_copy

NOWHERE = "http://127.0.0.1:9"  # nothing listens: a verb that got past the plan would fail differently

# Every verb that reads a plan, with what it needs besides --plan.
VERBS: dict[str, Callable[[Path, Path], list[str]]] = {
    "report": lambda e, p: ["report", "--estate", str(e), "--plan", str(p), "--out", str(e.parent / "r.html")],
    "plan explain": lambda e, p: ["plan", "explain", "sehat-api", "--plan", str(p), "--estate", str(e)],
    "migrate": lambda e, p: ["migrate", "--estate", str(e), "--plan", str(p), "--wave", "1",
                             "--s3-endpoint", NOWHERE],
    "rollback": lambda e, p: ["rollback", "--app", "sehat-api", "--estate", str(e), "--plan", str(p),
                              "--s3-endpoint", NOWHERE],
    "verify": lambda e, p: ["verify", "--wave", "1", "--estate", str(e), "--plan", str(p),
                            "--s3-endpoint", NOWHERE],
    "render": lambda e, p: ["render", "--estate", str(e), "--plan", str(p), "--out", str(e.parent / "manifests")],
}


@pytest.fixture
def planned(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[Path, Path]:
    estate = lab_copy(tmp_path)
    plan = tmp_path / "plan.json"
    code, _, err = in_process(capsys, "plan", "--estate", str(estate), "--out", str(plan))
    assert code == 0, err
    return estate, plan


def _deep(n: int) -> str:
    return "[" * n + "]" * n


def _good(plan: Path) -> dict:  # type: ignore[type-arg]
    return json.loads(plan.read_text())


def _with(change: Callable[[dict], object]) -> Callable[[Path], bytes]:  # type: ignore[type-arg]
    def make(plan: Path) -> bytes:
        doc = _good(plan)
        change(doc)
        return json.dumps(doc).encode()
    return make


# (case, the plan file's new bytes from the good one (None: make it a folder), text in the one line)
BROKEN: list[tuple[str, Callable[[Path], bytes] | None, str]] = [
    ("binary", lambda p: bytes(range(256)) * 8, "not UTF-8 text"),
    ("a folder", None, "not a regular file"),
    ("empty", lambda p: b"", "malformed JSON"),
    ("a list", lambda p: b"[]", "not a plan file: expected a JSON object"),
    ("nested 100,000 levels", lambda p: _deep(100_000).encode(), "nested deeper than"),
    ("apps a list", _with(lambda d: d.update(apps=[])), "apps: expected an object"),
    ("app entry a number", _with(lambda d: d["apps"].update({"sehat-api": 5})), "apps.sehat-api: expected an object"),
    ("bad strategy", _with(lambda d: d["apps"]["sehat-api"].update(strategy="teleport")), "apps.sehat-api.strategy"),
    ("waves a string", _with(lambda d: d.update(waves="all")), "waves: expected a list"),
    ("wave number text", _with(lambda d: d["waves"][0].update(number="1")), "waves[0].number: expected an integer"),
    ("wave without hosts", _with(lambda d: d["waves"][0].pop("hosts")), "waves[0].hosts: missing key"),
    ("host move a string", _with(lambda d: d["waves"][0]["hosts"].insert(0, "x")), "waves[0].hosts[0]"),
    ("host move without target", _with(lambda d: d["waves"][0]["hosts"][0].pop("target")),
     "waves[0].hosts[0].target: missing key"),
    ("bad date", _with(lambda d: d["waves"][0].update(start="2027-13-01")), "waves[0].start: bad date"),
    ("NaN size", lambda p: p.read_bytes().replace(b'"data_gb": 12.0', b'"data_gb": NaN', 1),
     "expected a finite number"),
    ("bad id", _with(lambda d: d["waves"][0]["apps"].insert(0, "../../etc")), "waves[0].apps[0]: bad id"),
    ("future format", _with(lambda d: d.update(format=99)), "unsupported plan format 99"),
    ("no digest", _with(lambda d: d.pop("inventory_digest")), "inventory_digest: missing key"),
    ("a duplicate key", lambda p: p.read_bytes().replace(b'"format": 1,', b'"format": 1, "format": 1,', 1),
     "duplicate key 'format'"),
    ("a huge integer", lambda p: p.read_bytes().replace(b'"number": 1', b'"number": 1' + b"0" * 5000, 1),
     "malformed JSON"),
    ("a wave twice", _with(lambda d: d["waves"].append(dict(d["waves"][0]))), "is given twice"),
    ("an app in two waves", _with(lambda d: d["waves"][1]["apps"].append(d["waves"][0]["apps"][0])),
     "is already in wave 1"),
    ("an unknown app", _with(lambda d: d["waves"][0]["apps"].append("nope")), "app 'nope' is not in estate"),
]


@pytest.mark.parametrize("verb", sorted(VERBS))
@pytest.mark.parametrize(("case", "make", "expected"), BROKEN, ids=[c[0] for c in BROKEN])
def test_a_broken_plan_is_one_line_from_every_verb(planned: tuple[Path, Path], capsys: pytest.CaptureFixture[str],
                                                   verb: str, case: str, make: Callable[[Path], bytes] | None,
                                                   expected: str) -> None:
    estate, plan = planned
    if make is None:
        plan.unlink()
        plan.mkdir()
    else:
        plan.write_bytes(make(plan))
    code, out, err = in_process(capsys, *VERBS[verb](estate, plan))
    assert code == 2, (code, out, err)
    assert "Traceback" not in err and err.count("\n") == 1, err
    assert str(plan) in err and expected in err, err


def _renamed(estate: Path) -> None:
    edit(estate, "estate.yaml", "name: lab", "name: lab-two")


def _changed(estate: Path) -> None:
    edit(estate, "apps.yaml", "data_gb: 180", "data_gb: 181")


@pytest.mark.parametrize("verb", sorted(VERBS))
@pytest.mark.parametrize(("case", "change", "named"), [
    ("another estate", _renamed, ("'lab'", "'lab-two'")),
    ("a changed inventory", _changed, ("inventory", "digest")),
], ids=["another estate", "changed inventory"])
def test_a_plan_for_another_estate_is_refused_naming_both(planned: tuple[Path, Path],
                                                           capsys: pytest.CaptureFixture[str], verb: str, case: str,
                                                           change: Callable[[Path], None],
                                                           named: tuple[str, str]) -> None:
    estate, plan = planned
    made_for = _good(plan)["inventory_digest"][:12]
    change(estate)
    now = load_estate(estate).digest[:12]
    code, out, err = in_process(capsys, *VERBS[verb](estate, plan))
    assert code == 2, (out, err)
    assert err.count("\n") == 1 and "--accept-plan-mismatch" in err, err
    assert all(n in err for n in named) and made_for in err and now in err, err


def test_the_explicit_option_accepts_a_mismatched_plan(planned: tuple[Path, Path],
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    estate, plan = planned
    _changed(estate)
    for verb in ("report", "plan explain", "render"):
        code, _, err = in_process(capsys, *VERBS[verb](estate, plan), "--accept-plan-mismatch")
        assert code == 0, (verb, err)
        assert any("was made for" in line and "accepted on purpose" in line for line in err.splitlines()), err
    assert (estate.parent / "manifests" / "_platform").is_dir(), "render did not go on to write the manifests"


def test_the_reader_returns_the_typed_plan_and_binds_it(planned: tuple[Path, Path]) -> None:
    from migration.plan.reader import read_plan

    estate_dir, path = planned
    estate = load_estate(estate_dir)
    plan = read_plan(path, estate)
    assert plan.estate == "lab" and plan.inventory_digest == estate.digest
    assert plan.wave(1).apps and all(m.source in estate.hosts for w in plan.waves for m in w.hosts)
    _changed(estate_dir)
    with pytest.raises(InputError, match="was made for"):
        read_plan(path, load_estate(estate_dir))
    assert read_plan(path, load_estate(estate_dir), accept_mismatch=True).apps == plan.apps


# --out and --previous: OS errors on user-given paths are one line with the path and the reason.
def test_report_output_and_previous_problems_are_one_line(planned: tuple[Path, Path], tmp_path: Path,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    estate, _ = planned
    a_file = tmp_path / "a-file"
    a_file.write_text("x")
    binary = tmp_path / "prev.json"
    binary.write_bytes(b"\xff\xfe\x00" * 100)
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    cases = [
        (["--out", str(fifo)], f"{fifo}: not a regular file"),
        (["--out", str(tmp_path)], f"{tmp_path}: is a directory"),
        (["--out", str(a_file / "r.html")], f"{a_file}: not a directory"),
        (["--out", "/proc/dcc-report.html"], "/proc/dcc-report.html: cannot write"),
        (["--previous", str(binary)], f"{binary}:1: not UTF-8 text"),
        (["--previous", str(tmp_path)], f"{tmp_path}: not a regular file"),
        (["--cost-model", str(binary)], f"{binary}:1: not UTF-8 text"),
    ]
    for extra, expected in cases:
        code, _, err = in_process(capsys, "report", "--estate", str(estate), *extra)
        assert code == 2 and "Traceback" not in err and err.count("\n") == 1, (extra, err)
        assert expected in err, (extra, err)


@pytest.mark.parametrize(("args", "expected"), [
    (["inventory", "generate", "--out", "{file}"], "{file}: not a directory"),
    (["inventory", "generate", "--out", "{file}/sub"], "{file}: not a directory"),
    (["plan", "--estate", "{estate}", "--out", "{tmp}"], "{tmp}: is a directory"),
    (["plan", "--estate", "{estate}", "--out", "{file}/p.json"], "{file}: not a folder"),
    (["assess", "--estate", "{estate}", "--out", "{tmp}"], "{tmp}: is a directory"),
])
def test_output_paths_that_cannot_be_written_are_one_line(planned: tuple[Path, Path], tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str], args: list[str],
                                                          expected: str) -> None:
    estate, _ = planned
    a_file = tmp_path / "a-file"
    a_file.write_text("x")
    values = {"file": str(a_file), "tmp": str(tmp_path), "estate": str(estate)}
    code, _, err = in_process(capsys, *(a.format(**values) for a in args))
    assert code == 2 and "Traceback" not in err and err.count("\n") == 1, err
    assert expected.format(**values) in err, err


def test_migrate_goes_past_an_accepted_mismatch_to_its_next_check(planned: tuple[Path, Path],
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    estate, plan = planned
    _changed(estate)
    code, _, err = in_process(capsys, *VERBS["migrate"](estate, plan)[:-1], "https://s3.amazonaws.com",
                              "--accept-plan-mismatch")
    assert code == 2 and "accepted on purpose" in err and "data residency" in err, err
