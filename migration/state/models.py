"""Records the state store hands out: typed, frozen, timezone-aware.

They mirror the journal's tables but carry no database handle, so reports and tests
can hold them freely. The allowed step and status names live here too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

STEPS: tuple[str, ...] = (
    "preflight",
    "backup",
    "transfer",
    "deploy",
    "verify",
    "cutover",
    "decommission",
    "rollback",
    "failback",
)
STEP_STATUSES: frozenset[str] = frozenset({"started", "ok", "changed", "failed", "skipped", "rolled_back"})
# `died`: the process running it ended without closing it (killed, crashed); set by the next command.
RUN_STATUSES: frozenset[str] = frozenset({"running", "succeeded", "failed", "partial", "died"})
FINAL_RUN_STATUSES: frozenset[str] = RUN_STATUSES - {"running"}


@dataclass(frozen=True)
class RunRecord:
    """One `dcc migrate --wave N` invocation; `ended_at`/`status` change when it finishes."""

    id: int
    estate: str
    wave: int
    started_at: datetime
    ended_at: datetime | None
    status: str


@dataclass(frozen=True)
class StepRecord:
    """One journal line: a pipeline step of one app on one host reached `status`."""

    run_id: int
    wave: int
    app: str
    host: str
    step: str
    status: str
    at: datetime
    detail: dict[str, Any] | None


@dataclass(frozen=True)
class Evidence:
    """One verification check (testinfra) on a host, passed or not, with what it saw."""

    run_id: int
    app: str
    host: str
    check: str
    passed: bool
    detail: dict[str, Any]
    at: datetime


@dataclass(frozen=True)
class BackupRecord:
    """A backup in object storage, identified by its manifest digest, and whether a restore proved it."""

    app: str
    bucket: str
    prefix: str
    manifest_sha256: str
    objects: int
    bytes: int
    taken_at: datetime
    restore_verified_at: datetime | None
    restore_verified_on: str | None
    sites: tuple[str, ...] = ()
    lock_mode: str | None = None
    retain_until: datetime | None = None
