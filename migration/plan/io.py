"""Read and write the plan file (docs/plan-format.md): JSON, keys sorted, written atomically.

Reading is `migration.plan.reader.read_plan` (`load_plan` here is the same, kept for callers).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from migration.atomic import write_text_atomic
from migration.inventory.gcpause import gc_paused
from migration.inventory.model import Estate
from migration.plan.model import Plan
from migration.plan.reader import read_plan


def plan_to_json(plan: Plan) -> dict[str, Any]:
    return {
        "format": plan.format,
        "estate": plan.estate,
        "inventory_digest": plan.inventory_digest,
        "apps": {a.id: {"strategy": a.strategy, "rule": a.rule, "shared_service": a.shared_service,
                        "move_group": a.move_group, "wave": a.wave} for a in plan.apps.values()},
        "move_groups": [{"id": g.id, "apps": list(g.apps), "hosts": list(g.hosts), "data_gb": g.data_gb,
                         "reason": g.reason, "wave": g.wave, "wave_reasons": list(g.wave_reasons)}
                        for g in plan.move_groups],
        "waves": [{"number": w.number, "start": w.start.isoformat(), "move_groups": list(w.move_groups),
                   "apps": list(w.apps), "data_gb": w.data_gb, "closes_datacenters": list(w.closes_datacenters),
                   "hosts": [{"source": m.source, "target": m.target, "app": m.app, "apps": list(m.apps)}
                             for m in w.hosts]}
                  for w in plan.waves],
    }


INDENT_MAX_APPS = 2000  # indented (diffable) up to this size; compact beyond, where it saves ~60%


def dumps(plan: Plan) -> str:
    """The plan file's text: same plan, same bytes."""
    small = len(plan.apps) <= INDENT_MAX_APPS
    with gc_paused():  # ~200,000 short-lived dicts and lists at national scale, none cyclic
        return json.dumps(plan_to_json(plan), sort_keys=True, ensure_ascii=False, indent=1 if small else None,
                      separators=None if small else (",", ":")) + "\n"


def write_plan(path: str | Path, plan: Plan) -> None:
    write_text_atomic(Path(path), dumps(plan), make_parents=False)


def load_plan(path: str | Path, estate: Estate | None = None, *, accept_mismatch: bool = False) -> Plan:
    """The typed plan in `path` (see `migration.plan.reader.read_plan`, the one plan reader)."""
    return read_plan(path, estate, accept_mismatch=accept_mismatch)
