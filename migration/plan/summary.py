"""The rich table `dcc plan` prints: one row per wave, then totals (the verb prints it)."""

from __future__ import annotations

from collections import Counter

from rich.table import Table

from migration.plan.model import Plan


def wave_table(plan: Plan) -> Table:
    strategies = Counter(a.strategy for a in plan.apps.values())
    stuck = [g for g in plan.move_groups if g.wave is None]
    title = (f"plan for {plan.estate}: " + ", ".join(f"{k} {v:,}" for k, v in sorted(strategies.items()))
             + (f"; {len(stuck)} move groups cannot move yet" if stuck else ""))
    table = Table(title=title)
    for name in ("wave", "start", "groups", "apps", "hosts", "data GB", "closes DCs"):
        table.add_column(name, justify="left" if name in ("start", "closes DCs") else "right")
    for wave in plan.waves:
        closes = wave.closes_datacenters
        shown = ", ".join(closes[:2]) + (f" +{len(closes) - 2} more" if len(closes) > 2 else "")
        table.add_row(str(wave.number), wave.start.isoformat(), f"{len(wave.move_groups):,}", f"{len(wave.apps):,}",
                      f"{len(wave.hosts):,}", f"{wave.data_gb:,.1f}", f"{len(closes)} ({shown})" if closes else "-")
    table.add_row("[bold]all[/]", "", f"{sum(len(w.move_groups) for w in plan.waves):,}",
                  f"{sum(len(w.apps) for w in plan.waves):,}", f"{sum(len(w.hosts) for w in plan.waves):,}",
                  f"{sum(w.data_gb for w in plan.waves):,.1f}", f"{sum(len(w.closes_datacenters) for w in plan.waves):,}")
    return table
