"""Concurrent writers: threads sharing one store, and a second store on the same file, lose nothing."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from migration.state import STEPS, StateStore

THREADS, LINES = 6, 20


def test_threads_and_a_second_engine_write_concurrently_without_loss(tmp_path: Path) -> None:
    with StateStore.open(estate_dir=tmp_path) as shared, StateStore.open(estate_dir=tmp_path) as other:
        run = shared.start_run("lab", 1)

        def writer(n: int) -> None:
            # Even threads share one engine; odd ones go through a second engine, as another process would.
            store = shared if n % 2 == 0 else other
            for i in range(LINES):
                store.record_step(run, 1, f"app-{n}", f"host-{n}", STEPS[i % len(STEPS)], "ok", {"i": i})
                assert store.last_status(1, f"app-{n}", f"host-{n}", STEPS[i % len(STEPS)]) == "ok"

        with ThreadPoolExecutor(max_workers=THREADS) as pool:
            list(pool.map(writer, range(THREADS)))  # list() re-raises any thread's exception
        lines = shared.steps()
        assert len(lines) == THREADS * LINES, f"expected {THREADS * LINES} journal lines, found {len(lines)}"
        for n in range(THREADS):
            mine = [s.detail["i"] for s in shared.steps(app=f"app-{n}")]
            assert mine == list(range(LINES)), f"app-{n}'s lines came back out of order or incomplete: {mine}"
