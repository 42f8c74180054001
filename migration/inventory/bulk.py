"""Whole-column fast paths for CSV tables: parse 60,000 cells at C speed when all are clean.

`parse_all(parser, cells)` returns the typed column, or None when any cell needs the cell-by-cell
parser (an empty cell, a bad value): that slower path then names each problem with its line.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from itertools import repeat
from typing import Any

from migration.inventory import schema

# Every id in a newline-joined column, checked in one regex pass instead of 60,000 calls.
_ONE_ID = rf"[a-z0-9][a-z0-9._-]{{0,{schema.MAX_ID - 1}}}"
_ID_LINES = re.compile(rf"{_ONE_ID}(?:\n{_ONE_ID})*")
_ID_LIST_LINES = re.compile(rf"{_ONE_ID}(?:[;\n]{_ONE_ID})*")
# A number a thousands separator could have written (1.000): the cell-by-cell parser says how to write it.
_DOT_GROUPS = re.compile(r"(?m)^\s*[+-]?[1-9]\d{0,2}(?:\.\d{3})+\s*$")


def _all_ids(cells: list[str]) -> bool:
    """True when every cell matches schema._ID (what `ident` accepts unchanged)."""
    if not cells:
        return True
    joined = "\n".join(cells)
    # A cell holding a newline itself would split into two valid-looking ids: count first.
    return (joined.count("\n") == len(cells) - 1 and ".." not in joined
            and _ID_LINES.fullmatch(joined) is not None)


def _ids(cells: list[str]) -> list[Any] | None:
    return cells if _all_ids(cells) else None


# The canonical spelling of each octet: what schema._IPV4 accepts between the dots.
_OCTETS = frozenset(map(str, range(256)))


def _ipv4(cells: list[str]) -> list[Any] | None:
    """The cells when each is a canonical dotted quad: three dots, four canonical octets."""
    if set(map(str.count, cells, repeat("."))) - {3}:
        return None
    octets = ".".join(cells).split(".")
    return cells if _OCTETS.issuperset(octets) else None


def _text(cells: list[str]) -> list[Any] | None:
    stripped = list(map(str.strip, cells))
    if "" in stripped or (stripped and max(map(len, stripped)) > schema.MAX_TEXT):
        return None
    return None if schema.TEXT_CONTROL.search("".join(stripped)) else stripped


def _id_lists(cells: list[str]) -> list[Any] | None:
    if not cells:
        return []
    joined = "\n".join(cells)
    # One regex pass over every id; ';' only ever between two ids (no empty item to skip).
    if joined.count("\n") != len(cells) - 1 or ".." in joined or _ID_LIST_LINES.fullmatch(joined) is None:
        return None
    return list(map(tuple, map(str.split, cells, repeat(";"))))


_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_DNS_LINES = re.compile(rf"{_LABEL}(?:\.{_LABEL})*(?:\n{_LABEL}(?:\.{_LABEL})*)*")


def _dns_names(cells: list[str]) -> list[Any] | None:
    """The cells when each is already a canonical DNS name (lower case, no trailing dot)."""
    if not cells:
        return []
    joined = "\n".join(cells)
    if joined.count("\n") != len(cells) - 1 or max(map(len, cells)) > 253:
        return None
    return cells if _DNS_LINES.fullmatch(joined) else None


_FIXED: dict[Callable[..., Any], Callable[[list[str]], list[Any] | None]] = {
    schema.ident: _ids, schema.ip: _ipv4, schema.text: _text, schema.ident_list: _id_lists,
    schema.dns_name: _dns_names,
}


def parse_all(parser: Callable[..., Any], cells: list[str]) -> list[Any] | None:
    """The parsed column, or None: then every cell goes through `parser` on its own."""
    fixed = _FIXED.get(parser)
    if fixed is not None:
        return fixed(cells)
    allowed = getattr(parser, "allowed", None)
    if allowed is not None:
        return cells if allowed.issuperset(cells) else None
    bounds = getattr(parser, "range", None)
    if bounds is not None and cells:
        return _numbers(cells, *bounds)
    return None


def _numbers(cells: list[str], kind: type, low: float | None, high: float | None) -> list[Any] | None:
    joined = "\n".join(cells)
    if not joined.isascii() or "," in joined or (kind is float and _DOT_GROUPS.search(joined)):
        return None
    try:
        values = list(map(kind, cells))
    except ValueError:
        return None
    if kind is float and not all(map(math.isfinite, values)):
        return None
    if (low is not None and min(values) < low) or (high is not None and max(values) > high):
        return None
    return values
