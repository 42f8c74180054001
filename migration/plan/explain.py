"""`explain(plan, app)`: the reasons behind one app's strategy, move group and wave, as lines."""

from __future__ import annotations

from migration.errors import InputError
from migration.plan.model import Plan


def explain(plan: Plan, app_id: str) -> list[str]:
    """Human lines: strategy and rule, move group and why, wave and what decided it."""
    app = plan.apps.get(app_id)
    if app is None:
        raise InputError(f"no app {app_id!r} in the plan of estate {plan.estate!r}", where="APP")
    lines = [f"{app.id}: {app.strategy}", f"  rule  {app.rule}"]
    if app.shared_service:
        lines.append(f"  shared service  {app.shared_service}")
    group = plan.group_of(app_id)
    if group is None:
        lines.append("  not in any wave: only rehost and replatform apps move")
        return lines
    others = [a for a in group.apps if a != app_id]
    lines.append(f"  move group  {group.id}: {group.reason}" + (f" (with {', '.join(others[:8])}"
                                                               + (" ..." if len(others) > 8 else "") + ")"
                                                               if others else ""))
    lines.append(f"  wave  {group.wave if group.wave is not None else 'none (cannot move yet)'}")
    lines += [f"    - {reason}" for reason in group.wave_reasons]
    if group.wave is not None:
        wave = plan.wave(group.wave)
        lines += [f"  host  {m.source} -> {m.target}" for m in wave.hosts if app_id in m.apps]
    return lines
