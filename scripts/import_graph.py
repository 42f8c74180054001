"""The package tree and package import graph of `migration` and `stacks`, read from source (nothing imported).

Nodes are `migration`'s sub-packages and top-level modules, and `stacks`; an edge is any import (lazy
ones inside functions too) from one node into another. The lab's sample legacy apps run on lab hosts,
not here, and are left out. tests/unit/repo/test_import_graph.py checks the graph; this prints it:

    python scripts/import_graph.py [--rev COMMIT] [--mermaid | --since COMMIT]
"""

from __future__ import annotations

import argparse
import ast
import subprocess
import sys
from collections import defaultdict
from collections.abc import Mapping
from pathlib import Path

import networkx as nx

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("migration", "stacks")
LEFT_OUT = ("migration", "lab", "apps")  # legacy apps copied onto lab hosts

Sources = Mapping[str, str]  # path relative to the root ("migration/cli.py") -> its text


def worktree(root: Path = ROOT) -> dict[str, str]:
    """The Python sources of the working tree."""
    paths = sorted(p for pkg in PACKAGES for p in (root / pkg).rglob("*.py"))
    return {str(p.relative_to(root)): p.read_text() for p in paths}


def at_revision(rev: str, root: Path = ROOT) -> dict[str, str]:
    """The Python sources as they were at commit `rev`."""
    listed = _git(root, "ls-tree", "-r", "--name-only", rev, "--", *PACKAGES).split()
    paths = [p for p in listed if p.endswith(".py")]
    return {p: _git(root, "show", f"{rev}:{p}") for p in paths}


def _git(root: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=True).stdout


def node(module: str) -> str | None:
    """The graph node a dotted module belongs to: `stacks`, or `migration.<first part>`."""
    parts = module.split(".")
    if parts[0] == "stacks":
        return "stacks"
    if parts[0] == "migration" and len(parts) > 1:
        return f"migration.{parts[1]}"
    return None


def module_names(sources: Sources) -> set[str]:
    """Every dotted module and package the sources define."""
    names = set()
    for path in sources:
        parts = Path(path).with_suffix("").parts
        names.add(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return names


def imports(text: str, known: set[str]) -> list[str]:
    """Dotted names of our own modules that `text` imports (`from a import b` may name module a.b)."""
    found: list[str] = []
    for n in ast.walk(ast.parse(text)):
        if isinstance(n, ast.Import):
            found += [a.name for a in n.names]
        elif isinstance(n, ast.ImportFrom) and n.module and n.level == 0:
            found += [n.module] + [f"{n.module}.{a.name}" for a in n.names]
    return [m for m in found if m in known]


def graph(sources: Sources | None = None) -> nx.DiGraph[str]:
    """Node -> node for every import; each edge keeps the importing files (`where`) and the
    imported modules (`modules`), so a test can name the line to fix."""
    sources = worktree() if sources is None else sources
    known = module_names(sources)
    g: nx.DiGraph[str] = nx.DiGraph()
    for path, text in sorted(sources.items()):
        parts = Path(path).with_suffix("").parts
        if parts[:3] == LEFT_OUT:
            continue
        src = node(".".join(parts))
        for module in imports(text, known):
            dst = node(module)
            if src and dst and dst != src:
                if not g.has_edge(src, dst):
                    g.add_edge(src, dst, where=set(), modules=set())
                g.edges[src, dst]["where"].add(path)
                g.edges[src, dst]["modules"].add(module)
    return g


def tree(sources: Sources) -> dict[str, list[str]]:
    """Node -> its modules (file names, `__init__` left out); a top-level module maps to []."""
    out: dict[str, list[str]] = defaultdict(list)
    for path in sorted(sources):
        parts = Path(path).with_suffix("").parts
        if parts[:3] == LEFT_OUT:
            continue
        name = node(".".join(parts))
        if name is None or name == "migration.__init__":
            continue
        inner = parts[2:] if parts[0] == "migration" else parts[1:]
        out[name] += ["/".join(inner)] if inner and inner[-1] != "__init__" else []
    return dict(sorted(out.items()))


def as_text(g: nx.DiGraph[str], sources: Sources) -> str:
    lines = ["package tree:"]
    lines += [f"  {name}{'/' if mods else ''}  {' '.join(mods)}".rstrip() for name, mods in tree(sources).items()]
    lines += ["", "imports (package -> packages it imports):"]
    for src in sorted(g):
        if g.out_degree(src):
            lines.append(f"  {src} -> {', '.join(sorted(g.successors(src)))}")
    return "\n".join(lines) + "\n"


def as_mermaid(g: nx.DiGraph[str]) -> str:
    def ident(name: str) -> str:
        return name.replace(".", "_").replace("__", "_")

    lines = ["graph LR"]
    lines += [f"  {ident(a)}[{a}] --> {ident(b)}[{b}]" for a, b in sorted(g.edges)]
    return "\n".join(lines) + "\n"


def changes(before: nx.DiGraph[str], after: nx.DiGraph[str]) -> str:
    """The edges one graph has and the other has not."""
    gone, new = sorted(set(before.edges) - set(after.edges)), sorted(set(after.edges) - set(before.edges))
    return "".join([f"  - {a} -> {b}\n" for a, b in gone] + [f"  + {a} -> {b}\n" for a, b in new])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rev", help="read the sources at this commit instead of the working tree")
    parser.add_argument("--mermaid", action="store_true", help="print the graph as a mermaid flowchart")
    parser.add_argument("--since", metavar="REV", help="print only the edges gone (-) and new (+) since REV")
    args = parser.parse_args(argv)
    sources = at_revision(args.rev) if args.rev else worktree()
    g = graph(sources)
    if args.since:
        sys.stdout.write(changes(graph(at_revision(args.since)), g))
    else:
        sys.stdout.write(as_mermaid(g) if args.mermaid else as_text(g, sources))
    return 0


if __name__ == "__main__":
    sys.exit(main())
