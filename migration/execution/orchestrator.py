"""Wave orchestration: batches, the step sequence, journaling, resume, failure threshold, rollback.

Every (app, host, step) is journaled in the state store before and after it runs; a step already
`ok`/`changed` is skipped, so a rerun after a crash resumes and a finished wave changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from migration.access.files import warm_connections
from migration.execution import datapath
from migration.execution import failback as F
from migration.execution import steps as S
from migration.execution.runner import wait_for_leftover_playbooks
from migration.execution.wave import STEPS, AppMove, batches

DONE = frozenset({"ok", "changed", "skipped"})
# A failure at these steps may have frozen (stopped) the source, changed the target or switched
# the portal: roll back, which starts the source again.
ROLLBACK_AFTER = frozenset({"backup", "transfer", "deploy", "verify", "cutover"})
# After a rollback these must run again. The backup too: the source served (and took writes)
# again, so the old backup is no longer the final copy. Decommission too: a manual rollback
# revives the source.
REDO_AFTER_ROLLBACK = ("backup", "transfer", "deploy", "verify", "cutover", "decommission")
Notify = Callable[[str, str, str], None]  # (app, step, status)


@dataclass(frozen=True)
class AppReport:
    app: str
    status: str  # migrated | unchanged | failed | rolled_back | not_started
    step: str = ""
    changed_steps: int = 0
    message: str = ""


@dataclass(frozen=True)
class WaveReport:
    wave: int
    run_id: int
    apps: tuple[AppReport, ...] = field(default_factory=tuple)
    stopped_early: bool = False

    @property
    def failed(self) -> list[AppReport]:
        return [a for a in self.apps if a.status in ("failed", "rolled_back")]

    @property
    def status(self) -> str:
        if not self.failed and not any(a.status == "not_started" for a in self.apps):
            return "succeeded"
        return "failed" if len(self.failed) == len(self.apps) else "partial"


def _record(ctx: S.Context, move: AppMove, step: str, status: str, detail: dict[str, Any] | None = None) -> None:
    for host in move.sources:
        ctx.store.record_step(ctx.run_id, move.wave, move.app, host, step, status, detail)


def _done(ctx: S.Context, move: AppMove, step: str) -> bool:
    return all(ctx.store.last_status(move.wave, move.app, h, step) in DONE for h in move.sources)




def roll_back(ctx: S.Context, moves: list[AppMove], notify: Notify) -> dict[str, S.StepOutcome]:
    """Return the apps to their sources and invalidate the steps that must run again.

    An app whose target has served since its cutover fails back instead (its writes are carried
    back first); a failback that cannot be done leaves the target serving and its steps as they are."""
    served = [m for m in moves if F.has_served(ctx, m)]
    plain = [m for m in moves if m not in served]
    outcomes = S.guarded_step(S.rollback, ctx, plain) if plain else {}
    for move in served:
        outcomes[move.app] = F.fail_back(ctx, move, notify)
    for move in moves:
        out = outcomes[move.app]
        step = "failback" if move in served else "rollback"
        _record(ctx, move, step, "rolled_back" if out.ok else "failed", out.detail)
        if move in plain or out.ok:
            for redo in REDO_AFTER_ROLLBACK:
                if ctx.store.last_status(move.wave, move.app, move.sources[0], redo) is not None:
                    _record(ctx, move, redo, "rolled_back")
        notify(move.app, step, "rolled_back" if out.ok else "failed")
    return outcomes


def run_batch(ctx: S.Context, batch: list[AppMove], notify: Notify) -> list[AppReport]:
    if ctx.tuning.warm_connections:
        warm_connections(ctx.access, {h for m in batch for h in (*m.sources, *m.targets, m.portal.id)})
    alive = list(batch)
    changed = {m.app: 0 for m in batch}
    reports: dict[str, AppReport] = {}
    for step in STEPS:
        todo = [m for m in alive if step in m.steps and not _done(ctx, m, step)]
        for m in alive:
            if m not in todo and step in m.steps:
                notify(m.app, step, "skipped")
        if not todo:
            continue
        for m in todo:
            _record(ctx, m, step, "started")
        outcomes = S.guarded_step(S.STEP_FUNCS[step], ctx, todo)
        failed = []
        for m in todo:
            out = outcomes[m.app]
            status = ("changed" if out.changed else "ok") if out.ok else "failed"
            _record(ctx, m, step, status, out.detail)
            notify(m.app, step, status)
            changed[m.app] += out.changed
            if not out.ok:
                failed.append(m)
                reports[m.app] = AppReport(m.app, "failed", step, changed[m.app], S.message_of(out))
        alive = [m for m in alive if m not in failed]
        to_roll = [m for m in failed if step in ROLLBACK_AFTER]
        if to_roll:
            rolled = roll_back(ctx, to_roll, notify)
            for m in to_roll:
                note = "" if rolled[m.app].ok else f"; rollback incomplete: {S.message_of(rolled[m.app])}"
                old = reports[m.app]
                reports[m.app] = AppReport(m.app, "rolled_back" if rolled[m.app].ok else "failed",
                                           step, old.changed_steps, old.message + note)
    for m in alive:
        reports[m.app] = AppReport(m.app, "migrated" if changed[m.app] else "unchanged", "", changed[m.app])
    for m in batch:
        datapath.forget(ctx.work_dir, m.app)
    return [reports[m.app] for m in batch]


def migrate_wave(ctx: S.Context, moves: list[AppMove], *, batch_size: int = 5, max_failures: int = 1,
                 notify: Notify = lambda *_: None) -> WaveReport:
    """Run every batch of the wave; stop before the next batch once `max_failures` apps failed."""
    wait_for_leftover_playbooks(ctx.work_dir)  # a killed run's playbook must not run beside ours
    reports: list[AppReport] = []
    stopped = False
    plan = batches(moves, batch_size)
    for index, batch in enumerate(plan):
        if sum(r.status in ("failed", "rolled_back") for r in reports) >= max_failures:
            stopped = True
            reports += [AppReport(m.app, "not_started", message="wave stopped: failure threshold reached")
                        for b in plan[index:] for m in b]
            break
        reports += run_batch(ctx, batch, notify)
    wave = moves[0].wave if moves else 0
    return WaveReport(wave=wave, run_id=ctx.run_id, apps=tuple(reports), stopped_early=stopped)


def rollback_app(ctx: S.Context, move: AppMove, notify: Notify = lambda *_: None) -> AppReport:
    """Roll one app back on request (`dcc rollback --app X`), even after decommission."""
    wait_for_leftover_playbooks(ctx.work_dir)
    out = roll_back(ctx, [move], notify)[move.app]
    return AppReport(move.app, "rolled_back" if out.ok else "failed", "rollback", 1,
                     "" if out.ok else S.message_of(out))


def replay_phases(ctx: S.Context, moves: list[AppMove]) -> dict[str, tuple[int, list[str]]]:
    """Run again the Ansible phases that can run on a finished wave: phase -> (changed tasks, hosts
    that failed). Both must be empty for a wave that is done (the idempotence proof).

    Only cutover and decommission: the earlier phases' inputs are gone by design once a wave is
    decommissioned (the sources' services are retired, their databases closed, the transfer's copies
    removed), so a replay of them would fail, and a failed phase changes nothing: it proves nothing."""
    from migration.execution import jobs as J

    plan = {"cutover": J.route(moves, to_source=False), "decommission": J.decommission(moves, ctx.retain_days)}
    out: dict[str, tuple[int, list[str]]] = {}
    for name, jobs in plan.items():
        result = ctx.phase(name, jobs)
        out[name] = (result.changed, sorted(h for h, items in jobs.items() if items and not result.host_ok(h)))
    return out
