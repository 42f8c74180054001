"""Numbers as spreadsheets write them: refuse the ones a reader could take two ways.

In Indonesia `1.000` is a thousand and `1,5` is one and a half; to Python `1.000` is one.
A value that a thousands separator or a decimal comma could have written is refused with a
line saying how to write it, instead of being read one way in silence.
"""

from __future__ import annotations

import re

_DOT_GROUPS = re.compile(r"[+-]?[1-9]\d{0,2}(?:\.\d{3})+")  # 1.000, 12.500, 1.000.000
_COMMA = re.compile(r"[+-]?\d[\d.,]*")
_RULE = "no thousands separators; '.' is the decimal point"
_SPACES = re.compile("[ \u00a0\u202f\u2009]")
_SPACE_GROUPS = re.compile("[+-]?\\d{1,3}(?:[ \u00a0\u202f\u2009]\\d{3})+(?:\\.\\d+)?")


def ambiguity(value: str) -> str | None:
    """Why `value` (stripped) is not a number to read as written, with how to write it; else None."""
    if _SPACE_GROUPS.fullmatch(value):  # 1 000 (and the no-break spaces spreadsheets use)
        return f"number {value!r} with spaces: write {_SPACES.sub('', value)} ({_RULE})"
    if "," not in value and not _DOT_GROUPS.fullmatch(value):
        return None
    if not _COMMA.fullmatch(value):
        return None  # not number-shaped: the caller's own message says what was expected
    sign = "-" if value.startswith("-") else ""
    digits = value.lstrip("+-")
    if "," in digits and "." in digits:  # both: the later one is the decimal mark
        decimal = "," if digits.rfind(",") > digits.rfind(".") else "."
        whole, _, frac = digits.rpartition(decimal)
        plain = whole.replace(",", "").replace(".", "") + "." + frac
        return f"ambiguous number {value!r}: write {sign}{plain} ({_RULE})"
    mark = "," if "," in digits else "."
    groups = digits.split(mark)
    thousands = "".join(groups)
    if len(groups) > 2:
        return f"ambiguous number {value!r}: write {sign}{thousands} ({_RULE})"
    if mark == "." or len(groups[-1]) == 3:
        decimal = f"{float(groups[0] + '.' + groups[1]):g}"
        return (f"ambiguous number {value!r}: write {sign}{thousands} if the '{mark}' separates thousands, "
                f"or {sign}{decimal} if it is a decimal point ({_RULE})")
    return f"ambiguous number {value!r}: write {sign}{groups[0]}.{groups[1]} ({_RULE})"
