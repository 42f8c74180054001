"""Failback: rolling back an app whose target has served since its cutover.

The target may hold writes the source never saw, so a rollback is a migration in the other
direction: the same steps on the reversed move (freeze the target, back it up, restore on the
source, verify it there against the target's frozen data, switch the portal back), then the
target is decommissioned (stopped, its data and database kept). If any step fails, the target
is brought back to serving and the rollback is refused, saying why: nothing is discarded.
"""

from __future__ import annotations

from collections.abc import Callable

from migration.execution import steps as S
from migration.execution.wave import AppMove

Notify = Callable[[str, str, str], None]  # (app, step, status)

FORWARD = ("preflight", "backup", "transfer", "deploy", "verify", "cutover")


def has_served(ctx: S.Context, move: AppMove) -> bool:
    """The portal has routed to the target since its cutover, so it may hold writes: the journal
    says so, or (a cutover cut short before it could journal) the portal answers from it now."""
    if move.retiring or move.failback:
        return False
    records = [r for r in ctx.store.steps(wave=move.wave, app=move.app) if r.step == "cutover"]
    last = {r.host: r for r in records}  # the newest record per source host
    if any(r.status in ("ok", "changed") or (r.status == "failed" and (r.detail or {}).get("routed"))
           for r in last.values()):
        return True
    return bool(last) and S.portal_answer(move, attempts=1) == move.primary[1].id


def fail_back(ctx: S.Context, move: AppMove, notify: Notify) -> S.StepOutcome:
    """Carry the target's data back to the source and serve from there; or refuse, target serving."""
    back = move.reversed()
    done: dict[str, str] = {}
    for step in FORWARD:
        notify(move.app, "failback", f"{step} started")
        out = S.guarded_step(S.STEP_FUNCS[step], ctx, [back])[move.app]
        done[step] = "ok" if out.ok else "failed"
        if not out.ok:
            return _refuse(ctx, back, step, out, done)
    closed = S.guarded_step(S.decommission, ctx, [back])[move.app]
    detail = {"failback": done, "portal_serves": move.primary[0].id}
    if not closed.ok:  # the source serves with every write; only the target's clean-up is left
        detail["warning"] = f"target not decommissioned: {S.message_of(closed)}"
    return S.StepOutcome(ok=True, changed=True, detail=detail)


def _refuse(ctx: S.Context, back: AppMove, step: str, out: S.StepOutcome, done: dict[str, str]) -> S.StepOutcome:
    """Undo a failback that stopped at `step`: the target starts and the portal routes to it again."""
    undo = S.guarded_step(S.rollback, ctx, [back])[back.app]
    serving = back.primary[0].id
    why = f"failback refused at {step}: {S.message_of(out)}; {serving} keeps serving"
    if not undo.ok:
        why += f", but bringing it back failed: {S.message_of(undo)}"
    return S.StepOutcome(ok=False, detail={"error": why, "failback": done})
