"""The state store: the pipeline's journal of runs, steps, evidence and backups.

Every write is its own short transaction, committed before the call returns, so a crash
loses nothing already recorded and a rerun resumes from `last_status`. Thread-safe: one
engine, one pooled connection per call.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Self

from sqlalchemy import Connection, Engine, Row, select, update
from sqlalchemy.engine import URL
from sqlalchemy.exc import DatabaseError, IntegrityError

from migration.errors import InputError, StateError
from migration.state import engine as eng
from migration.state import liveness
from migration.state import schema as t
from migration.state.models import (
    FINAL_RUN_STATUSES,
    STEP_STATUSES,
    STEPS,
    BackupRecord,
    Evidence,
    RunRecord,
    StepRecord,
)


def _now() -> datetime:
    return datetime.now(UTC)


class StateStore:
    """The journal; open it with `StateStore.open(...)`, close it with `.close()` or `with`."""

    def __init__(self, engine: Engine, url: URL) -> None:
        self._engine = engine
        self._url = url

    @classmethod
    def open(
        cls, url: str | None = None, *, estate_dir: Path | None = None, create: bool = True
    ) -> StateStore:
        """Open (and by default create) the store at `url`, or the estate's default SQLite file.

        `create=False` is for readers such as `dcc status`: a missing store raises StateError.
        """
        if url is None:
            if estate_dir is None:
                raise InputError("give a state store URL or an estate directory", where="state url")
            url = eng.default_url(estate_dir)
        parsed = eng.parse_url(url)
        if parsed.get_backend_name() == "sqlite" and eng.sqlite_path(parsed) is None:
            raise InputError("an in-memory store would lose the journal; give a file", where="state url")
        engine = eng.make_engine(parsed, create=create)
        try:
            eng.prepare_schema(engine, parsed, create=create)
        except BaseException:
            engine.dispose()
            raise
        return cls(engine, parsed)

    @property
    def url(self) -> str:
        """The store's URL, password hidden."""
        return eng.shown(self._url)

    def close(self) -> None:
        self._engine.dispose()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # -- writing -------------------------------------------------------------------------

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        """One short write transaction, committed on exit; lock trouble becomes StateError."""
        try:
            with self._engine.connect() as conn:
                conn.execution_options(**{eng.WRITE_OPTION: True})
                with conn.begin():
                    yield conn
        except IntegrityError as exc:
            raise StateError(f"state store refused the write: {eng.first_line(exc)}")
        except DatabaseError as exc:
            raise StateError(f"state store {self.url} is unavailable or locked: {eng.first_line(exc)}")

    def start_run(self, estate: str, wave: int) -> int:
        """Journal the start of a run, owned by this process; returns its id."""
        owner = liveness.me()
        with self._write() as conn:
            result = conn.execute(
                t.runs.insert().values(
                    estate=estate, wave=wave, started_at=_now(), ended_at=None, status="running"
                )
            )
            key = result.inserted_primary_key
            if key is None:
                raise StateError(f"state store {self.url} gave the new run no id")
            run_id = int(key[0])
            conn.execute(t.run_owners.insert().values(run_id=run_id, machine=owner.machine, pid=owner.pid,
                                                      pid_start=owner.pid_start))
            return run_id

    def close_dead_runs(self) -> list[int]:
        """Close as `died` every running run whose owning process on this machine is gone."""
        rows = self._read(
            select(t.runs.c.id, t.run_owners.c.machine, t.run_owners.c.pid, t.run_owners.c.pid_start)
            .join(t.run_owners, t.run_owners.c.run_id == t.runs.c.id, isouter=True)
            .where(t.runs.c.status == "running")
        )
        dead = [r.id for r in rows if r.machine is None
                or liveness.alive(liveness.Owner(r.machine, r.pid, r.pid_start)) is False]
        for run_id in dead:
            with self._write() as conn:
                conn.execute(update(t.runs).where(t.runs.c.id == run_id, t.runs.c.status == "running")
                             .values(ended_at=_now(), status="died"))
        return dead

    def finish_run(self, run_id: int, status: str) -> None:
        """Close a run as succeeded, failed or partial."""
        _check_choice("run status", status, FINAL_RUN_STATUSES)
        with self._write() as conn:
            done = conn.execute(
                update(t.runs).where(t.runs.c.id == run_id).values(ended_at=_now(), status=status)
            )
            if done.rowcount != 1:
                raise StateError(f"no run with id {run_id} in {self.url}")

    def record_step(
        self,
        run_id: int,
        wave: int,
        app: str,
        host: str,
        step: str,
        status: str,
        detail: dict[str, Any] | None = None,
    ) -> None:
        """Append one journal line: `step` of `app` on `host` reached `status`."""
        _check_choice("step", step, frozenset(STEPS))
        _check_choice("step status", status, STEP_STATUSES)
        with self._write() as conn:
            conn.execute(
                t.steps.insert().values(
                    run_id=run_id,
                    wave=wave,
                    app=app,
                    host=host,
                    step=step,
                    status=status,
                    at=_now(),
                    detail=_json_safe(detail, "detail"),
                )
            )

    def add_evidence(
        self, run_id: int, app: str, host: str, check: str, passed: bool, detail: dict[str, Any]
    ) -> None:
        """Record one verification check's outcome and what it saw."""
        with self._write() as conn:
            conn.execute(
                t.evidence.insert().values(
                    run_id=run_id,
                    app=app,
                    host=host,
                    check_name=check,
                    passed=bool(passed),
                    detail=_json_safe(detail, "detail") or {},
                    at=_now(),
                )
            )

    def record_backup(
        self, app: str, bucket: str, prefix: str, manifest_sha256: str, objects: int, bytes: int,
        *, sites: tuple[str, ...] = (), lock_mode: str | None = None, retain_until: datetime | None = None,
    ) -> None:
        """Record a backup in object storage, identified by its manifest's SHA-256, with the sites
        holding a copy and its object lock."""
        with self._write() as conn:
            conn.execute(
                t.backups.insert().values(
                    app=app,
                    bucket=bucket,
                    prefix=prefix,
                    manifest_sha256=manifest_sha256,
                    objects=objects,
                    bytes=bytes,
                    taken_at=_now(),
                    sites=",".join(sites) or None,
                    lock_mode=lock_mode,
                    retain_until=retain_until,
                )
            )

    def mark_restore_verified(self, app: str, target_host: str) -> None:
        """Mark the app's newest backup as proven by a restore on `target_host`."""
        with self._write() as conn:
            newest = conn.execute(
                select(t.backups.c.id).where(t.backups.c.app == app).order_by(t.backups.c.id.desc()).limit(1)
            ).scalar()
            if newest is None:
                raise StateError(f"no backup recorded for app {app!r}; cannot mark a restore verified")
            conn.execute(
                update(t.backups)
                .where(t.backups.c.id == newest)
                .values(restore_verified_at=_now(), restore_verified_on=target_host)
            )

    # -- reading -------------------------------------------------------------------------

    def _read(self, query: Any) -> list[Row[Any]]:
        try:
            with self._engine.connect() as conn:
                return list(conn.execute(query))
        except DatabaseError as exc:
            raise StateError(f"state store {self.url} is unavailable: {eng.first_line(exc)}")

    def last_status(self, wave: int, app: str, host: str, step: str) -> str | None:
        """The newest status of that step, or None if it never ran (resume starts there)."""
        c = t.steps.c
        rows = self._read(
            select(c.status)
            .where(c.wave == wave, c.app == app, c.host == host, c.step == step)
            .order_by(c.id.desc())
            .limit(1)
        )
        return rows[0].status if rows else None

    def steps(self, wave: int | None = None, app: str | None = None) -> list[StepRecord]:
        """Journal lines in the order they were written, optionally for one wave and/or app."""
        c = t.steps.c
        query = select(t.steps).order_by(c.id)
        if wave is not None:
            query = query.where(c.wave == wave)
        if app is not None:
            query = query.where(c.app == app)
        return [
            StepRecord(r.run_id, r.wave, r.app, r.host, r.step, r.status, r.at, r.detail)
            for r in self._read(query)
        ]

    def evidence(self, app: str | None = None) -> list[Evidence]:
        """Verification evidence in recording order, optionally for one app."""
        c = t.evidence.c
        query = select(t.evidence).order_by(c.id)
        if app is not None:
            query = query.where(c.app == app)
        return [
            Evidence(r.run_id, r.app, r.host, r.check_name, bool(r.passed), r.detail, r.at)
            for r in self._read(query)
        ]

    def backups(self) -> list[BackupRecord]:
        """Every backup recorded, oldest first."""
        return [
            BackupRecord(
                r.app,
                r.bucket,
                r.prefix,
                r.manifest_sha256,
                r.objects,
                r.bytes,
                r.taken_at,
                r.restore_verified_at,
                r.restore_verified_on,
                tuple(r.sites.split(",")) if r.sites else (),
                r.lock_mode,
                r.retain_until,
            )
            for r in self._read(select(t.backups).order_by(t.backups.c.id))
        ]

    def runs(self) -> list[RunRecord]:
        """Every run, oldest first."""
        return [
            RunRecord(r.id, r.estate, r.wave, r.started_at, r.ended_at, r.status)
            for r in self._read(select(t.runs).order_by(t.runs.c.id))
        ]


def _check_choice(what: str, value: str, allowed: frozenset[str]) -> None:
    if value not in allowed:
        raise StateError(f"unknown {what} {value!r}; expected one of {', '.join(sorted(allowed))}")


def _json_safe(detail: dict[str, Any] | None, what: str) -> dict[str, Any] | None:
    """Reject what JSON cannot hold now, rather than failing inside the transaction."""
    if detail is None:
        return None
    try:
        json.dumps(detail, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise StateError(f"{what} is not plain JSON: {exc}")
    return detail
