"""Benchmark: migrate the 20-host lab estate end to end, the toolkit beside a baseline, in one run.

Baseline: the same phase playbooks and data path with Ansible's defaults (forks 5, no
pipelining, facts gathered, its own ssh args) and a serial data path, on a fresh copy of the lab.
Toolkit: forks 20, pipelining, strategy free, the lab's shared SSH connections opened while Ansible
starts, no facts, 8 data-path workers.
The S3 endpoint is `dcc s3 serve` in its own process, as in the demo. Prints both wall times,
each step's wall side by side, the ratio (goal <= 0.5) and failed verifications (goal 0). Needs root.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from migration import lab
from migration.execution.orchestrator import migrate_wave
from migration.execution.runner import RunnerTuning
from migration.execution.wave import STEPS
from tests.integration.migrate_support import session_for, write_plan

sys.path.insert(0, str(ROOT / "bench"))
from bench_transfer import served_s3

ALL_APPS = ["simpeg-kemenkes", "arsip-kemenkes", "sehat-api", "eoffice-jabar", "perizinan-jabar",
            "lapor-jabar", "payroll-bogor", "eoffice-bogor", "lapor-bogor"]
SETUPS = (  # label, estate name, second octet (pipeline's reserved 80-89), tuning, data-path workers
    ("baseline (ansible defaults)", "benchb", 82, RunnerTuning.baseline(), 1),
    ("dcc migrate (tuned)", "bencht", 83, RunnerTuning(), 8),
)


def step_walls(store) -> dict[str, float]:
    """Each step's wall from the journal: its first `started` to its last outcome, over all apps."""
    spans: dict[str, list] = {}
    for rec in store.steps(wave=1):
        spans.setdefault(rec.step, []).append(rec.at)
    return {step: (max(ats) - min(ats)).total_seconds() for step, ats in spans.items()}


def freeze_windows(store) -> list[float]:
    """Per app, seconds from its backup step starting (the write freeze) to its cutover done."""
    frozen, done = {}, {}
    for rec in store.steps(wave=1):
        if rec.step == "backup" and rec.status == "started":
            frozen.setdefault(rec.app, rec.at)
        if rec.step == "cutover" and rec.status in ("ok", "changed"):
            done.setdefault(rec.app, rec.at)
    return sorted((done[a] - frozen[a]).total_seconds() for a in done if a in frozen)


def run_one(name: str, octet: int, tuning: RunnerTuning, workers: int, endpoint: str,
            tmp: Path) -> tuple[float, int, int, int, dict[str, float]]:
    """Fresh lab, one wave with every app; returns (wall s, apps migrated, checks, failed checks, step walls)."""
    folder = lab.renumber(ROOT / "inventory" / "lab", tmp / name, name, octet)
    lab.down(name)
    lab.up(folder)
    try:
        estate_dir = lab.LabAccess.for_estate(name).run_dir / "estate"
        plan = write_plan(estate_dir, [ALL_APPS], tmp / f"{name}-plan.json")
        session = session_for(estate_dir, plan, endpoint, work=tmp / f"{name}-work")
        run_id = session.store.start_run(name, 1)
        ctx = dataclasses.replace(session.context(run_id, wave=1, tuning=tuning), workers=workers)
        start = time.monotonic()
        report = migrate_wave(ctx, session.moves(1), batch_size=20, max_failures=len(ALL_APPS))
        wall = time.monotonic() - start
        session.store.finish_run(run_id, report.status)
        evidence = session.store.evidence()
        migrated = sum(a.status == "migrated" for a in report.apps)
        windows = freeze_windows(session.store)
        if windows:
            print(f"  write freeze per app (backup start -> cutover done): {windows[0]:.1f}-{windows[-1]:.1f} s")
        return wall, migrated, len(evidence), sum(not e.passed for e in evidence), step_walls(session.store)
    finally:
        lab.down(name)


def one_round(endpoint: str, tmp: Path) -> tuple[float, int]:
    """Baseline then toolkit, each on a fresh lab; prints both and each step; returns (ratio, failed)."""
    results = {}
    for label, name, octet, tuning, workers in SETUPS:
        results[label] = run_one(name, octet, tuning, workers, endpoint, tmp)
        wall, migrated, checks, failed, _ = results[label]
        print(f"{label:30s} wall {wall:7.1f} s  migrated {migrated}/{len(ALL_APPS)}  "
              f"checks {checks} failed {failed}  (load {os.getloadavg()[0]:.1f})", flush=True)
    (base, *_, base_steps), (tuned, _, _, failed, tuned_steps) = results.values()
    print(f"{'step':14s} {'baseline s':>10s} {'dcc s':>8s} {'ratio':>6s}")
    for step in STEPS:
        b, t = base_steps.get(step, 0.0), tuned_steps.get(step, 0.0)
        print(f"{step:14s} {b:10.1f} {t:8.1f} {t / b if b else 0:6.2f}")
    print(f"ratio dcc/baseline = {tuned / base:.2f}x", flush=True)
    return tuned / base, failed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=1, help="baseline/toolkit pairs to run (median ratio)")
    args = parser.parse_args()
    if not 1 <= args.rounds <= 5:
        parser.error("--rounds must be 1-5 (each round is about 2.5 minutes)")
    ratios, failed = [], 0
    with tempfile.TemporaryDirectory(prefix="dcc-bench-") as tmp, served_s3() as endpoint:
        for n in range(args.rounds):
            print(f"-- round {n + 1} of {args.rounds}", flush=True)
            ratio, bad = one_round(endpoint, Path(tmp))
            ratios.append(ratio)
            failed += bad
    print(f"ratio dcc/baseline = {statistics.median(ratios):.2f}x median of {len(ratios)} "
          f"({', '.join(f'{r:.2f}' for r in ratios)}) (goal <= 0.50x), failed verifications {failed} (goal 0)")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
