"""Benchmark: the data layer's integrity cost, against plain baselines in the same run.

Transfer: ours (SHA-256 manifest, resumable upload, verify-then-rename download) against plain
boto3 upload_file/download_file of the same tree with the same transfer settings and no checks,
both against a local S3 endpoint (`dcc s3 serve`, moto, in its own process) on loopback;
also a rerun of the upload (resume: all skipped).
Journal: StateStore.record_step (one committed transaction each, WAL, synchronous=FULL) against
raw sqlite3 inserts with the same pragmas and a commit per row.

Run: .venv/bin/python bench/bench_transfer.py [--small 200] [--big-mib 32] [--lines 500]
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import boto3
from boto3.s3.transfer import TransferConfig
from botocore.config import Config

from migration.state import StateStore
from migration.transfer import ObjectStore

MIB = 1024 * 1024


def make_tree(root: Path, small: int, big_mib: int) -> int:
    """`small` files of 4-64 KiB and two files of `big_mib` MiB; returns total bytes."""
    total = 0
    for i in range(small):
        path = root / f"d{i % 10}" / f"f{i}.dat"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(os.urandom(4096 * (1 + i % 16)))
        total += path.stat().st_size
    for i in range(2):
        (root / f"big{i}.bin").write_bytes(os.urandom(big_mib * MIB))
        total += big_mib * MIB
    return total


@contextmanager
def served_s3() -> Iterator[str]:
    """`dcc s3 serve` in its own process, so the server's memory and CPU are not counted as ours."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "migration", "s3", "serve", "--port", "0"],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    try:
        found = re.search(r"http://127\.0\.0\.1:\d+", proc.stdout.readline())
        if not found:
            raise SystemExit("dcc s3 serve did not announce its endpoint")
        yield found.group(0)
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()


def heap_peak(fn) -> int:
    import tracemalloc

    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def baseline_upload(client, bucket: str, root: Path) -> None:
    cfg = TransferConfig(multipart_threshold=8 * MIB, multipart_chunksize=8 * MIB, max_concurrency=4)
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        client.upload_file(str(path), bucket, f"base/{path.relative_to(root).as_posix()}", Config=cfg)


def baseline_download(client, bucket: str, dest: Path) -> None:
    cfg = TransferConfig(multipart_threshold=8 * MIB, multipart_chunksize=8 * MIB, max_concurrency=4)
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix="base/"):
        for obj in page.get("Contents", []):
            target = dest / obj["Key"].removeprefix("base/")
            target.parent.mkdir(parents=True, exist_ok=True)
            client.download_file(bucket, obj["Key"], str(target), Config=cfg)


def bench_transfer(args: argparse.Namespace, work: Path) -> None:
    src = work / "src"
    total = make_tree(src, args.small, args.big_mib)
    with served_s3() as endpoint:
        ours = ObjectStore(endpoint, "bench")
        ours.ensure_bucket()
        client = boto3.client(
            "s3",
            endpoint_url=endpoint,
            region_name="us-east-1",
            aws_access_key_id="b",
            aws_secret_access_key="b",
            config=Config(s3={"addressing_style": "path"}),
        )
        rows = [
            (
                "upload",
                timed(lambda: baseline_upload(client, "bench", src)),
                timed(lambda: ours.upload_tree(src, "ours")),
            ),
            (
                "download",
                timed(lambda: baseline_download(client, "bench", work / "base-out")),
                timed(lambda: ours.download_tree("ours", work / "ours-out")),
            ),
            (
                "rerun upload (resume)",
                timed(lambda: baseline_upload(client, "bench", src)),
                timed(lambda: ours.upload_tree(src, "ours")),
            ),
        ]
        peak = heap_peak(lambda: ours.download_tree("ours", work / "ours-again"))
    print(f"tree: {args.small + 2} files, {total / MIB:.1f} MiB; S3: moto on loopback")
    print(f"{'transfer':24} {'baseline s':>11} {'dcc s':>8} {'dcc/baseline':>13} {'dcc MiB/s':>10}")
    for name, base, mine in rows:
        print(f"{name:24} {base:11.2f} {mine:8.2f} {mine / base:13.2f} {total / MIB / mine:10.1f}")
    print(
        f"peak Python heap during a verified download ({args.big_mib} MiB files): {peak / MIB:.1f} MiB "
        "(streaming: bounded by chunk size x threads, not by file size)"
    )


def bench_journal(lines: int, work: Path) -> None:
    with StateStore.open(estate_dir=work / "estate") as store:
        run = store.start_run("bench", 1)
        mine = timed(
            lambda: [
                store.record_step(run, 1, f"app-{i % 50}", f"h-{i}", "backup", "ok", {"i": i})
                for i in range(lines)
            ]
        )
    conn = sqlite3.connect(work / "raw.sqlite", isolation_level=None)
    for pragma in ("journal_mode=WAL", "synchronous=FULL", "foreign_keys=ON"):
        conn.execute(f"PRAGMA {pragma}")
    conn.execute(
        "CREATE TABLE steps (id INTEGER PRIMARY KEY, run_id INT, wave INT, app TEXT, host TEXT, "
        "step TEXT, status TEXT, at TEXT, detail TEXT)"
    )

    def raw() -> None:
        for i in range(lines):
            conn.execute("BEGIN IMMEDIATE")
            conn.execute(
                "INSERT INTO steps (run_id, wave, app, host, step, status, at, detail) "
                "VALUES (1, 1, ?, ?, 'backup', 'ok', datetime('now'), ?)",
                (f"app-{i % 50}", f"h-{i}", f'{{"i": {i}}}'),
            )
            conn.execute("COMMIT")

    base = timed(raw)
    print(f"journal: {lines} record_step calls, each its own committed transaction (SQLite, WAL, FULL)")
    print(f"{'baseline raw sqlite3':24} {base:8.2f} s  {lines / base:8.0f} lines/s")
    print(
        f"{'StateStore.record_step':24} {mine:8.2f} s  {lines / mine:8.0f} lines/s  ratio {mine / base:.2f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", type=int, default=200)
    parser.add_argument("--big-mib", type=int, default=32)
    parser.add_argument("--lines", type=int, default=500)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="dcc-bench-") as tmp:
        bench_transfer(args, Path(tmp))
        bench_journal(args.lines, Path(tmp))


if __name__ == "__main__":
    main()
