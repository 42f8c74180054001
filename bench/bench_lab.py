"""Benchmark: the lab's start, side by side with baselines in the same run (root).

1. `lab up` of the 20-host lab estate with parallel host boot vs serial boot (baseline),
   then `lab down`; each ROUNDS times, alternating so machine noise hits both.
2. Host keys: ed25519 in-process (cryptography) vs one `ssh-keygen` fork per host (baseline).
Prints wall times and ratios. Usage: .venv/bin/python bench/bench_lab.py
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from migration import lab
from migration.access import keys
from migration.lab import lifecycle

NAME, OCTET, ROUNDS, HOSTS = "labt", 78, 3, 20  # the lab tests' reserved copy


def timed_up_down(folder: Path, workers: int) -> tuple[float, float]:
    lifecycle.BOOT_WORKERS = workers
    start = time.monotonic()
    lab.up(folder)
    up = time.monotonic() - start
    start = time.monotonic()
    lab.down(NAME)
    return up, time.monotonic() - start


def keygen_fork(tmp: Path) -> float:
    start = time.monotonic()
    for i in range(HOSTS):
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(tmp / f"k{i}")], check=True)
    return time.monotonic() - start


def keygen_inprocess() -> float:
    start = time.monotonic()
    for _ in range(HOSTS):
        keys.new_keypair()
    return time.monotonic() - start


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = lab.renumber(ROOT / "inventory" / "lab", Path(tmp) / "e", NAME, OCTET)
        lab.down(NAME)
        lab.up(folder)  # warm: base built/unpacked once, outside the timing
        lab.down(NAME)
        par, ser, downs = [], [], []
        for _ in range(ROUNDS):
            for workers, out in ((1, ser), (4, par)):
                up, down = timed_up_down(folder, workers)
                out.append(up)
                downs.append(down)
        fork = keygen_fork(Path(tmp))
    inproc = keygen_inprocess()
    p, s = statistics.median(par), statistics.median(ser)
    print(f"lab up, {HOSTS} hosts with apps (median of {ROUNDS}): parallel {p:.2f} s, serial baseline {s:.2f} s, "
          f"ratio {p / s:.2f}")
    print(f"lab down: median {statistics.median(downs):.2f} s, max {max(downs):.2f} s")
    print(f"host keys for {HOSTS} hosts: in-process {inproc * 1000:.1f} ms, ssh-keygen forks {fork * 1000:.0f} ms, "
          f"ratio {inproc / fork:.3f}")


if __name__ == "__main__":
    main()
