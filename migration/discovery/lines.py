"""Bounded, warning-collecting line reading for untrusted host output.

Every parser reads through `Reader`: lines past the length or count limit, or carrying
control characters, are skipped with a warning instead of reaching a parser.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

MAX_LINE = 4096
MAX_LINES = 50_000
MAX_WARNINGS = 20  # per section: a garbage-spewing host must not flood the facts file
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_SECRET_OPTION = re.compile(r"(?i)((?:--?|\b)[\w.-]*(?:password|passwd|pwd|secret|token|api[_-]?key)[\w.-]*[=\s:]\s*)(\S+)")
_URL_CREDENTIAL = re.compile(r"(://[^/\s:@]+:)([^@\s]+)(@)")


@dataclass
class Reader:
    """Lines of one section, with the warnings found while reading them."""

    section: str
    text: str
    warnings: list[str] = field(default_factory=list)
    _dropped: int = 0

    def lines(self) -> Iterator[tuple[int, str]]:
        """(line number, line) for each usable non-blank line."""
        for number, raw in enumerate(self.text.split("\n"), start=1):
            if number > MAX_LINES:
                self.warn(number, f"more than {MAX_LINES} lines; rest ignored")
                return
            line = raw.rstrip("\r")
            if not line.strip():
                continue
            if len(line) > MAX_LINE:
                self.warn(number, f"line of {len(line)} characters ignored (limit {MAX_LINE})")
            elif "\ufffd" in line or _CONTROL.search(line.replace("\t", " ")):
                self.warn(number, "binary or control characters; line ignored")
            else:
                yield number, line

    def warn(self, number: int, reason: str) -> None:
        if len(self.warnings) < MAX_WARNINGS:
            self.warnings.append(f"{self.section}: line {number}: {reason}")
        elif self._dropped == 0:
            self.warnings.append(f"{self.section}: further warnings suppressed")
            self._dropped += 1

    def bad(self, number: int, line: str) -> None:
        """Warn about an unparsable line, quoting a short, safe excerpt of it."""
        self.warn(number, f"unparsable line ignored: {line[:60]!r}")


def to_int(text: str, low: int = 0, high: int = 2**63 - 1) -> int | None:
    """Strict decimal integer within [low, high], else None (no signs, no spaces, no hex)."""
    if not text.isascii() or not text.isdigit() or len(text) > 19:
        return None
    value = int(text)
    return value if low <= value <= high else None


def clip(text: str, limit: int = 512) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def redact(text: str) -> str:
    """Mask credentials that command lines often carry (`--password x`, `TOKEN=x`, `://u:p@`),
    so facts files beside the inventory never hold a host's secrets."""
    text = _URL_CREDENTIAL.sub(r"\1***\3", text)
    return _SECRET_OPTION.sub(r"\1***", text)
