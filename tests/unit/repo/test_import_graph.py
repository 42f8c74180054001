"""The package import graph (built by scripts/import_graph.py) follows the data flow.

No cycle: each arrow of the data flow has one owner. Product code never imports the lab (it reads
the estate's access files through `migration.access`), and `stacks` reads the estate only through
the inventory model and the one plan reader.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import networkx as nx

ROOT = next(p for p in Path(__file__).resolve().parents if (p / "pyproject.toml").is_file())
# What may import the lab: the lab itself and the command line that drives it.
LAB_USERS = frozenset({"migration.lab", "migration.commands", "migration.cli", "migration.__main__"})
PLAN_READER = "migration.plan.reader"


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("import_graph", ROOT / "scripts" / "import_graph.py")
    assert spec and spec.loader, "scripts/import_graph.py is missing"
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


import_graph = _load()


def _where(g: nx.DiGraph[str], a: str, b: str) -> str:
    return ", ".join(sorted(g.edges[a, b]["where"]))


def test_the_package_import_graph_has_no_cycle() -> None:
    g = import_graph.graph()
    cycles = [[f"{a} ({_where(g, a, b)})" for a, b in zip(c, c[1:] + c[:1], strict=True)]
              for c in nx.simple_cycles(g)]
    assert not cycles, "import cycles: " + "; ".join(" -> ".join(c) for c in cycles)


def test_the_graph_sees_the_arrows_it_must() -> None:
    g = import_graph.graph()  # a graph that missed every import would pass the tests around it
    assert g.has_edge("migration.execution", "migration.verify")
    assert g.has_edge("stacks", "migration.inventory")
    assert not g.has_edge("migration.inventory", "stacks")
    for reader in ("migration.discovery", "migration.execution", "migration.lab"):
        assert g.has_edge(reader, "migration.access"), f"{reader} no longer reaches hosts through migration.access"
    assert "migration.plan.reader" in g.edges["stacks", "migration.plan"]["modules"]


def test_product_code_never_imports_the_lab() -> None:
    """Discovery, execution, verify and the rest find hosts through `migration.access`, whose files the
    lab writes; only the lab and the command line that drives it import `migration.lab`."""
    g = import_graph.graph()
    offenders = [f"{src} ({_where(g, src, 'migration.lab')})" for src in sorted(g.predecessors("migration.lab"))
                 if src not in LAB_USERS]
    assert offenders == [], f"product code imports migration.lab: {offenders}"


def test_stacks_imports_only_the_inventory_and_the_plan_reader() -> None:
    """`stacks` depends on `migration.inventory` (and what that needs) and on the one plan reader,
    never on planning, execution or the CLI: the estate-to-stacks adapter lives on the stacks side."""
    g = import_graph.graph()
    allowed = {"migration.inventory", *nx.descendants(g, "migration.inventory")}
    offenders = sorted(
        f"{module} ({_where(g, 'stacks', dst)})"
        for dst in g.successors("stacks") for module in g.edges["stacks", dst]["modules"]
        if dst not in allowed and module != PLAN_READER
    )
    assert offenders == [], f"stacks imports from migration more than the inventory and {PLAN_READER}: {offenders}"

