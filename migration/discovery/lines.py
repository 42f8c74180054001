"""Bounded, warning-collecting line reading for untrusted host output.

Every parser reads through `Reader`: lines past the length or count limit are skipped with a
warning; control characters are escaped (`\x1b`), never dropped, so a listener or cron entry
whose process name holds one is still in the facts, and nothing reaches a terminal raw.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from migration.discovery.secrets import redact
from migration.untrusted.text import escape_controls

MAX_LINE = 4096
MAX_LINES = 50_000
MAX_WARNINGS = 20  # per section: a garbage-spewing host must not flood the facts file


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
            line = raw.removesuffix("\r")
            if not line.strip():
                continue
            if len(line) > MAX_LINE:
                self.warn(number, f"line of {len(line)} characters ignored (limit {MAX_LINE})")
            else:
                yield number, escape_controls(line)

    def warn(self, number: int, reason: str) -> None:
        if len(self.warnings) < MAX_WARNINGS:
            self.warnings.append(f"{self.section}: line {number}: {reason}")
        elif self._dropped == 0:
            self.warnings.append(f"{self.section}: further warnings suppressed")
            self._dropped += 1

    def bad(self, number: int, line: str) -> None:
        """Warn about an unparsable line, quoting a short, safe excerpt of it."""
        # The line is already escaped (Reader.lines): quoted as is, not repr'd a second time.
        self.warn(number, f"unparsable line ignored: '{redact(line)[:60]}'")


def to_int(text: str, low: int = 0, high: int = 2**63 - 1) -> int | None:
    """Strict decimal integer within [low, high], else None (no signs, no spaces, no hex)."""
    if not text.isascii() or not text.isdigit() or len(text) > 19:
        return None
    value = int(text)
    return value if low <= value <= high else None


def clip(text: str, limit: int = 512) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


__all__ = ["MAX_LINE", "MAX_LINES", "MAX_WARNINGS", "Reader", "clip", "redact", "to_int"]
