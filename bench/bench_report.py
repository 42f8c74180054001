"""Benchmark: the consolidation report for the national sample (scale 1.0) against a naive baseline.

Ours: estate views -> ledger + aggregated sections -> plotly charts + jinja2 -> one HTML file.
Baseline, in the same run: plotly's own write_html for the same questions with no aggregation
(raw per-DC/app/host rows handed to plotly histograms plus a full app table), as a dashboard
built without the report's aggregation would do. Prints both times, both sizes and the ratios.

Run: .venv/bin/python bench/bench_report.py [--scale 1.0] [--estate DIR] [--plan FILE]
"""

from __future__ import annotations

import argparse
import hashlib
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from migration.report import build_report, load_cost_model, render_html
from migration.report.sources import (
    PlanApp,
    PlanView,
    Sources,
    StateView,
    WaveView,
    load_plan_view,
    parse_plan,
    views_from_estate,
)
from migration.state import BackupRecord, StepRecord

STEPS = ("preflight", "backup", "transfer", "deploy", "verify", "cutover", "decommission")
MIX = (("rehost", 55), ("replatform", 15), ("replace", 15), ("retire", 8), ("retain", 7))


def _bucket(app_id: str) -> str:
    """A stable strategy per app from its id, so the synthetic plan is the same every run."""
    n = int(hashlib.sha256(app_id.encode()).hexdigest()[:8], 16) % 100
    for strategy, share in MIX:
        if n < share:
            return strategy
        n -= share
    return "retain"


def synthetic_plan(src: Sources, per_wave: int = 250) -> PlanView:
    """Used only when no plan file is given: waves of `per_wave` moving apps, weekly from 2027-01-04."""
    strategies = {a.id: _bucket(a.id) for a in src.apps}
    movers = [a for a in src.apps if strategies[a.id] in ("rehost", "replatform")]
    wave_of = {a.id: 1 + i // per_wave for i, a in enumerate(movers)}
    host_dc = {h.id: h.datacenter for h in src.hosts}
    last_wave: dict[str, int] = {}
    for a in src.apps:
        for h in a.hosts:
            dc = host_dc.get(h, "")
            last_wave[dc] = max(last_wave.get(dc, 0), 10**9 if strategies[a.id] == "retain" else wave_of.get(a.id, 1))
    waves = []
    for n in range(1, max(wave_of.values(), default=0) + 1):
        apps = [a for a in movers if wave_of[a.id] == n]
        waves.append(WaveView(n, date(2027, 1, 4) + timedelta(days=7 * (n - 1)), tuple(a.id for a in apps),
                              tuple(h for a in apps for h in a.hosts), sum(a.data_gb for a in apps),
                              tuple(dc for dc, w in last_wave.items() if w == n)))
    apps = {a: PlanApp(s, "bench", "national-service" if s in ("replace", "retire") else None, wave_of.get(a))
            for a, s in strategies.items()}
    return PlanView(apps, tuple(waves))


def synthetic_journal(src: Sources, done_waves: int) -> StateView:
    """Waves 1..done_waves fully migrated: every step of every host, plus a verified backup per app."""
    t0 = datetime(2027, 1, 4, tzinfo=UTC)
    steps, backups = [], []
    by_id = {a.id: a for a in src.apps}
    for w in src.plan.waves[:done_waves]:
        for app_id in w.apps:
            for host in by_id[app_id].hosts:
                steps += [StepRecord(w.number, w.number, app_id, host, s, "ok", t0 + timedelta(seconds=len(steps)), None)
                          for s in STEPS]
            backups.append(BackupRecord(app_id, "b", app_id, "0" * 64, 1, 1, t0, t0, "t"))
    return StateView(steps=tuple(steps), backups=tuple(backups))


def ours(src: Sources) -> tuple[float, int]:
    start = time.perf_counter()
    html = render_html(build_report(src, load_cost_model()))
    return time.perf_counter() - start, len(html.encode())


def baseline(src: Sources, out: Path) -> tuple[float, int]:
    import plotly.graph_objects as go

    start = time.perf_counter()
    dcs = [d for d in src.datacenters if d.kind == "legacy"]
    wave_of = {a: p.wave for a, p in src.plan.apps.items()} if src.plan else {}
    figs = [
        go.Figure(go.Histogram(y=[d.province for d in dcs], name="DCs by province")),
        go.Figure(go.Histogram(x=[a.agency for a in src.apps], name="apps by agency")),
        go.Figure(go.Histogram(x=[wave_of.get(h, 0) for a in src.apps for h in [a.id] * len(a.hosts)], name="hosts/wave")),
        go.Figure(go.Table(header={"values": ["app", "agency", "data_gb", "wave"]},
                           cells={"values": [[a.id for a in src.apps], [a.agency for a in src.apps],
                                             [a.data_gb for a in src.apps], [wave_of.get(a.id) for a in src.apps]]})),
    ]
    with out.open("w", encoding="utf-8") as fh:
        for i, fig in enumerate(figs):
            fh.write(fig.to_html(full_html=False, include_plotlyjs=i == 0))
    return time.perf_counter() - start, out.stat().st_size


def load(args: argparse.Namespace, tmp: Path) -> tuple[Sources, float, str]:
    from migration.inventory import load_estate

    estate = args.estate
    if estate is None:
        estate = tmp / "national"
        subprocess.run([sys.executable, "-m", "migration", "inventory", "generate", "--out", str(estate),
                        "--scale", str(args.scale)], check=True, capture_output=True)
    start = time.perf_counter()
    model = load_estate(estate)
    src = views_from_estate(model)
    loaded = time.perf_counter() - start
    start = time.perf_counter()
    plan, kind = (load_plan_view(args.plan), "file") if args.plan else real_plan(model, src)
    kind += f", read in {time.perf_counter() - start:.2f} s"
    src = replace(src, plan=plan)
    return replace(src, state=synthetic_journal(src, len(plan.waves) // 5)), loaded, kind


def real_plan(model: object, src: Sources) -> tuple[PlanView, str]:
    """The planner's own plan (migration.plan); the synthetic one only if the planner is absent."""
    try:
        from migration.plan import make_plan, plan_to_json
    except ImportError:
        return synthetic_plan(src), "synthetic"
    start = time.perf_counter()
    doc = plan_to_json(make_plan(model))
    return parse_plan(doc, "make_plan"), f"make_plan, {time.perf_counter() - start:.1f} s"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--estate", type=Path)
    ap.add_argument("--plan", type=Path)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        src, loaded, plan_kind = load(args, Path(tmp))
        print(f"estate: {len(src.datacenters):,} DCs, {len(src.apps):,} apps, {len(src.hosts):,} hosts; "
              f"plan ({plan_kind}): {len(src.plan.waves)} waves; journal: {len(src.state.steps):,} steps "
              f"(load_estate + views {loaded:.2f} s, not counted below)")
        ours(src)  # warm-up: first use imports plotly's figure classes and jinja2
        t_ours, size_ours = ours(src)
        t_base, size_base = baseline(src, Path(tmp) / "baseline.html")
    print(f"{'':24}{'time (s)':>10}{'HTML (MB)':>12}")
    print(f"{'dcc report (ours)':24}{t_ours:>10.2f}{size_ours / 1e6:>12.2f}")
    print(f"{'plotly raw (baseline)':24}{t_base:>10.2f}{size_base / 1e6:>12.2f}")
    print(f"ratio baseline/ours: time x{t_base / t_ours:.2f}, size x{size_base / size_ours:.2f}")


if __name__ == "__main__":
    main()
