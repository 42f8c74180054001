"""Bounds on a YAML document, checked on its event stream before anything is built.

The event parser does not recurse, so a document nested 100,000 levels (which crashes the C
composer) or an alias bomb (nine aliases of nine aliases... of a list) is refused in one pass,
naming the line, before a node is composed or a value expanded.
"""

from __future__ import annotations

from typing import Any

import yaml

MAX_DEPTH = 64  # an inventory needs 3 (list, mapping, list of ids)
MAX_ALIASES = 10_000
MAX_NODES = 20_000_000  # expanded: ~15x a national estate written as YAML


class TooLarge(Exception):
    """The document breaks a bound; `line` is 1-based."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line, self.message = line, message


def check_events(loader: Any) -> None:
    """Walk `loader`'s events (a fresh loader); raise TooLarge at the first bound broken."""
    frames: list[list[Any]] = [[None, 0]]  # [anchor, expanded nodes so far] per open collection
    sizes: dict[str, int] = {}
    aliases = 0
    while loader.check_event():
        event = loader.get_event()
        kind = type(event)
        if kind is yaml.ScalarEvent:
            _node(frames, sizes, event, 1, event.anchor)
        elif kind is yaml.AliasEvent:
            aliases += 1
            if aliases > MAX_ALIASES:
                raise TooLarge(_line(event), f"more than {MAX_ALIASES:,} aliases")
            _node(frames, sizes, event, sizes.get(event.anchor, 1))
        elif kind is yaml.SequenceStartEvent or kind is yaml.MappingStartEvent:
            if len(frames) > MAX_DEPTH:
                raise TooLarge(_line(event), f"nested deeper than {MAX_DEPTH} levels")
            frames.append([event.anchor, 1])
        elif kind is yaml.SequenceEndEvent or kind is yaml.MappingEndEvent:
            anchor, size = frames.pop()
            _node(frames, sizes, event, size, anchor)


def _node(frames: list[list[Any]], sizes: dict[str, int], event: Any, size: int, anchor: str | None = None) -> None:
    if anchor is not None:
        sizes[anchor] = size
    top = frames[-1]
    top[1] += size
    if top[1] > MAX_NODES:
        raise TooLarge(_line(event), f"aliases expand to more than {MAX_NODES:,} values (an alias bomb?)")


def _line(event: Any) -> int:
    mark = event.start_mark
    return mark.line + 1 if mark is not None else 0


def load_bounded(text: str, where: str) -> Any:
    """`yaml.safe_load` within the bounds above; every problem is an InputError naming `where:line`."""
    from migration.errors import InputError
    from migration.untrusted.text import shorten

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        check_events(loader(text))
        return yaml.load(text, Loader=loader)
    except TooLarge as exc:
        raise InputError(exc.message, where=f"{where}:{exc.line}") from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise InputError(f"malformed YAML: {shorten(exc.problem, 200)}",
                         where=f"{where}:{mark.line + 1}" if mark else where) from None
    except yaml.YAMLError as exc:
        position = getattr(exc, "position", None)
        line = text.count("\n", 0, position) + 1 if isinstance(position, int) else None
        raise InputError(f"malformed YAML: {shorten(str(exc).splitlines()[0], 200)}",
                         where=f"{where}:{line}" if line else where) from None
