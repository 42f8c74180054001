"""Read inventory files into (line number, mapping) records.

YAML mappings remember the line they start on (a SafeLoader subclass adds `__line__`);
CSV rows stream through the csv module with their line number. Syntax errors become
`Problems` entries with file:line, never tracebacks.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Hashable, Iterator
from itertools import repeat
from pathlib import Path
from typing import Any

import yaml

from migration.errors import InputError
from migration.inventory import yamlsafe
from migration.untrusted.files import decode, read_bytes
from migration.untrusted.text import has_control, shorten

LINE = "__line__"
KEY_LINES = "__key_lines__"
_Base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_BLOCK = 1 << 18  # characters read at a time by the plain-CSV path
MAX_LINE = 1 << 20  # characters: no inventory row comes near; a file without newlines is refused fast


class _LineLoader(_Base):  # type: ignore[misc, valid-type]
    """Safe loader whose mappings carry the 1-based line of their first token."""


def _construct_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> dict[Hashable, Any]:
    seen: set[Any] = set()
    for key, _ in node.value:
        if not isinstance(key, yaml.ScalarNode):  # `? [a, b] : 1`: a key must be a name
            raise yaml.constructor.ConstructorError(None, None, "a key must be a plain name", key.start_mark)
        # PyYAML silently keeps the last of two equal keys; a typo must not pass unseen.
        if key.value in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {shorten(key.value)}", key.start_mark)
        seen.add(key.value)
    mapping = yaml.SafeLoader.construct_mapping(loader, node, deep=True)
    mapping[LINE] = node.start_mark.line + 1
    mapping[KEY_LINES] = {key.value: key.start_mark.line + 1 for key, _ in node.value}
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
# Dates stay text so a bad one (2027-13-01) is reported by the field's parser with its line,
# instead of PyYAML raising a bare ValueError while building the document. Numbers stay text
# too, so the field's parser sees what was written: `1.000` (Indonesian for a thousand) would
# otherwise already be the float 1.0, and `0x1F` the int 31.
_AS_TEXT = frozenset({"tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float"})
_LineLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag not in _AS_TEXT]
    for first, resolvers in _Base.yaml_implicit_resolvers.items()
}


class Problems:
    """Every error found in one pass, each as `file:line: field: message`."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def add(self, file: Path | str, line: int | None, field: str | None, message: str) -> None:
        where = f"{file}:{line}" if line else str(file)
        if field is not None and (len(field) > 64 or has_control(field)):  # a header cell is user text
            field = shorten(field, 64)
        self.lines.append(f"{where}: {field}: {message}" if field else f"{where}: {message}")

    def add_error(self, exc: InputError) -> None:
        """An InputError that already names its file (and line)."""
        self.lines.append(exc.line())

    def __len__(self) -> int:
        return len(self.lines)


def read_text(path: Path, problems: Problems) -> str | None:
    """The file as text, or None with the problem recorded: OS errors, size, encoding, huge lines."""
    try:
        return decode(read_bytes(path, max_line=MAX_LINE), str(path))
    except InputError as exc:
        problems.add_error(exc)
        return None


def read_yaml(path: Path, problems: Problems) -> Any:
    """The parsed document, or None (with a problem recorded) when it cannot be read."""
    text = read_text(path, problems)
    if text is None:
        return None
    try:
        yamlsafe.check_events(_LineLoader(text))  # bounds first: nothing is built from a bomb
        return yaml.load(text, Loader=_LineLoader)
    except yamlsafe.TooLarge as exc:
        problems.add(path, exc.line, None, exc.message)
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, exc.position) + 1
        problems.add(path, line, None, f"control character {shorten(exc.character)} (YAML allows none)")
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problems.add(path, mark.line + 1 if mark else None, None, f"malformed YAML: {exc.problem}")
    except yaml.YAMLError as exc:
        problems.add(path, None, None, f"malformed YAML: {shorten(str(exc), 200)}")
    return None


def yaml_records(path: Path, problems: Problems) -> Iterator[tuple[int, dict[str, Any]]]:
    """Records of a YAML table: a list of mappings (an empty file is an empty table)."""
    document = read_yaml(path, problems)
    if document is None:
        return
    if not isinstance(document, list):
        problems.add(path, _line_of(document), None, "expected a list of mappings")
        return
    for index, item in enumerate(document):
        if not isinstance(item, dict):
            problems.add(path, None, None, f"item {index + 1} is not a mapping")
            continue
        item.pop(KEY_LINES)
        yield item.pop(LINE), item


def _line_of(document: Any) -> int | None:
    return document.get(LINE) if isinstance(document, dict) else None


def csv_columns(path: Path, columns: frozenset[str], required: tuple[str, ...],
                problems: Problems) -> tuple[list[int], dict[str, list[str]]]:
    """A CSV table by column: the line each kept row starts on, and column name -> its cells.

    Column-wise so the loader can parse a whole column with one comprehension (60,000 hosts).
    Rows of the wrong width are reported and left out; a missing required column leaves no rows.
    """
    text = read_text(path, problems)  # a "CSV UTF-8" export's BOM is dropped here
    if text is None:
        return [], {}
    header, lines, cells = _csv_read(path, io.StringIO(text, newline=""), columns, required, problems)
    return lines, {name: cells[i] for i, name in enumerate(header) if name in columns}


def _csv_read(path: Path, stream: Any, columns: frozenset[str], required: tuple[str, ...],
              problems: Problems) -> tuple[list[str], list[int], list[list[str]]]:
    """Header, each row's line and the cells by column; rows of the wrong width are left out."""
    reader = csv.reader(stream, strict=True)
    try:
        # Spreadsheets: `ID`, ` Name ` and Excel's empty trailing columns mean what they say.
        header = [name.strip().lower() for name in next(reader, None) or []]
        while header and not header[-1]:
            header.pop()
    except csv.Error as exc:
        problems.add(path, 1, None, f"malformed CSV: {exc}")
        return [], [], []
    if not header:
        problems.add(path, 1, None, "empty file: expected a header row")
        return [], [], []
    if not _header_ok(path, header, columns, required, problems):
        return [], [], []
    width = len(header)
    cells = _plain_columns(stream, width)  # the common case: no quoting, one line per row
    if cells is not None:
        return header, list(range(2, len(cells[0]) + 2)), cells
    reader = _reread(stream)  # quoted fields: the csv module reads them
    try:
        rows = list(reader)
        if (reader.line_num == len(rows) + 1 and set(map(len, rows)) <= {width}
                and all(map(any, rows))):
            return header, list(range(2, len(rows) + 2)), _transpose(rows, width)
    except csv.Error:
        pass
    reader = _reread(stream)  # otherwise row by row, to name each problem's line
    lines: list[int] = []
    rows = []
    _csv_rows(path, reader, width, problems, lines, rows)
    return header, lines, _transpose(rows, width)


def _reread(stream: Any) -> Any:
    """A csv reader at the first row after the header."""
    stream.seek(0)
    reader = csv.reader(stream, strict=True)
    next(reader)
    return reader


def _transpose(rows: list[list[str]], width: int) -> list[list[str]]:
    return [list(column) for column in zip(*rows)] if rows else [[] for _ in range(width)]


def _plain_columns(stream: Any, width: int) -> list[list[str]] | None:
    """The cells by column when every row is one unquoted line of `width` fields, else None.

    Splits blocks of lines at C speed, without a list per row (60,000 hosts); anything the csv
    module could read differently (a quote, a CR, an empty line, a row of another width, a
    field over its size limit) gives None, and the caller reads the file with the csv module.
    """
    columns: list[list[str]] = [[] for _ in range(width)]
    commas, limit = {width - 1}, csv.field_size_limit()
    rest = ""
    while True:
        block = stream.read(_BLOCK)
        text = rest + block
        end = text.rfind("\n") + 1 if block else len(text)
        text, rest = text[:end], text[end:]
        if text:
            body = text.removesuffix("\n")
            lines = body.split("\n")
            lengths = list(map(len, lines))
            # A line of only its commas is one of Excel's blank rows: the csv module path skips it.
            if ('"' in body or "\r" in body or set(map(str.count, lines, repeat(","))) != commas
                    or max(lengths) > limit or min(lengths) <= width - 1 or width < 2):
                return None
            cells = body.replace("\n", ",").split(",")
            for index, column in enumerate(columns):
                column.extend(cells[index::width])
        if not block:
            return columns


def _csv_rows(path: Path, reader: Any, width: int, problems: Problems, lines: list[int],
              rows: list[list[str]]) -> None:
    start = reader.line_num + 1  # the line a row starts on: a quoted field may span lines
    try:
        for row in reader:
            if len(row) > width and not any(map(str.strip, row[width:])):
                row = row[:width]  # Excel's empty trailing cells
            if not any(map(str.strip, row)):
                pass  # a blank row (Excel writes ,,,, for rows it once formatted)
            elif len(row) != width:
                problems.add(path, start, None, f"malformed CSV: {len(row)} fields, header has {width}")
            else:
                lines.append(start)
                rows.append(row)
            start = reader.line_num + 1
    except csv.Error as exc:
        problems.add(path, start, None, f"malformed CSV: {exc}")


def _header_ok(path: Path, header: list[str], columns: frozenset[str], required: tuple[str, ...],
               problems: Problems) -> bool:
    for other, name in ((";", "';'"), ("\t", "tabs")):  # the Indonesian locale exports with ';'; TSV
        if len(header) == 1 and other in header[0]:
            problems.add(path, 1, None, f"fields must be separated by ',' (this header uses {name})")
            return False
    missing = [name for name in required if name not in header]
    for name in missing:
        problems.add(path, 1, name, "missing column")
    for name in header:
        if name not in columns:
            problems.add(path, 1, name, "unknown column")
    seen: set[str] = set()
    for name in header:
        if name in seen:
            problems.add(path, 1, name, "duplicate column")
        seen.add(name)
    # Unknown columns are reported but rows still load; a missing required column would
    # only repeat itself on every row, so the file is skipped.
    return not missing
