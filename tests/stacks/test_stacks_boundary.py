"""The estate-to-stacks adapter lives on the stacks side: `stacks` reads the inventory model, the one
plan reader and the error root of `migration`, and `migration` reaches `stacks` only from its CLI
verbs (issue 13)."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.support.stacks.stackhelp import ROOT


def imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    out = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    return out | {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module and not n.level}


def test_stacks_uses_only_the_inventory_the_plan_reader_and_errors_of_migration():
    used = {m for p in (ROOT / "stacks").rglob("*.py") for m in imports(p) if m.split(".")[0] == "migration"}
    assert used and used <= {"migration.inventory", "migration.errors", "migration.plan.reader"}, used


def test_migration_reaches_stacks_only_from_its_cli_verbs():
    callers = {str(p.relative_to(ROOT)) for p in (ROOT / "migration").rglob("*.py")
               if any(m.split(".")[0] == "stacks" for m in imports(p))}
    assert callers == {"migration/commands/render.py", "migration/commands/validate.py"}
    assert not (ROOT / "migration" / "render.py").exists(), "the adapter moved to stacks/estate.py"
