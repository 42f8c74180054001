"""The tests mirror the code: each folder of tests/unit is named after a part of `migration` (or is
`repo`, for checks of the whole repository), and test modules share helpers only through
`tests.support` and conftest fixtures, never by importing one another or by editing sys.path.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
TESTS = ROOT / "tests"
WHOLE_REPO = "repo"  # tests/unit/repo: lint, import graph, layout-is-data, fuzzing across packages
ROOT_FILES = {"__init__.py", "conftest.py"}


def python_files() -> list[Path]:
    return sorted(p for p in TESTS.rglob("*.py") if "fixtures" not in p.relative_to(TESTS).parts)


def flat_names() -> set[str]:
    """Module names a test could import only through sys.path tricks: any file under tests/."""
    return {p.stem for p in python_files() if p.stem != "__init__"} | {"conftest"}


def module_of(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts)


def imported(source: str, module: str) -> list[str]:
    """Every module or name `source` imports, relative imports resolved against `module`."""
    found: list[str] = []
    for n in ast.walk(ast.parse(source)):
        if isinstance(n, ast.Import):
            found += [a.name for a in n.names]
        elif isinstance(n, ast.ImportFrom):
            base = ".".join(module.split(".")[: -n.level]) if n.level else ""
            prefix = ".".join(p for p in (base, n.module or "") if p)
            found += [f"{prefix}.{a.name}" for a in n.names]
    return found


def crosses(name: str, flat: set[str]) -> bool:
    """True when `name` reaches into tests/ anywhere but tests.support."""
    parts = name.split(".")
    if parts[0] == "tests":
        return parts[1:2] != ["support"]
    return parts[0] in flat


def touches_sys_path(source: str) -> bool:
    return any(isinstance(n, ast.Attribute) and n.attr == "path" and isinstance(n.value, ast.Name)
               and n.value.id == "sys" for n in ast.walk(ast.parse(source)))


def mirrors() -> set[str]:
    """Folder names tests/unit may hold: migration's packages and top-level modules, and `repo`."""
    pkg = ROOT / "migration"
    packages = {p.name for p in pkg.iterdir() if (p / "__init__.py").is_file()}
    modules = {p.stem for p in pkg.glob("*.py") if not p.name.startswith("__")}
    return packages | modules | {WHOLE_REPO}


@pytest.mark.parametrize(("source", "module", "crossing"), [
    ("from tests.support.inventory import lab_copy", "tests.unit.plan.test_cli", []),
    ("from tests import support", "tests.unit.plan.test_cli", []),
    ("from migration.plan import make_plan", "tests.unit.plan.test_cli", []),
    ("from tests.unit.execution.test_jobs import move", "tests.unit.execution.test_runner",
     ["tests.unit.execution.test_jobs.move"]),
    ("from tests.integration.conftest import shifted", "tests.integration.lab.test_lab",
     ["tests.integration.conftest.shifted"]),
    ("from .test_jobs import move", "tests.unit.execution.test_runner", ["tests.unit.execution.test_jobs.move"]),
    ("from ..support.lab import shifted", "tests.integration.conftest", []),
    ("import test_jobs", "tests.unit.execution.test_runner", ["test_jobs"]),
    ("from stackhelp import ROOT", "tests.stacks.test_config", ["stackhelp.ROOT"]),
])
def test_the_import_check_tells_a_crossing_from_a_support_import(source, module, crossing) -> None:
    flat = {"test_jobs", "stackhelp", "conftest"}
    assert [n for n in imported(source, module) if crosses(n, flat)] == crossing


def test_no_test_module_imports_another_test_module() -> None:
    flat = flat_names()
    found = [f"{p.relative_to(ROOT)}: {n}" for p in python_files()
             for n in imported(p.read_text(), module_of(p)) if crosses(n, flat)]
    assert found == [], "import shared helpers from tests.support (or use a conftest fixture): " + "; ".join(found)


def test_no_test_module_edits_sys_path() -> None:
    found = [str(p.relative_to(ROOT)) for p in python_files() if touches_sys_path(p.read_text())]
    assert found == [], f"tests import helpers as tests.support.<module>, not via sys.path: {found}"


def test_each_unit_folder_mirrors_a_part_of_migration() -> None:
    folders = {p.name for p in (TESTS / "unit").iterdir() if p.is_dir() and p.name != "__pycache__"}
    assert sorted(folders - mirrors()) == [], "tests/unit/<name> must name a package or module of migration"


@pytest.mark.parametrize("suite", ["unit", "integration"])
def test_no_test_module_sits_flat_in_a_suite_folder(suite: str) -> None:
    flat = sorted(p.name for p in (TESTS / suite).glob("*.py") if p.name not in ROOT_FILES)
    assert flat == [], f"tests/{suite}/ holds only folders: move {flat} into tests/{suite}/<package>/"


def test_every_test_folder_is_a_package() -> None:
    """Packages give each test module a dotted name (tests.unit.plan.test_cli), so two folders
    may both hold a test_cli.py without breaking collection."""
    folders = {p.parent for p in python_files()}
    bare = sorted(str(f.relative_to(ROOT)) for f in folders if not (f / "__init__.py").is_file())
    assert bare == [], f"add an __init__.py to {bare}"
