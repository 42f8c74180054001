"""Opening the journal's database: URL checks, SQLite pragmas, and the schema-version guard.

SQLite gets WAL, a busy timeout, foreign keys and `BEGIN IMMEDIATE` for writes so that
threads and processes queue instead of failing; PostgreSQL needs none of that.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, inspect, select, update
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import (
    ArgumentError,
    DatabaseError,
    IntegrityError,
    NoSuchModuleError,
    ProgrammingError,
    SQLAlchemyError,
)

from migration.errors import InputError, StateError
from migration.state import schema

BUSY_TIMEOUT_S = 30
WRITE_OPTION = "dcc_write"


def default_url(estate_dir: Path) -> str:
    """The default store of an estate: `<estate_dir>/state/dcc.sqlite`."""
    return f"sqlite:///{(Path(estate_dir) / 'state' / 'dcc.sqlite').resolve()}"


def parse_url(url: str) -> URL:
    """Parse a store URL or raise InputError naming it."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise InputError(f"not a database URL: {url!r} (e.g. sqlite:///path/dcc.sqlite)", where="state url")
    if parsed.get_backend_name() not in ("sqlite", "postgresql"):
        raise InputError(
            f"unsupported database {parsed.get_backend_name()!r}; use sqlite or postgresql", where="state url"
        )
    return parsed


def shown(url: URL) -> str:
    """The URL as shown in messages, password hidden."""
    return url.render_as_string(hide_password=True)


def sqlite_path(url: URL) -> Path | None:
    """The file behind a SQLite URL, or None for in-memory and non-SQLite stores."""
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    return Path(url.database)


def make_engine(url: URL, *, create: bool) -> Engine:
    """One engine per store; its pool hands a connection to each thread."""
    path = sqlite_path(url)
    if path is not None:
        if not path.exists() and not create:
            raise StateError(f"no state store yet at {path} (nothing has run: start with `dcc migrate`)")
        path.parent.mkdir(parents=True, exist_ok=True)
    try:
        engine = _create(url)
    except NoSuchModuleError:
        raise InputError(f"no driver for {url.drivername!r} installed", where="state url")
    except ModuleNotFoundError as exc:
        raise InputError(f"database driver missing: {exc.name}", where="state url")
    return engine


def _create(url: URL) -> Engine:
    if url.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True)
    engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_S, "check_same_thread": False})
    event.listen(engine, "connect", _sqlite_on_connect)
    event.listen(engine, "begin", _sqlite_on_begin)
    return engine


def _sqlite_on_connect(dbapi_conn: Any, _record: Any) -> None:
    # Take transaction control from the sqlite3 module so BEGIN IMMEDIATE is ours to send.
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_S * 1000}")
    _switch_to_wal(cur)
    cur.execute("PRAGMA foreign_keys=ON")
    # FULL: a committed journal line survives a power cut, not only a process crash.
    cur.execute("PRAGMA synchronous=FULL")
    cur.close()


def _switch_to_wal(cur: Any) -> None:
    # Entering WAL needs an exclusive lock, and SQLite answers "database is locked" at once,
    # without its busy handler, while another connection is opening the same fresh file.
    # The mode is stored in the file, so after the first success this is a cheap no-op.
    deadline = time.monotonic() + BUSY_TIMEOUT_S
    pause = 0.005
    while True:
        try:
            cur.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            transient = "locked" in str(exc) or "busy" in str(exc)
            if not transient or time.monotonic() > deadline:
                raise
        time.sleep(pause)
        pause = min(pause * 2, 0.25)


def _sqlite_on_begin(conn: Any) -> None:
    # A deferred write transaction in WAL cannot wait for the lock (SQLITE_BUSY at once);
    # IMMEDIATE takes the write lock up front, so the busy timeout applies.
    immediate = conn.get_execution_options().get(WRITE_OPTION, False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def prepare_schema(engine: Engine, url: URL, *, create: bool) -> None:
    """Check the stored schema version; create the schema in a fresh store when allowed."""
    try:
        found = _stored_version(engine)
        if found is _FRESH:
            if not create:
                raise StateError(
                    f"no state store yet at {shown(url)} (nothing has run: start with `dcc migrate`)"
                )
            _create_schema(engine)
            found = _stored_version(engine)
        _check_version(found, url)
    except DatabaseError as exc:
        raise StateError(f"cannot open state store {shown(url)}: {first_line(exc)}")
    if int(str(found)) < schema.SCHEMA_VERSION:
        upgrade_schema(engine, int(str(found)), url)
    try:
        _add_missing_tables(engine)
    except DatabaseError as exc:
        raise StateError(f"cannot open state store {shown(url)}: {first_line(exc)}")


def _add_missing_tables(engine: Engine) -> None:
    """Tables added within a schema version are additive (e.g. `run_owners`): a store made by an
    earlier dcc of the same version gets them on its next writable open; nothing else changes."""
    with engine.connect() as conn:
        missing = [tb for tb in schema.metadata.sorted_tables if not inspect(conn).has_table(tb.name)]
    if not missing:
        return
    with engine.connect() as conn:
        conn.execution_options(**{WRITE_OPTION: True})
        with conn.begin():
            schema.metadata.create_all(conn, tables=missing, checkfirst=True)


def upgrade_schema(engine: Engine, version: int, url: URL) -> None:
    """Bring an older store up to SCHEMA_VERSION: add each later version's columns, in one transaction."""
    try:
        with engine.connect() as conn:
            conn.execution_options(**{WRITE_OPTION: True})
            with conn.begin():
                stored = conn.execute(select(schema.meta.c.value).where(schema.meta.c.key == "schema_version"))
                if int(str(stored.scalar())) >= schema.SCHEMA_VERSION:
                    return  # another process upgraded it first
                for added in range(version + 1, schema.SCHEMA_VERSION + 1):
                    for table, name in schema.ADDED_IN.get(added, ()):
                        column = schema.metadata.tables[table].c[name]
                        kind = column.type.compile(dialect=engine.dialect)
                        conn.exec_driver_sql(f"ALTER TABLE {table} ADD COLUMN {name} {kind}")
                conn.execute(update(schema.meta).where(schema.meta.c.key == "schema_version")
                             .values(value=str(schema.SCHEMA_VERSION)))
    except DatabaseError as exc:
        raise StateError(f"cannot upgrade state store {shown(url)}: {first_line(exc)}")


_FRESH = object()  # no `meta` table at all: an empty database that we may initialise


def _stored_version(engine: Engine) -> object:
    with engine.connect() as conn:
        if not inspect(conn).has_table("meta"):
            return _FRESH
        return conn.execute(select(schema.meta.c.value).where(schema.meta.c.key == "schema_version")).scalar()


def _create_schema(engine: Engine) -> None:
    with engine.connect() as conn:
        conn.execution_options(**{WRITE_OPTION: True})
        try:
            with conn.begin():
                schema.metadata.create_all(conn, checkfirst=True)
                if (
                    conn.execute(
                        select(schema.meta.c.value).where(schema.meta.c.key == "schema_version")
                    ).scalar()
                    is None
                ):
                    conn.execute(
                        schema.meta.insert().values(key="schema_version", value=str(schema.SCHEMA_VERSION))
                    )
        except (IntegrityError, ProgrammingError):
            # Another process created the same schema at the same moment (PostgreSQL reports a
            # duplicate table or type); the caller re-reads the version, which must now be there.
            pass


def _check_version(found: object, url: URL) -> None:
    try:
        version = int(found) if isinstance(found, str) else None
    except ValueError:
        version = None
    if version is None:
        raise StateError(f"state store {shown(url)} has an unreadable schema_version {found!r}")
    if version > schema.SCHEMA_VERSION:
        raise StateError(
            f"state store {shown(url)} has schema version {version}; this dcc understands up to "
            f"{schema.SCHEMA_VERSION} (upgrade dcc)"
        )
    if version < 1:
        raise StateError(f"state store {shown(url)} has unknown schema version {version}")


def first_line(exc: SQLAlchemyError) -> str:
    return str(getattr(exc, "orig", exc)).splitlines()[0]
