"""Fixtures for the stack tests: the lab stack's settings and a small generated national estate."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.stacks.stackhelp import LAB_PLAN, ROOT, synthetic_plan


@pytest.fixture(scope="session")
def lab_values() -> dict:
    from stacks.stackfile import stack_values

    values = stack_values(ROOT / "Pulumi.lab.yaml")
    values["plan"] = str(LAB_PLAN)
    return values


@pytest.fixture(scope="session")
def small_national(tmp_path_factory) -> tuple[Path, Path]:
    """(estate folder, plan file) of the national generator at 2% scale (~14 agencies, ~540 apps)."""
    folder = tmp_path_factory.mktemp("national") / "estate"
    subprocess.run([sys.executable, "-m", "migration", "inventory", "generate", "--out", str(folder), "--scale", "0.02"],
                   check=True, capture_output=True, cwd=ROOT)
    from migration.inventory import load_estate

    plan = synthetic_plan(list(load_estate(folder).apps), folder.parent / "plan.json", estate_dir=folder)
    return folder, plan
