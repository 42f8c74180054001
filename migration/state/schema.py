"""The journal's tables in SQLAlchemy Core, with portable types only.

The same metadata creates the schema on SQLite (the default) and PostgreSQL (teams);
`SCHEMA_VERSION` is stored in `meta` and guards against opening a newer store.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
)
from sqlalchemy.types import TypeDecorator

SCHEMA_VERSION = 2
# Columns each version added, as (table, column): a store at an older version gets them by
# ALTER TABLE ... ADD COLUMN when it is opened (migration.state.engine.upgrade_schema).
ADDED_IN = {2: (("backups", "sites"), ("backups", "lock_mode"), ("backups", "retain_until"))}


class UTCDateTime(TypeDecorator[datetime]):
    """Stores UTC, hands back aware UTC datetimes (SQLite drops tzinfo; PostgreSQL keeps it)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the state store; use UTC-aware datetimes")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


metadata = MetaData()

meta = Table(
    "meta",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", String(256), nullable=False),
)

runs = Table(
    "runs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("estate", String(128), nullable=False),
    Column("wave", Integer, nullable=False),
    Column("started_at", UTCDateTime, nullable=False),
    Column("ended_at", UTCDateTime, nullable=True),
    Column("status", String(16), nullable=False),
)

# Which process on which machine owns a running run, so that the next command can tell a run
# whose process died (SIGKILL, power loss) from one still working, and close it as `died`.
run_owners = Table(
    "run_owners",
    metadata,
    Column("run_id", Integer, ForeignKey("runs.id"), primary_key=True),
    Column("machine", String(128), nullable=False),  # boot id: a reboot ends every process
    Column("pid", Integer, nullable=False),
    Column("pid_start", String(32), nullable=False),  # start time in ticks: a reused pid is not ours
)

steps = Table(
    "steps",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("run_id", Integer, ForeignKey("runs.id"), nullable=False),
    Column("wave", Integer, nullable=False),
    Column("app", String(128), nullable=False),
    Column("host", String(128), nullable=False),
    Column("step", String(32), nullable=False),
    Column("status", String(16), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("detail", JSON, nullable=True),
    # last_status() reads the newest row of one (wave, app, host, step): this index answers it.
    Index("ix_steps_key", "wave", "app", "host", "step", "id"),
)

evidence = Table(
    "evidence",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("run_id", Integer, ForeignKey("runs.id"), nullable=False),
    Column("app", String(128), nullable=False),
    Column("host", String(128), nullable=False),
    Column("check_name", String(256), nullable=False),  # `check` is reserved in SQL
    Column("passed", Boolean, nullable=False),
    Column("detail", JSON, nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Index("ix_evidence_app", "app", "id"),
)

backups = Table(
    "backups",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("app", String(128), nullable=False),
    Column("bucket", String(63), nullable=False),
    Column("prefix", String(1024), nullable=False),
    Column("manifest_sha256", String(64), nullable=False),
    Column("objects", Integer, nullable=False),
    Column("bytes", BigInteger, nullable=False),
    Column("taken_at", UTCDateTime, nullable=False),
    Column("restore_verified_at", UTCDateTime, nullable=True),
    Column("restore_verified_on", String(128), nullable=True),
    Column("sites", String(256), nullable=True),  # comma-separated site names holding a copy
    Column("lock_mode", String(16), nullable=True),  # object lock: COMPLIANCE or GOVERNANCE
    Column("retain_until", UTCDateTime, nullable=True),
    Index("ix_backups_app", "app", "id"),
)
