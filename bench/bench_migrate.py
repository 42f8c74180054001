"""Benchmark: migrate the 20-host lab estate end to end, the toolkit beside a baseline, in one run.

Baseline: the same phase playbooks and data path with Ansible's defaults (forks 5, no
pipelining, facts gathered, its own ssh args) and a serial data path, on a fresh copy of the lab.
Toolkit: forks 10, pipelining, the lab's shared SSH connections, no facts, 4 data-path workers.
Prints both wall times, the ratio (goal <= 0.5) and failed verifications (goal 0). Needs root.
"""

from __future__ import annotations

import dataclasses
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from migration import lab
from migration.execution.orchestrator import migrate_wave
from migration.execution.runner import RunnerTuning
from migration.objectstore_server import LocalS3Server
from tests.integration.migrate_support import session_for, write_plan

ALL_APPS = ["simpeg-kemenkes", "arsip-kemenkes", "sehat-api", "eoffice-jabar", "perizinan-jabar",
            "lapor-jabar", "payroll-bogor", "eoffice-bogor", "lapor-bogor"]
SETUPS = (  # label, estate name, second octet (pipeline's reserved 80-89), tuning, data-path workers
    ("baseline (ansible defaults)", "benchb", 82, RunnerTuning.baseline(), 1),
    ("dcc migrate (tuned)", "bencht", 83, RunnerTuning(), 4),
)


def run_one(name: str, octet: int, tuning: RunnerTuning, workers: int, s3: LocalS3Server,
            tmp: Path) -> tuple[float, int, int, int]:
    """Fresh lab, one wave with every app; returns (wall s, apps migrated, checks, failed checks)."""
    folder = lab.renumber(ROOT / "inventory" / "lab", tmp / name, name, octet)
    lab.down(name)
    lab.up(folder)
    try:
        estate_dir = lab.LabAccess.for_estate(name).run_dir / "estate"
        plan = write_plan(estate_dir, [ALL_APPS], tmp / f"{name}-plan.json")
        session = session_for(estate_dir, plan, s3.endpoint_url, work=tmp / f"{name}-work")
        run_id = session.store.start_run(name, 1)
        ctx = dataclasses.replace(session.context(run_id, wave=1, tuning=tuning), workers=workers)
        start = time.monotonic()
        report = migrate_wave(ctx, session.moves(1), batch_size=20, max_failures=len(ALL_APPS))
        wall = time.monotonic() - start
        session.store.finish_run(run_id, report.status)
        evidence = session.store.evidence()
        migrated = sum(a.status == "migrated" for a in report.apps)
        return wall, migrated, len(evidence), sum(not e.passed for e in evidence)
    finally:
        lab.down(name)


def main() -> int:
    results = {}
    with tempfile.TemporaryDirectory(prefix="dcc-bench-") as tmp, LocalS3Server() as s3:
        for label, name, octet, tuning, workers in SETUPS:
            results[label] = run_one(name, octet, tuning, workers, s3, Path(tmp))
            wall, migrated, checks, failed = results[label]
            print(f"{label:30s} wall {wall:7.1f} s  migrated {migrated}/{len(ALL_APPS)}  "
                  f"checks {checks} failed {failed}", flush=True)
    (base, *_), (tuned, _, _, failed) = results.values()
    ratio = tuned / base
    print(f"ratio dcc/baseline = {ratio:.2f}x (goal <= 0.50x), failed verifications {failed} (goal 0)")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
