"""A small, fast YAML emitter for manifests (block style, like kubectl writes).

PyYAML's representer costs ~0.4 ms per object, minutes at national scale. Manifests hold only
dicts, lists, strings, numbers, booleans and null, so a direct emitter is enough: strings that
could be misread (`yes`, `1.0`, `a: b`) are double-quoted with JSON escapes, which YAML accepts.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

_PLAIN = re.compile(r"[A-Za-z_/][A-Za-z0-9_./@+-]*")
_RESERVED = frozenset(["y", "n", "yes", "no", "true", "false", "on", "off", "null"])


def scalar(value: Any) -> str:
    """One scalar in YAML: plain when unambiguous, else JSON-quoted."""
    kind = type(value)
    if kind is str:
        return _string(value)
    if value is None:
        return "null"
    if kind is bool:
        return "true" if value else "false"
    if kind is int:
        return str(value)
    if kind is float:
        if not math.isfinite(value):
            raise ValueError(f"cannot write {value!r} into a manifest")
        return repr(value)
    if isinstance(value, str):
        return _string(str(value))
    raise TypeError(f"cannot write a {kind.__name__} into a manifest (plain dict, list and scalars only)")


@lru_cache(maxsize=65536)
def _string(s: str) -> str:
    # Names, labels and quantities repeat across thousands of objects: quote each once.
    if _PLAIN.fullmatch(s) and s.lower() not in _RESERVED:
        return s
    return json.dumps(s, ensure_ascii=False)


def _lines(node: Any, indent: str, out: list[str]) -> None:
    if type(node) is dict:
        for k, v in node.items():
            key = _string(k) if type(k) is str else scalar(k)
            kind = type(v)
            if (kind is dict or kind is list) and v:
                out.append(f"{indent}{key}:")
                _lines(v, indent + "  " if kind is dict else indent, out)
            else:
                out.append(f"{indent}{key}: {_inline(v, kind)}")
    elif type(node) is not list:
        raise TypeError(f"cannot write a {type(node).__name__} into a manifest (plain dict, list and scalars only)")
    else:
        for item in node:
            kind = type(item)
            if (kind is dict or kind is list) and item:
                sub: list[str] = []
                _lines(item, "", sub)
                out.append(f"{indent}- {sub[0]}")
                out.extend(f"{indent}  {line}" for line in sub[1:])
            else:
                out.append(f"{indent}- {_inline(item, kind)}")


def _inline(v: Any, kind: type) -> str:
    if kind is dict:
        return "{}"
    if kind is list:
        return "[]"
    return scalar(v)


def dump_all(objects: Iterable[dict[str, Any]]) -> str:
    """A multi-document YAML stream, one `---` separated document per object."""
    docs = []
    for o in objects:
        lines: list[str] = []
        _lines(o, "", lines)
        docs.append("\n".join(lines))
    return "---\n" + "\n---\n".join(docs) + "\n" if docs else ""


class _NotOurs(Exception):
    """The text strays from what `dump_all` writes: let PyYAML read it."""


_INT = re.compile(r"-?(0|[1-9][0-9]*)")
_FLOAT = re.compile(r"-?[0-9]+\.[0-9]+")
_DECODER = json.JSONDecoder()
_WORDS = {"true": True, "false": False, "null": None}


_EMPTY = object()  # marks `{}` / `[]`: mutable, so built fresh for every use


def _value(text: str) -> Any:
    v = _cached_value(text)
    if v is _EMPTY:
        return {} if text == "{}" else []
    return v


@lru_cache(maxsize=65536)
def _cached_value(text: str) -> Any:
    # Lines repeat across thousands of manifests (labels, security contexts): parse each once.
    if text in ("{}", "[]"):
        return _EMPTY
    if text in _WORDS:
        return _WORDS[text]
    if text.startswith('"'):
        value, end = _DECODER.raw_decode(text)
        if end != len(text):
            raise _NotOurs(text)
        return value
    if _INT.fullmatch(text):
        return int(text)
    if _FLOAT.fullmatch(text):
        return float(text)
    if _PLAIN.fullmatch(text) and text.lower() not in _RESERVED:
        return text
    raise _NotOurs(text)


@lru_cache(maxsize=65536)
def _split_key(text: str) -> tuple[str, str | None]:
    """(key, value text or None when a block follows) of a `key: value` line."""
    if text.startswith('"'):
        key, end = _DECODER.raw_decode(text)
    else:
        end = text.find(":")
        key = text[:end]
        if end < 0 or not _PLAIN.fullmatch(key) or key.lower() in _RESERVED:
            raise _NotOurs(text)
    rest = text[end:]
    if rest == ":":
        return key, None
    if not rest.startswith(": ") or len(rest) < 3:
        raise _NotOurs(text)
    return key, rest[2:]


@lru_cache(maxsize=65536)
def _is_key_line(text: str) -> bool:
    if text.startswith('"'):
        _, end = _DECODER.raw_decode(text)
        return text[end:].startswith(":")
    return ": " in text or text.endswith(":")


@lru_cache(maxsize=65536)
def _row(line: str) -> tuple[int, str]:
    text = line.lstrip(" ")
    if not text or "\t" in line or text.startswith("#") or text.endswith(" "):
        raise _NotOurs(line)
    return len(line) - len(text), text


class _Reader:
    def __init__(self, lines: list[str]) -> None:
        self.rows = [_row(line) for line in lines]
        self.n = len(self.rows)
        self.i = 0

    def block(self, indent: int) -> Any:
        row = self.rows[self.i] if self.i < self.n else None
        if row is None or row[0] != indent:
            raise _NotOurs(f"line {self.i}")
        return self.sequence(indent) if row[1].startswith("- ") else self.mapping(indent)

    def sequence(self, indent: int) -> list[Any]:
        out = []
        rows = self.rows
        while self.i < self.n and rows[self.i][0] == indent and rows[self.i][1].startswith("- "):
            item = rows[self.i][1][2:]
            if item.startswith("- ") or _is_key_line(item):
                rows[self.i] = (indent + 2, item)  # the item is a block starting on this line
                out.append(self.block(indent + 2))
            else:
                out.append(_value(item))
                self.i += 1
        return out

    def mapping(self, indent: int) -> dict[str, Any]:
        out: dict[str, Any] = {}
        rows = self.rows
        while self.i < self.n and rows[self.i][0] == indent and not rows[self.i][1].startswith("- "):
            key, text = _split_key(rows[self.i][1])
            if key in out:
                raise _NotOurs(f"duplicate key {key}")
            self.i += 1
            if text is not None:
                out[key] = _value(text)
                continue
            nxt = rows[self.i] if self.i < self.n else None
            if nxt is None or nxt[0] < indent or (nxt[0] == indent and not nxt[1].startswith("- ")):
                raise _NotOurs(f"empty block for {key}")
            out[key] = self.block(nxt[0])
        return out


def _fast_load(text: str) -> list[Any]:
    docs = text.split("\n---\n")
    if not docs[0].startswith("---\n") or not text.endswith("\n"):
        raise _NotOurs("no leading ---")
    docs[0], docs[-1] = docs[0][4:], docs[-1][:-1]
    out = []
    for doc in docs:
        reader = _Reader(doc.split("\n"))
        out.append(reader.block(0))
        if reader.i != reader.n:
            raise _NotOurs(f"trailing lines after line {reader.i}")
    return out


def load_all(text: str) -> list[Any]:
    """Every document of a YAML stream: a fast path for what `dump_all` writes, PyYAML for the rest."""
    try:
        return _fast_load(text)
    except (_NotOurs, ValueError):
        import yaml

        return [d for d in yaml.load_all(text, Loader=yaml.CSafeLoader)]
