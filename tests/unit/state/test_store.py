"""State store round trips, resume, validation, concurrency and durability (SQLite and PostgreSQL)."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC
from pathlib import Path

import pytest

from migration.errors import InputError, StateError
from migration.state import STEPS, BackupRecord, Evidence, RunRecord, StateStore, StepRecord
from tests.support.state_pg import fresh_database, postgres_cluster


@pytest.fixture(scope="module")
def pg_socket() -> Path:
    with postgres_cluster() as socket_dir:
        yield socket_dir


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> StateStore:
    """The same tests run for a SQLite file URL and for PostgreSQL (the estate default is tested below)."""
    if request.param == "sqlite":
        opened = StateStore.open(f"sqlite:///{tmp_path / 'elsewhere' / 'journal.db'}")
    else:
        opened = StateStore.open(fresh_database(request.getfixturevalue("pg_socket")))
    yield opened
    opened.close()


def test_default_store_lives_in_the_estate_and_uses_wal(tmp_path: Path) -> None:
    StateStore.open(estate_dir=tmp_path).close()
    db = tmp_path / "state" / "dcc.sqlite"
    assert db.is_file(), f"expected the default store at {db}"
    mode = sqlite3.connect(db).execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal", f"journal_mode is {mode!r}, expected 'wal'"


def test_run_round_trip(store: StateStore) -> None:
    first, second = store.start_run("lab", 1), store.start_run("lab", 2)
    store.finish_run(first, "succeeded")
    runs = store.runs()
    assert [(r.id, r.wave, r.status) for r in runs] == [(first, 1, "succeeded"), (second, 2, "running")]
    assert isinstance(runs[0], RunRecord)
    assert runs[0].ended_at is not None and runs[1].ended_at is None
    assert runs[0].started_at.tzinfo == UTC and runs[0].ended_at.tzinfo == UTC
    assert runs[0].started_at <= runs[0].ended_at


def test_steps_round_trip_and_filters(store: StateStore) -> None:
    run = store.start_run("lab", 1)
    store.record_step(run, 1, "simpeg", "kmk-web1", "preflight", "ok", {"disk_free_gb": 12.5, "ports": [80]})
    store.record_step(run, 1, "sipd", "kmk-web2", "backup", "started")
    store.record_step(run, 2, "simpeg", "kmk-db1", "backup", "changed")
    all_steps = store.steps()
    assert all_steps[0] == StepRecord(
        run,
        1,
        "simpeg",
        "kmk-web1",
        "preflight",
        "ok",
        all_steps[0].at,
        {"disk_free_gb": 12.5, "ports": [80]},
    )
    assert all_steps[1].detail is None and all_steps[0].at.tzinfo == UTC
    assert [s.host for s in store.steps(wave=1)] == ["kmk-web1", "kmk-web2"]
    assert [s.host for s in store.steps(app="simpeg")] == ["kmk-web1", "kmk-db1"]
    assert [s.host for s in store.steps(wave=2, app="simpeg")] == ["kmk-db1"]
    assert store.steps(wave=3) == []


@pytest.mark.parametrize(
    ("journal", "key", "expected"),
    [
        ([], ("backup",), None),
        ([("backup", "started")], ("backup",), "started"),
        ([("backup", "started"), ("backup", "ok")], ("backup",), "ok"),
        ([("backup", "started"), ("backup", "failed"), ("backup", "started")], ("backup",), "started"),
        ([("verify", "failed"), ("rollback", "rolled_back")], ("verify",), "failed"),
        ([("deploy", "changed")], ("verify",), None),
    ],
)
def test_last_status_is_the_newest_line_of_that_step(
    store: StateStore, journal: list[tuple[str, str]], key: tuple[str], expected: str | None
) -> None:
    run = store.start_run("lab", 1)
    for step, status in journal:
        store.record_step(run, 1, "simpeg", "kmk-web1", step, status)
    got = store.last_status(1, "simpeg", "kmk-web1", key[0])
    assert got == expected, f"journal {journal}: last_status({key[0]}) gave {got!r}, expected {expected!r}"


def test_last_status_keys_on_wave_app_host_and_step(store: StateStore) -> None:
    run = store.start_run("lab", 1)
    store.record_step(run, 1, "simpeg", "kmk-web1", "backup", "ok")
    for other in [(2, "simpeg", "kmk-web1"), (1, "sipd", "kmk-web1"), (1, "simpeg", "kmk-web2")]:
        assert store.last_status(*other, "backup") is None, f"{other} must not see another key's status"


def test_a_new_process_resumes_from_what_a_killed_one_recorded(tmp_path: Path) -> None:
    """A writer killed without closing anything (os._exit) loses none of its committed lines."""
    code = (
        "import os, sys\nfrom pathlib import Path\nfrom migration.state import StateStore\n"
        "s = StateStore.open(estate_dir=Path(sys.argv[1]))\nrun = s.start_run('lab', 1)\n"
        "s.record_step(run, 1, 'simpeg', 'kmk-web1', 'backup', 'ok')\n"
        "s.record_step(run, 1, 'simpeg', 'kmk-web1', 'transfer', 'started')\nos._exit(9)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True, timeout=60, check=False
    )
    assert proc.returncode == 9, proc.stderr
    with StateStore.open(estate_dir=tmp_path) as again:
        assert again.last_status(1, "simpeg", "kmk-web1", "backup") == "ok"
        assert again.last_status(1, "simpeg", "kmk-web1", "transfer") == "started"
        assert again.runs()[0].status == "running"


def test_evidence_round_trip(store: StateStore) -> None:
    run = store.start_run("lab", 1)
    store.add_evidence(run, "simpeg", "pdn-t01", "service simpeg running", True, {"pid": 42})
    store.add_evidence(run, "sipd", "pdn-t02", "GET /health is 200", False, {"status": 502})
    got = store.evidence()
    assert [(e.app, e.check, e.passed) for e in got] == [
        ("simpeg", "service simpeg running", True),
        ("sipd", "GET /health is 200", False),
    ]
    assert got[1] == Evidence(run, "sipd", "pdn-t02", "GET /health is 200", False, {"status": 502}, got[1].at)
    assert [e.app for e in store.evidence(app="sipd")] == ["sipd"]


def test_backup_round_trip_and_restore_proof(store: StateStore) -> None:
    store.record_backup("simpeg", "dcc-backups", "simpeg/1", "a" * 64, 3, 5_000_000_000)
    store.record_backup("simpeg", "dcc-backups", "simpeg/2", "b" * 64, 4, 7)
    store.mark_restore_verified("simpeg", "pdn-t01")
    older, newer = store.backups()
    assert isinstance(newer, BackupRecord)
    assert older.restore_verified_at is None, "only the newest backup is proven by the restore"
    assert (newer.prefix, newer.manifest_sha256, newer.objects, newer.bytes) == ("simpeg/2", "b" * 64, 4, 7)
    assert newer.restore_verified_on == "pdn-t01" and newer.restore_verified_at.tzinfo == UTC
    assert older.bytes == 5_000_000_000, "sizes above 2**31 must survive (BigInteger)"


@pytest.mark.parametrize(
    ("call", "fragment"),
    [
        (lambda s, r: s.record_step(r, 1, "a", "h", "teleport", "ok"), "unknown step 'teleport'"),
        (lambda s, r: s.record_step(r, 1, "a", "h", "backup", "done"), "unknown step status 'done'"),
        (lambda s, r: s.finish_run(r, "running"), "unknown run status 'running'"),
        (lambda s, r: s.finish_run(r + 100, "failed"), "no run with id"),
        (lambda s, r: s.record_step(r + 100, 1, "a", "h", "backup", "ok"), "refused the write"),
        (lambda s, r: s.record_step(r, 1, "a", "h", "backup", "ok", {"when": object()}), "not plain JSON"),
        (lambda s, r: s.add_evidence(r, "a", "h", "c", True, {"x": float("nan")}), "not plain JSON"),
        (lambda s, r: s.mark_restore_verified("nothing-backed-up", "t1"), "no backup recorded"),
    ],
)
def test_bad_writes_raise_one_line_state_errors_and_write_nothing(
    store: StateStore, call, fragment: str
) -> None:
    run = store.start_run("lab", 1)
    with pytest.raises(StateError) as caught:
        call(store, run)
    assert fragment in caught.value.line() and "\n" not in caught.value.line()
    assert store.steps() == [] and store.evidence() == [] and store.backups() == []


@pytest.mark.parametrize(
    ("url", "fragment"),
    [
        ("not a url", "not a database URL"),
        ("mysql://u@h/db", "unsupported database 'mysql'"),
        ("sqlite://", "in-memory"),
        ("sqlite:///:memory:", "in-memory"),
        ("postgresql+nosuchdriver://u@127.0.0.1/db", "no driver"),
    ],
)
def test_bad_urls_are_input_errors(url: str, fragment: str) -> None:
    with pytest.raises(InputError) as caught:
        StateStore.open(url)
    assert fragment in caught.value.line() and caught.value.where == "state url"


def test_open_needs_a_url_or_an_estate() -> None:
    with pytest.raises(InputError, match="give a state store URL or an estate directory"):
        StateStore.open()


def test_reader_open_of_a_missing_store_creates_nothing(tmp_path: Path) -> None:
    with pytest.raises(StateError, match="no state store yet"):
        StateStore.open(estate_dir=tmp_path, create=False)
    assert list(tmp_path.iterdir()) == [], "a reader must not create the store"


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_threads_and_a_second_engine_write_concurrently_without_loss(
    request: pytest.FixtureRequest, tmp_path: Path, backend: str
) -> None:
    threads, lines = 6, 20
    url = (
        f"sqlite:///{tmp_path / 'dcc.sqlite'}"
        if backend == "sqlite"
        else fresh_database(request.getfixturevalue("pg_socket"))
    )
    with StateStore.open(url) as shared, StateStore.open(url) as other:
        run = shared.start_run("lab", 1)

        def writer(n: int) -> None:
            # Even threads share one engine; odd ones use a second engine, as another process would.
            store = shared if n % 2 == 0 else other
            for i in range(lines):
                step = STEPS[i % len(STEPS)]
                store.record_step(run, 1, f"app-{n}", f"host-{n}", step, "ok", {"i": i})
                assert store.last_status(1, f"app-{n}", f"host-{n}", step) == "ok"

        with ThreadPoolExecutor(max_workers=threads) as pool:
            list(pool.map(writer, range(threads)))  # list() re-raises any thread's exception
        assert len(shared.steps()) == threads * lines, f"expected {threads * lines} journal lines"
        for n in range(threads):
            mine = [s.detail["i"] for s in shared.steps(app=f"app-{n}")]
            assert mine == list(range(lines)), f"app-{n}'s lines came back out of order or incomplete: {mine}"


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_many_openers_of_a_fresh_store_agree_on_one_schema(
    request: pytest.FixtureRequest, tmp_path: Path, backend: str
) -> None:
    url = (
        f"sqlite:///{tmp_path / 'dcc.sqlite'}"
        if backend == "sqlite"
        else fresh_database(request.getfixturevalue("pg_socket"))
    )

    start = threading.Barrier(4)

    def open_and_write(n: int) -> int:
        start.wait(timeout=60)  # all four race to create the schema at once
        with StateStore.open(url) as store:
            return store.start_run("lab", n)

    with ThreadPoolExecutor(max_workers=4) as pool:
        ids = list(pool.map(open_and_write, range(4)))
    with StateStore.open(url) as store:
        assert sorted(r.id for r in store.runs()) == sorted(ids) and len(set(ids)) == 4


def test_postgresql_store_from_a_newer_dcc_is_refused(request: pytest.FixtureRequest) -> None:
    from sqlalchemy import create_engine, text

    url = fresh_database(request.getfixturevalue("pg_socket"))
    StateStore.open(url).close()
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE meta SET value = '99' WHERE key = 'schema_version'"))
    engine.dispose()
    with pytest.raises(StateError, match="has schema version 99; this dcc understands up to"):
        StateStore.open(url)
