"""Read a profile file as YAML with line numbers, bounded in size, nesting depth and aliases.

Uses the inventory's line-numbering loader (mappings carry `__line__` and `__key_lines__`,
duplicate keys are errors); the bounds are checked on the composed node graph before any
Python object is built, so an alias bomb or a deeply nested file costs nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from migration.inventory import readers
from migration.inventory.readers import Problems

MAX_BYTES = 1 << 20
MAX_DEPTH = 12
MAX_ALIASES = 16
MAX_NODES = 200_000


def read_bounded(path: Path, problems: Problems) -> Any:
    """The parsed document, or None with a problem recorded (too big, too deep, malformed)."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        problems.add(path, None, None, f"cannot read: {exc.strerror or exc}")
        return None
    if size > MAX_BYTES:
        problems.add(path, None, None, f"file of {size} bytes is larger than the {MAX_BYTES} allowed")
        return None
    try:
        with path.open(encoding="utf-8") as stream:
            loader = readers._LineLoader(stream)  # the inventory's loader: one YAML dialect
            try:
                node = loader.get_single_node()
                if node is None or not _within_bounds(path, node, problems):
                    return None
                return loader.construct_document(node)
            finally:
                loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problems.add(path, mark.line + 1 if mark else None, None, f"malformed YAML: {exc.problem}")
    except yaml.YAMLError as exc:
        problems.add(path, None, None, f"malformed YAML: {exc}")
    except UnicodeDecodeError as exc:
        problems.add(path, None, None, f"not UTF-8 text: {exc.reason}")
    return None


def _within_bounds(path: Path, root: yaml.Node, problems: Problems) -> bool:
    """Depth, alias count and node count of the composed graph, walked iteratively."""
    seen: set[int] = set()
    aliases = nodes = 0
    stack: list[tuple[yaml.Node, int]] = [(root, 1)]
    while stack:
        node, depth = stack.pop()
        line = node.start_mark.line + 1
        if id(node) in seen:  # a second path to one node: an alias
            aliases += 1
            if aliases > MAX_ALIASES:
                problems.add(path, line, None, f"more than {MAX_ALIASES} YAML aliases")
                return False
            continue
        seen.add(id(node))
        nodes += 1
        if depth > MAX_DEPTH or nodes > MAX_NODES:
            what = f"nested deeper than {MAX_DEPTH} levels" if depth > MAX_DEPTH else f"more than {MAX_NODES} values"
            problems.add(path, line, None, what)
            return False
        stack.extend((child, depth + 1) for child in _children(node))
    return True


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []
