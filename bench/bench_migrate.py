"""Benchmark: migrate the 20-host lab estate end to end, the toolkit beside two baselines, in one run.

Baseline (the issue's): the same phase playbooks as a plain ansible-playbook chain with Ansible's
defaults (forks 5, no pipelining, facts gathered, its own ssh args, linear strategy), the bytes
moved through Ansible's own modules (`--data-path ansible`: tar, fetch, unarchive), one app at a
time.
Strict baseline: the same, but the bytes move on the toolkit's own data path (rsync over the shared
SSH connection), so the only differences left are Ansible's settings and data-path parallelism.
Toolkit: forks 20, pipelining, strategy free, the lab's shared SSH connections opened while Ansible
starts, no facts, rsync outside Ansible's module loop, 8 apps at a time on the data path.
Each runs on a fresh copy of the lab. The S3 endpoint is `dcc s3 serve` in its own process, as in
the demo. Prints the wall times, each step's wall side by side, both ratios (goal <= 0.5 against
the issue's baseline) and failed verifications (goal 0). Needs root.
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
from tests.support.migrate import session_for, write_plan

sys.path.insert(0, str(ROOT / "bench"))
from bench_transfer import served_s3

ALL_APPS = ["simpeg-kemenkes", "arsip-kemenkes", "sehat-api", "eoffice-jabar", "perizinan-jabar",
            "lapor-jabar", "payroll-bogor", "eoffice-bogor", "lapor-bogor"]
BASELINE, STRICT, TUNED = "baseline", "strict baseline", "dcc migrate"
SETUPS = (  # label, estate name, second octet (pipeline's reserved 80-89), tuning, data path, workers
    (BASELINE, "bencha", 86, RunnerTuning.baseline(), "ansible", 1),
    (STRICT, "benchb", 82, RunnerTuning.baseline(), "rsync", 1),
    (TUNED, "bencht", 83, RunnerTuning(), "rsync", 8),
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


def wait_for_apps(folder: Path, seconds: float = 90) -> None:
    """Until every app answers on every one of its hosts: `lab up` waits for sshd only, and a
    migration that starts before an app listens is (rightly) refused at preflight."""
    from migration.lab import estate as lab_estate
    from migration.lab.appinstall import health

    est = lab_estate.load(folder)
    deadline = time.monotonic() + seconds
    while True:
        down = [(a.id, h.id) for h in est.hosts for a in est.apps_on(h.id) if health(a, h) not in ("ok", "db ok")]
        if not down or time.monotonic() > deadline:
            if down:
                print(f"  not answering after {seconds:.0f} s: {down}")
            return
        time.sleep(0.5)


def run_one(name: str, octet: int, tuning: RunnerTuning, data_path: str, workers: int, endpoint: str,
            tmp: Path) -> tuple[float, int, int, int, dict[str, float]]:
    """Fresh lab, one wave with every app; returns (wall s, apps migrated, checks, failed checks, step walls)."""
    folder = lab.renumber(ROOT / "inventory" / "lab", tmp / name, name, octet)
    lab.down(name)
    lab.up(folder)
    wait_for_apps(folder)
    try:
        estate_dir = lab.LabAccess.for_estate(name).run_dir / "estate"
        plan = write_plan(estate_dir, [ALL_APPS], tmp / f"{name}-plan.json")
        session = session_for(estate_dir, plan, endpoint, work=tmp / f"{name}-work")
        run_id = session.store.start_run(name, 1)
        ctx = dataclasses.replace(session.context(run_id, wave=1, tuning=tuning, data_path=data_path),
                                  workers=workers)
        start = time.monotonic()
        report = migrate_wave(ctx, session.moves(1), batch_size=20, max_failures=len(ALL_APPS))
        wall = time.monotonic() - start
        session.store.finish_run(run_id, report.status)
        evidence = session.store.evidence()
        migrated = sum(a.status == "migrated" for a in report.apps)
        for a in report.apps:
            if a.status != "migrated":
                print(f"  {a.app}: {a.status} at {a.step or '-'}: {a.message}", flush=True)
        windows = freeze_windows(session.store)
        if windows:
            print(f"  write freeze per app (backup start -> cutover done): {windows[0]:.1f}-{windows[-1]:.1f} s")
        return wall, migrated, len(evidence), sum(not e.passed for e in evidence), step_walls(session.store)
    finally:
        lab.down(name)


def one_round(endpoint: str, tmp: Path) -> tuple[dict[str, float], int]:
    """Each setup on a fresh lab; prints walls, each step and the ratios; returns (ratios, failed checks)."""
    results = {}
    for label, name, octet, tuning, data_path, workers in SETUPS:
        results[label] = run_one(name, octet, tuning, data_path, workers, endpoint, tmp)
        wall, migrated, checks, failed, _ = results[label]
        print(f"{label:16s} wall {wall:7.1f} s  migrated {migrated}/{len(ALL_APPS)}  "
              f"checks {checks} failed {failed}  (load {os.getloadavg()[0]:.1f})", flush=True)
    print(f"{'step':14s} " + " ".join(f"{label:>16s}" for label in results))
    for step in STEPS:
        print(f"{step:14s} " + " ".join(f"{r[4].get(step, 0.0):15.1f}s" for r in results.values()))
    tuned = results[TUNED][0]
    ratios = {label: tuned / results[label][0] for label in (BASELINE, STRICT)}
    print(f"ratio dcc/baseline = {ratios[BASELINE]:.2f}x   dcc/strict baseline = {ratios[STRICT]:.2f}x", flush=True)
    return ratios, sum(r[3] for r in results.values())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=1, help="baseline/toolkit pairs to run (median ratio)")
    args = parser.parse_args()
    if not 1 <= args.rounds <= 5:
        parser.error("--rounds must be 1-5 (each round is about 5 minutes)")
    ratios: dict[str, list[float]] = {BASELINE: [], STRICT: []}
    failed = 0
    with tempfile.TemporaryDirectory(prefix="dcc-bench-") as tmp, served_s3() as endpoint:
        for n in range(args.rounds):
            print(f"-- round {n + 1} of {args.rounds}", flush=True)
            got, bad = one_round(endpoint, Path(tmp))
            for label, ratio in got.items():
                ratios[label].append(ratio)
            failed += bad
    for label, goal in ((BASELINE, " (goal <= 0.50x)"), (STRICT, "")):
        found = ratios[label]
        print(f"ratio dcc/{label} = {statistics.median(found):.2f}x median of {len(found)} "
              f"({', '.join(f'{r:.2f}' for r in found)}){goal}")
    print(f"failed verifications {failed} (goal 0)")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
