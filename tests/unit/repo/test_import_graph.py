"""The package import graph has no cycle: each arrow of the data flow has one owner.

Nodes are `migration`'s sub-packages and top-level modules, and `stacks`; an edge is any import
(lazy ones inside functions too) from one node into another. The lab's sample legacy apps run on
lab hosts, not here, and are left out.
"""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx

ROOT = Path(__file__).resolve().parents[3]


def node(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] == "stacks":
        return "stacks"
    if parts[0] == "migration" and len(parts) > 1:
        return f"migration.{parts[1]}"
    return None


def exists(module: str) -> bool:
    path = ROOT.joinpath(*module.split("."))
    return path.is_dir() or path.with_suffix(".py").is_file()


def imports(path: Path) -> list[str]:
    found: list[str] = []
    for n in ast.walk(ast.parse(path.read_text())):
        if isinstance(n, ast.Import):
            found += [a.name for a in n.names]
        elif isinstance(n, ast.ImportFrom) and n.module and n.level == 0:
            found += [n.module] + [f"{n.module}.{a.name}" for a in n.names]
    return [m for m in found if exists(m)]


def graph() -> nx.DiGraph:
    g = nx.DiGraph()
    for path in sorted([*ROOT.glob("migration/**/*.py"), *ROOT.glob("stacks/**/*.py")]):
        rel = path.relative_to(ROOT)
        if rel.parts[:3] == ("migration", "lab", "apps"):
            continue
        src = node(".".join(rel.with_suffix("").parts))
        for module in imports(path):
            dst = node(module)
            if src and dst and dst != src:
                g.add_edge(src, dst, where=str(rel))
    return g


def test_the_package_import_graph_has_no_cycle() -> None:
    g = graph()
    cycles = [[f"{a} ({g.edges[a, b]['where']})" for a, b in zip(c, c[1:] + c[:1], strict=True)]
              for c in nx.simple_cycles(g)]
    assert not cycles, "import cycles: " + "; ".join(" -> ".join(c) for c in cycles)


def test_the_graph_sees_the_arrows_it_must() -> None:
    g = graph()  # a graph that missed every import would pass the test above
    assert g.has_edge("migration.execution", "migration.verify")
    assert g.has_edge("stacks", "migration.inventory")
    assert not g.has_edge("migration.inventory", "stacks")

