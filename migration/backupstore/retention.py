"""Object lock settings for backups: the retention mode and how many days each object is kept.

COMPLIANCE (nobody, not even the bucket's owner, can delete or shorten it) is the default for
production; GOVERNANCE (a privileged caller may bypass it) is allowed for the lab.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from migration.errors import InputError

LOCK_MODES = ("COMPLIANCE", "GOVERNANCE")
MAX_DAYS = 36500


@dataclass(frozen=True)
class Retention:
    mode: str = "COMPLIANCE"
    days: int = 30

    def __post_init__(self) -> None:
        if self.mode not in LOCK_MODES:
            raise InputError(f"lock mode {self.mode!r} is not one of {', '.join(LOCK_MODES)}", where="--lock-mode")
        if not 1 <= self.days <= MAX_DAYS:
            raise InputError(f"lock days must be 1..{MAX_DAYS}, not {self.days}", where="--lock-days")

    def until(self, now: datetime | None = None) -> datetime:
        """Retain-until for an object written now (whole seconds, UTC)."""
        start = (now or datetime.now(UTC)).replace(microsecond=0)
        return start + timedelta(days=self.days)
