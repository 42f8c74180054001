"""Benchmark: backups to the embedded S3 server (SeaweedFS), against boto3 and a local copy.

Transfer (one run, both sides on the same SeaweedFS, started by `dcc s3 serve`): upload plus
verified download of 1 GiB of large files and 10,000 small files. Baseline: boto3 with its
default transfer settings, one `upload_file`/`download_file` per file, each file's SHA-256
computed before upload and checked after download. Ours: `BackupStore.upload_tree` (packed,
encrypted with SSE-C, object-locked) and `download_tree` (every byte hashed, atomic placement).
Also a plain local copy (shutil.copytree) of the same tree: the physical limit here.
Memory: resident set of the S3 server and of the controller while moving 0.1, 1 and 4 GiB (a
fresh server and a fresh controller process per size).
Journal: StateStore.record_step against raw sqlite3 inserts with the same pragmas.

Run: .venv/bin/python bench/bench_transfer.py [--small 10000] [--big-mib 1024] [--sizes 0.1,1,4]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import boto3
from botocore.config import Config

from migration.backupstore import BackupStore, KeyRing, ObjectStore, Retention
from migration.backupstore.server import ACCESS_KEY, SECRET_KEY
from migration.state import StateStore

MIB = 1024 * 1024


def make_tree(root: Path, small: int, big_mib: int) -> int:
    """`small` files of 1-16 KiB and 4 large files sharing `big_mib` MiB; returns total bytes."""
    total = 0
    for i in range(small):
        path = root / f"d{i % 100}" / f"f{i}.dat"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(os.urandom(1024 * (1 + i % 16)))
        total += path.stat().st_size
    root.mkdir(parents=True, exist_ok=True)
    for i in range(4):
        with open(root / f"big{i}.bin", "wb") as out:
            out.writelines(os.urandom(MIB) for _ in range(big_mib // 4))
        total += (big_mib // 4) * MIB
    return total


@contextmanager
def served(folder: Path) -> Iterator[tuple[str, int]]:
    """`dcc s3 serve --dir folder` in its own process: (endpoint, SeaweedFS pid)."""
    proc = subprocess.Popen([sys.executable, "-m", "migration", "s3", "serve", "--port", "0", "--dir", str(folder)],
                            stdout=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        line = proc.stdout.readline() if proc.stdout else ""
        found, pid = re.search(r"http://127\.0\.0\.1:\d+", line), re.search(r"pid (\d+)", line)
        if not found or not pid:
            raise SystemExit(f"dcc s3 serve did not announce its endpoint: {line!r}")
        yield found.group(0), int(pid.group(1))
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()


@contextmanager
def served_s3() -> Iterator[str]:
    """An S3 endpoint on a temp folder, removed afterwards (bench_migrate uses this)."""
    with tempfile.TemporaryDirectory(prefix="dcc-bench-s3-") as tmp, served(Path(tmp)) as (endpoint, _pid):
        yield endpoint


def rss(pid: int, field: str = "VmRSS") -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    return 0


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def our_store(endpoint: str, bucket: str) -> BackupStore:
    store = BackupStore([ObjectStore(endpoint, bucket)], KeyRing({"default": b"\x07" * 32}),
                        retention=Retention("GOVERNANCE", 1))
    store.ensure_buckets()
    return store


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(MIB):
            digest.update(chunk)
    return digest.hexdigest()


def baseline_upload(client, bucket: str, root: Path) -> dict[str, str]:
    """boto3 defaults: one upload_file per file; each file hashed first (the manifest)."""
    sums = {}
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        key = path.relative_to(root).as_posix()
        sums[key] = sha256_of(path)
        client.upload_file(str(path), bucket, key)
    return sums


def baseline_download(client, bucket: str, dest: Path, sums: dict[str, str]) -> None:
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for obj in page.get("Contents", []):
            target = dest / obj["Key"]
            target.parent.mkdir(parents=True, exist_ok=True)
            client.download_file(bucket, obj["Key"], str(target))
            if sha256_of(target) != sums[obj["Key"]]:
                raise SystemExit(f"baseline download of {obj['Key']} does not match")


def bench_transfer(args: argparse.Namespace, work: Path) -> None:
    src = work / "src"
    total = make_tree(src, args.small, args.big_mib)
    subprocess.run(["sync"], check=True)
    with served(work / "s3") as (endpoint, pid):
        ours = our_store(endpoint, "bench-ours")
        client = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id=ACCESS_KEY,
                              aws_secret_access_key=SECRET_KEY, config=Config(s3={"addressing_style": "path"}))
        client.create_bucket(Bucket="bench-base")
        sums: dict[str, str] = {}
        base_up = timed(lambda: sums.update(baseline_upload(client, "bench-base", src)))
        base_down = timed(lambda: baseline_download(client, "bench-base", work / "base-out", sums))
        our_up = timed(lambda: ours.upload_tree(src, "ours/1", app="bench"))
        our_down = timed(lambda: ours.download_tree("ours/1", work / "ours-out", app="bench"))
        server_rss = rss(pid)
    local = timed(lambda: shutil.copytree(src, work / "copy", symlinks=True))
    base, mine = base_up + base_down, our_up + our_down
    print(f"tree: {args.small} small files + 4 large, {total / MIB:.0f} MiB; S3: SeaweedFS on loopback "
          f"(server RSS after the run {server_rss / MIB:.0f} MiB)")
    print(f"{'':28} {'upload s':>9} {'verified download s':>20} {'total s':>8} {'MiB/s':>7}")
    print(f"{'boto3 defaults (baseline)':28} {base_up:9.1f} {base_down:20.1f} {base:8.1f} {total / MIB / base:7.0f}")
    print(f"{'dcc BackupStore':28} {our_up:9.1f} {our_down:20.1f} {mine:8.1f} {total / MIB / mine:7.0f}")
    print(f"{'local copy (copytree)':28} {'':9} {'':20} {local:8.1f} {total / MIB / local:7.0f}")
    print(f"speed-up against boto3 defaults: {base / mine:.2f}x (goal >= 2x); "
          f"dcc takes {mine / local:.1f}x the time of a local copy")


def child(endpoint: str, src: str, dest: str) -> None:
    """One size of the memory run, in its own process: its peak RSS is the controller's."""
    store = our_store(endpoint, "bench-mem")
    prefix = f"mem/{Path(src).name}"
    up = timed(lambda: store.upload_tree(Path(src), prefix, app="bench"))
    down = timed(lambda: store.download_tree(prefix, Path(dest), app="bench"))
    peak = rss(os.getpid(), "VmHWM")  # not ru_maxrss: Linux carries the parent's peak across exec
    print(json.dumps({"up": up, "down": down, "peak": peak}))


def bench_memory(sizes: list[float], work: Path) -> None:
    print(f"{'GiB moved':>9} {'up s':>6} {'down s':>7} {'server peak RSS (anon) MiB':>27} "
          f"{'controller peak RSS MiB':>24}")
    for gib in sizes:
        src = work / f"mem-{gib}"
        make_tree(src, 0, int(gib * 1024))
        with served(work / f"s3-{gib}") as (endpoint, pid):
            peak, done = [0, 0], threading.Event()

            def sample(pid: int = pid, peak: list[int] = peak, done: threading.Event = done) -> None:
                while not done.wait(0.2):
                    peak[0] = max(peak[0], rss(pid))
                    peak[1] = max(peak[1], rss(pid, "RssAnon"))
            watcher = threading.Thread(target=sample)
            watcher.start()
            out = subprocess.run([sys.executable, __file__, "--child", endpoint, str(src), str(work / "mem-out")],
                                 capture_output=True, text=True, check=True)
            done.set()
            watcher.join()
        got = json.loads(out.stdout.strip().splitlines()[-1])
        server = f"{peak[0] / MIB:.0f} ({peak[1] / MIB:.0f})"
        print(f"{gib:9.1f} {got['up']:6.1f} {got['down']:7.1f} {server:>27} {got['peak'] / MIB:24.0f}",
              flush=True)
        for path in (src, work / "mem-out", work / f"s3-{gib}"):
            shutil.rmtree(path, ignore_errors=True)


def bench_journal(lines: int, work: Path) -> None:
    with StateStore.open(estate_dir=work / "estate") as store:
        run = store.start_run("bench", 1)
        mine = timed(lambda: [store.record_step(run, 1, f"app-{i % 50}", f"h-{i}", "backup", "ok", {"i": i})
                              for i in range(lines)])
    conn = sqlite3.connect(work / "raw.sqlite", isolation_level=None)
    for pragma in ("journal_mode=WAL", "synchronous=FULL", "foreign_keys=ON"):
        conn.execute(f"PRAGMA {pragma}")
    conn.execute("CREATE TABLE steps (id INTEGER PRIMARY KEY, run_id INT, wave INT, app TEXT, host TEXT, "
                 "step TEXT, status TEXT, at TEXT, detail TEXT)")

    def raw() -> None:
        for i in range(lines):
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("INSERT INTO steps (run_id, wave, app, host, step, status, at, detail) "
                         "VALUES (1, 1, ?, ?, 'backup', 'ok', datetime('now'), ?)",
                         (f"app-{i % 50}", f"h-{i}", f'{{"i": {i}}}'))
            conn.execute("COMMIT")

    base = timed(raw)
    print(f"journal: {lines} record_step calls, each its own committed transaction (SQLite, WAL, FULL)")
    print(f"{'baseline raw sqlite3':24} {base:8.2f} s  {lines / base:8.0f} lines/s")
    print(f"{'StateStore.record_step':24} {mine:8.2f} s  {lines / mine:8.0f} lines/s  ratio {mine / base:.2f}")


def main() -> None:
    if len(sys.argv) == 5 and sys.argv[1] == "--child":
        child(*sys.argv[2:])
        return
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--small", type=int, default=10_000)
    parser.add_argument("--big-mib", type=int, default=1024)
    parser.add_argument("--sizes", default="0.1,1,4", help="GiB moved in the memory run (empty: skip it)")
    parser.add_argument("--lines", type=int, default=500)
    parser.add_argument("--work", type=Path, default=None, help="Scratch folder (default: a temp dir)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="dcc-bench-", dir=args.work) as tmp:
        print(f"load before: {os.getloadavg()[0]:.2f} (1 min), {os.cpu_count()} cores", flush=True)
        bench_transfer(args, Path(tmp))
        if args.sizes:
            bench_memory([float(s) for s in args.sizes.split(",")], Path(tmp))
        bench_journal(args.lines, Path(tmp))
        print(f"load after: {os.getloadavg()[0]:.2f} (1 min)")


if __name__ == "__main__":
    main()
