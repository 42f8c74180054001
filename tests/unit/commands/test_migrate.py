"""`dcc migrate/rollback/verify` turn user mistakes into one line naming the file or key (no network)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

LAB = Path(__file__).resolve().parents[3] / "inventory" / "lab"
DCC = str(Path(sys.executable).parent / "dcc")


def dcc(*args: str, env_extra: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    env = {"PATH": "/usr/bin:/bin", "COLUMNS": "200", **(env_extra or {})}
    return subprocess.run([DCC, *args], check=False, capture_output=True, text=True, env=env, timeout=60)


@pytest.fixture
def plan(tmp_path: Path) -> Path:
    path = tmp_path / "plan.json"
    from migration.inventory import load_estate

    path.write_text(json.dumps({"format": 1, "estate": "lab", "inventory_digest": load_estate(LAB).digest,
                                "apps": {}, "move_groups": [], "waves": [
        {"number": 1, "start": "2027-01-04", "apps": ["eoffice-jabar"],
         "hosts": [{"source": "jbr-web1", "target": "pdn-t05", "app": "eoffice-jabar"}]}]}))
    return path


@pytest.mark.parametrize(("args", "fragment", "code"), [
    (["migrate", "--plan", "{missing}", "--wave", "1"], "plan file not found", 2),
    (["migrate", "--plan", "{plan}", "--wave", "7"], "no wave 7 in the plan", 2),
    (["migrate", "--plan", "{plan}", "--wave", "1"], "--s3-endpoint", 2),
    (["rollback", "--plan", "{plan}", "--app", "nope"], "--s3-endpoint", 2),
    (["verify", "--plan", "{plan}"], "--wave N or --app X", 2),
])
def test_user_mistakes_are_one_line(tmp_path, plan, args, fragment, code):
    argv = [a.format(plan=plan, missing=tmp_path / "nope.json") for a in args] + ["--estate", str(LAB)]
    done = dcc(*argv)
    assert done.returncode == code, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and fragment in lines[0], done.stderr
    assert "Traceback" not in done.stderr


def test_help_names_every_option():
    done = dcc("migrate", "--help")
    for option in ("--estate", "--plan", "--wave", "--batch-size", "--max-failures", "--s3-endpoint"):
        assert option in done.stdout
