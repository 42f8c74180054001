"""Text that came from outside (inventories, hosts, plan files) made safe to store and to show.

Control characters are escaped, never dropped, so nothing a host prints can move the
cursor, ring, rename the terminal or hide a line, and the user still sees that it was there.
"""

from __future__ import annotations

import re

# C0 (but tab and newline), DEL, C1, the line/paragraph separators and the bidi overrides that
# can reorder what a reader sees ("Trojan source").
CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]")
CONTROL_OR_NEWLINE = re.compile(CONTROL.pattern[:-1] + "\t\n]")


def _code(match: re.Match[str]) -> str:
    point = ord(match.group())
    return f"\\x{point:02x}" if point < 0x100 else f"\\u{point:04x}"


def escape_controls(text: str, *, keep_newlines: bool = True) -> str:
    """`text` with every control character written as `\\xNN` / `\\uNNNN` (tab kept; newline too
    unless `keep_newlines` is False, for one-line output)."""
    pattern = CONTROL if keep_newlines else CONTROL_OR_NEWLINE
    return pattern.sub(_code, text) if pattern.search(text) else text


def has_control(text: str) -> bool:
    return CONTROL.search(text) is not None


def shorten(value: object, limit: int = 60) -> str:
    """repr of a value cut to `limit` characters, for error messages: a huge (or alias-expanded)
    value is never printed whole."""
    if isinstance(value, (list, dict, tuple, set)):
        return f"a {type(value).__name__}"
    text = repr(value) if not isinstance(value, str) or len(value) <= limit else repr(value[:limit]) + "…"
    return escape_controls(text[: limit * 4 + 10], keep_newlines=False)
