"""Turn raw (line, mapping) records into typed model objects, collecting every problem.

One table at a time: unknown keys, missing required keys, bad values and duplicate ids.
References between tables are checked afterwards, in `refs.py`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import compress
from pathlib import Path
from typing import Any

from migration.inventory.bulk import parse_all
from migration.inventory.frozen import builder
from migration.inventory.readers import Problems
from migration.inventory.schema import Column


@dataclass
class Table:
    """A loaded table: its objects in file order with each one's line, and by id when keyed."""

    file: Path | None = None
    objects: dict[str, Any] = field(default_factory=dict)
    items: list[Any] = field(default_factory=list)  # every object built, in file order
    item_lines: list[int] = field(default_factory=list)  # the line of each of `items`
    lines: dict[str, int] = field(default_factory=dict)  # id -> first line, kept to name duplicates
    ids: set[str] = field(default_factory=set)  # ids seen, even on rows that failed
    complete: bool = True  # False when the file could not be read at all

    @property
    def rows(self) -> Iterator[tuple[int, Any]]:
        """(line, object) of each object, in file order."""
        return zip(self.item_lines, self.items)


def parse_record(columns: tuple[Column, ...], raw: dict[str, Any], file: Path, line: int,
                 problems: Problems) -> dict[str, Any] | None:
    """The typed values of one record, or None when any field is wrong (all reported)."""
    ok = True
    if len(raw) > len(columns) or not _names(columns).issuperset(raw):
        for key in raw:
            if key not in _names(columns):
                problems.add(file, line, key, "unknown key")
                ok = False
    values: dict[str, Any] = {}
    for name, parse, required, key in columns:  # Column is a slotted dataclass: unpack via __iter__
        raw_value = raw.get(name)
        if raw_value is None or raw_value == "":
            if required:
                problems.add(file, line, name, "missing required key")
                ok = False
            continue
        try:
            values[key] = parse(raw_value)
        except ValueError as exc:
            problems.add(file, line, name, str(exc))
            ok = False
    return values if ok else None


_NAMES: dict[int, frozenset[str]] = {}


def _names(columns: tuple[Column, ...]) -> frozenset[str]:
    names = _NAMES.get(id(columns))
    if names is None:
        names = _NAMES[id(columns)] = frozenset(c.name for c in columns)
    return names


def build_table(cls: type, columns: tuple[Column, ...], file: Path,
                records: Iterable[tuple[int, dict[str, Any]]], problems: Problems) -> Table:
    """Objects of one table; rows with an `id` column are keyed and checked for duplicates."""
    table = Table(file=file)
    keyed = columns[0].name == "id"
    for line, raw in records:
        values = parse_record(columns, raw, file, line, problems)
        if keyed and not _register_id(table, raw, file, line, problems):
            continue
        if values is None:
            continue
        obj = cls(**values)
        if keyed:
            table.objects[obj.id] = obj
        table.items.append(obj)
        table.item_lines.append(line)
    return table


def _register_id(table: Table, raw: dict[str, Any], file: Path, line: int, problems: Problems) -> bool:
    raw_id = raw.get("id")
    if raw_id is None or raw_id == "":
        return True
    key = str(raw_id).strip()
    if key in table.ids:
        problems.add(file, line, "id", f"duplicate id {key!r} (first on line {table.lines[key]})")
        return False
    table.ids.add(key)
    table.lines[key] = line
    return True


def build_csv_table(cls: type, columns: tuple[Column, ...], file: Path, lines: list[int],
                    cells: dict[str, list[str]], problems: Problems) -> Table:
    """Objects of a CSV table parsed column by column; problems come out in row order."""
    table = Table(file=file)
    found: list[tuple[int, int, str, str]] = []  # (line, column index, field, message)
    ok = [True] * len(lines)
    values = [_parse_column(col, index, cells.get(col.name), lines, ok, found)
              for index, col in enumerate(columns)]
    keyed = columns[0].name == "id"
    if keyed:
        _check_ids(table, cells.get("id", []), lines, ok, found)
    for line, _, name, message in sorted(found):
        problems.add(file, line, name, message)
    if not all(ok):
        lines, values = list(compress(lines, ok)), [list(compress(column, ok)) for column in values]
    # Dataclass fields are in column order (tests/unit/inventory/test_lab_estate.py checks it).
    table.items = list(map(builder(cls), *values))
    table.item_lines = lines
    if keyed:
        table.objects = dict(zip(values[0], table.items))
    return table


def _parse_column(col: Column, index: int, raw: list[str] | None, lines: list[int], ok: list[bool],
                  found: list[tuple[int, int, str, str]]) -> list[Any]:
    if raw is None:  # an optional column the file leaves out
        return [None] * len(lines)
    parse = col.parse
    whole = parse_all(parse, raw)
    if whole is not None:
        return whole
    try:  # the fast path: every cell fine
        parsed = [parse(v) if v != "" else None for v in raw]
    except ValueError:
        parsed = [None] * len(raw)
        for i, value in enumerate(raw):
            try:
                parsed[i] = parse(value) if value != "" else None
            except ValueError as exc:
                found.append((lines[i], index, col.name, str(exc)))
                ok[i] = False
    if col.required:
        for i, value in enumerate(raw):
            if value == "":
                found.append((lines[i], index, col.name, "missing required key"))
                ok[i] = False
    return parsed


def _check_ids(table: Table, ids: list[str], lines: list[int], ok: list[bool],
               found: list[tuple[int, int, str, str]]) -> None:
    keys = list(map(str.strip, ids))
    unique = set(keys)
    if len(unique) == len(keys) and "" not in unique:  # the common case, in C: unique, non-empty ids
        table.ids = unique  # no id repeats, so `lines` (to name a repeat's first line) stays empty
        return
    for i, raw_id in enumerate(ids):
        key = raw_id.strip()
        if not key:
            continue
        if key in table.ids:
            found.append((lines[i], -1, "id", f"duplicate id {key!r} (first on line {table.lines[key]})"))
            ok[i] = False
            continue
        table.ids.add(key)
        table.lines[key] = lines[i]
