"""Benchmark: render + validate the national sample, beside the same objects built through the
Pulumi SDK under its mock runtime, in the same run. Prints both times and the ratio.

Ours: load estate + plan -> specs -> pure builders -> fast YAML on disk -> read back -> strict
schemas (jsonschema-rs over kubernetes-validate's schemas) + every policy.
Baseline: the Tenant / MigratedApp components registering the same objects under
`pulumi.runtime.set_mocks` for a subset of tenants, extrapolated linearly per object (stated
in the output). A real `pulumi up` adds the engine and the provider on top, so this flatters it.

Run: .venv/bin/python bench/bench_render.py [--estate DIR] [--plan FILE] [--sdk-tenants 5]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from migration.inventory import load_estate
from stacks.estate import policy_context, read_strategies, specs_from_estate
from stacks.manifests import bulk, load_settings, read_manifests, render_objects, write_manifests
from stacks.validation import check_objects


def national_inputs(estate: Path | None, plan: Path | None, work: Path) -> tuple[Path, Path, str]:
    """The national sample and a plan from the real planner, generated when not given."""
    source = "given"
    if estate is None:
        estate = ROOT / "inventory" / "national"
        if not (estate / "apps.csv").exists():
            estate, source = work / "national", "generated (dcc inventory generate, scale 1.0)"
            subprocess.run([sys.executable, "-m", "migration", "inventory", "generate", "--out", str(estate)],
                           check=True, capture_output=True, cwd=ROOT)
    if plan is None:
        from migration.plan import make_plan, write_plan

        plan = work / "plan.json"
        write_plan(plan, make_plan(load_estate(estate)))
    return estate, plan, source


class Clock:
    """Wall and CPU seconds per step: on a shared 2-core machine CPU time is the steadier figure."""

    def __init__(self) -> None:
        self.steps: list[tuple[str, float, float]] = []

    def step(self, name: str, fn, *args):
        wall, cpu = time.perf_counter(), time.process_time()
        result = fn(*args)
        self.steps.append((name, time.perf_counter() - wall, time.process_time() - cpu))
        return result

    def total(self, cpu: bool = False) -> float:
        return sum(s[2 if cpu else 1] for s in self.steps)

    def shared(self, cpu: bool = False) -> float:
        """Loading estate, plan and specs: the same work for both paths."""
        return sum(s[2 if cpu else 1] for s in self.steps[:3])


def ours(estate: Path, plan: Path, out: Path) -> tuple[Clock, object, int, int]:
    clock = Clock()
    settings = load_settings(ROOT / "Pulumi.lab.yaml", estate, plan)
    model = clock.step("load estate", load_estate, estate)
    strategies = clock.step("read plan", read_strategies, plan)
    specs = clock.step("specs", specs_from_estate, model, strategies, settings)
    with bulk():  # as `dcc render` and `dcc validate` do
        folders = clock.step("build objects", render_objects, specs)
        ctx = policy_context(specs, settings)
        clock.step("write YAML", write_manifests, out, folders, ctx)
        objects = clock.step("read YAML back", read_manifests, out)
        count, findings = clock.step("schemas + policies", check_objects, objects, ctx)
    return clock, specs, count, len(findings)


def sdk(specs, tenants: int) -> tuple[float, float, int]:
    """(wall s, CPU s, objects) for the first `tenants` tenants with apps, through the Pulumi SDK mocks."""
    from tests.support.stacks.stackmock import run_components

    chosen = [t for t in specs.tenants if t.apps][:tenants]
    wall, cpu = time.perf_counter(), time.process_time()
    with bulk():  # same GC treatment as ours, so the ratio compares the code paths only
        registered = run_components(chosen, specs.platform.refs)
    return time.perf_counter() - wall, time.process_time() - cpu, registered


def report(clock: Clock, count: int, sdk_run: tuple[float, float, int]) -> None:
    sdk_wall, sdk_cpu, sdk_objects = sdk_run
    for name, wall, cpu in clock.steps:
        print(f"  {name:<20} {wall:8.2f} s wall {cpu:8.2f} s CPU")
    for label, cpu, sdk_seconds in (("wall", False, sdk_wall), ("CPU", True, sdk_cpu)):
        total, shared = clock.total(cpu), clock.shared(cpu)
        objects_only = total - shared
        sdk_total = sdk_seconds / sdk_objects * count
        print(f"[{label}] ours render + validate, all steps: {total:8.2f} s; objects only: {objects_only:.2f} s "
              f"({objects_only / count * 1e3:.3f} ms/object)")
        print(f"[{label}] Pulumi SDK under mocks: {sdk_objects} objects in {sdk_seconds:.2f} s "
              f"({sdk_seconds / sdk_objects * 1e3:.3f} ms/object), extrapolated linearly to {count}: {sdk_total:.1f} s")
        print(f"[{label}] ratio SDK / ours: objects only {sdk_total / objects_only:.1f}x, "
              f"end to end {(sdk_total + shared) / total:.1f}x; under 30 s: {'yes' if total < 30 else 'NO'}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--estate", type=Path)
    ap.add_argument("--plan", type=Path)
    ap.add_argument("--sdk-tenants", type=int, default=5, help="tenants built through the SDK (then extrapolated)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="dcc-bench-render-") as tmp:
        work = Path(tmp)
        estate, plan, source = national_inputs(args.estate, args.plan, work)
        clock, specs, count, findings = ours(estate, plan, work / "out")
        sdk_run = sdk(specs, args.sdk_tenants)
    apps = sum(len(t.apps) for t in specs.tenants)
    print(f"estate: {estate} ({source}); plan: {plan.name} (make_plan unless given)")
    print(f"national: {len(specs.tenants)} tenants, {apps} replatformed apps, {count} objects, {findings} findings")
    print(f"load average at the end: {os.getloadavg()[0]:.1f} (2 cores, shared)")
    report(clock, count, sdk_run)


if __name__ == "__main__":
    main()
