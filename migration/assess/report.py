"""Tables and JSON for `dcc assess`: counts per strategy and rule, and the rationalization report."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

from rich.table import Table

from migration.assess import Assessment, FunctionSummary, rationalize
from migration.assess.rules import RULES
from migration.atomic import write_text_atomic
from migration.inventory import Estate


def strategy_table(results: dict[str, Assessment]) -> Table:
    table = Table(title="assessment (rules in order; the first that matches decides)")
    for name, justify in (("rule", "left"), ("strategy", "left"), ("apps", "right")):
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    counts = Counter(r.rule for r in results.values())
    for rule in RULES:
        table.add_row(rule.id, rule.strategy, f"{counts.get(rule.id, 0):,}")
    table.add_row("[bold]total[/]", "", f"[bold]{len(results):,}[/]")
    return table


def apps_table(results: dict[str, Assessment]) -> Table:
    table = Table(title="apps")
    for name in ("app", "strategy", "rule", "why"):
        table.add_column(name)
    for result in results.values():
        table.add_row(result.app, result.strategy, result.rule, result.why)
    return table


def rationalization_table(summaries: list[FunctionSummary], total_apps: int) -> Table:
    covered = [s for s in summaries if s.shared_service]
    now = sum(s.strategies.get("replace", 0) for s in covered)
    later = sum(s.candidates for s in covered)
    table = Table(title=f"duplicated functions (policy: no new apps; integrate into the common ones) of "
                        f"{total_apps:,} apps; shown: {now:,} replaced now, {later:,} to replace later",
                  caption="replace later: copies a shared service covers that move now (they are wired "
                          "into other apps, critical, or hold data) and switch over once integrated")
    for name, justify in (("function", "left"), ("apps", "right"), ("agencies", "right"),
                          ("shared service", "left"), ("replaced now", "right"), ("replace later", "right"),
                          ("strategies", "left")):
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    for s in summaries:
        table.add_row(s.function, f"{s.apps:,}", f"{s.agencies:,}", s.shared_service.id if s.shared_service else "-",
                      f"{s.strategies.get('replace', 0):,}", f"{s.candidates:,}",
                      ", ".join(f"{k} {v:,}" for k, v in s.strategies.items()))
    return table


def to_json(estate: Estate, results: dict[str, Assessment]) -> dict[str, Any]:
    return {
        "format": 1,
        "estate": estate.name,
        "inventory_digest": estate.digest,
        "apps": {r.app: {"strategy": r.strategy, "rule": r.rule_line, "shared_service": r.shared_service}
                 for r in results.values()},
        "duplicated_functions": [
            {"function": s.function, "apps": s.apps, "agencies": s.agencies,
             "shared_service": s.shared_service.id if s.shared_service else None,
             "strategies": s.strategies, "replace_later": s.candidates}
            for s in rationalize(estate, results)],
    }


def write_json(path: Path, estate: Estate, results: dict[str, Assessment]) -> None:
    write_text_atomic(path, json.dumps(to_json(estate, results), indent=1, sort_keys=True) + "\n",
                      make_parents=False)
