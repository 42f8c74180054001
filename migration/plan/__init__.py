"""Wave planning: move groups, ordered waves under constraints, host placement, DC closures.

`make_plan(estate) -> Plan` is pure; `write_plan`/`load_plan` read and write the plan file
(docs/plan-format.md); `explain(plan, app)` says why an app got its strategy and wave.
"""

from __future__ import annotations

from migration.plan.build import make_plan
from migration.plan.explain import explain
from migration.plan.io import load_plan, plan_to_json, write_plan
from migration.plan.model import HostMove, MoveGroup, Plan, PlanApp, Wave

__all__ = ["HostMove", "MoveGroup", "Plan", "PlanApp", "Wave", "explain", "load_plan", "make_plan",
           "plan_to_json", "write_plan"]
