"""Helpers for the inventory, assessment and planning tests: copies of the lab estate to break,
and the CLI run in this process."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest
import yaml

from migration.cli import main

LAB = Path(__file__).resolve().parents[2] / "inventory" / "lab"


def lab_copy(root: Path, name: str = "lab") -> Path:
    """A private copy of inventory/lab under `root`, without what a local demo run left in it
    (its journal in state/, discovered facts in facts/; both are git-ignored)."""
    target = root / name
    shutil.copytree(LAB, target, ignore=shutil.ignore_patterns("state", "facts"))
    return target


def edit(folder: Path, file: str, old: str, new: str) -> None:
    """Replace the first `old` in `folder/file` (it must be there: a test must not pass by accident)."""
    path = folder / file
    text = path.read_text()
    assert old in text, f"{old!r} not found in {path}"
    path.write_text(text.replace(old, new, 1))


def append(folder: Path, file: str, text: str) -> None:
    with (folder / file).open("a") as stream:
        stream.write(text)


def to_csv(folder: Path, table: str) -> Path:
    """Rewrite `table.yaml` as `table.csv` (list fields `;`-joined) and remove the YAML."""
    rows = yaml.safe_load((folder / f"{table}.yaml").read_text())
    columns: list[str] = []
    for row in rows:
        columns += [k for k in row if k not in columns]
    path = folder / f"{table}.csv"
    with path.open("w", newline="") as stream:
        writer = csv.writer(stream, lineterminator="\n")
        writer.writerow(columns)
        for row in rows:
            writer.writerow([";".join(v) if isinstance(v, list) else "" if v is None else v
                             for v in (row.get(c) for c in columns)])
    (folder / f"{table}.yaml").unlink()
    return path


def in_process(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """Run the CLI in this process (cheaper than a subprocess): exit code, stdout, stderr."""
    with pytest.raises(SystemExit) as caught:
        main(list(args))
    out = capsys.readouterr()
    return int(caught.value.code or 0), out.out, out.err
