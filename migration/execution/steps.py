"""The pipeline steps for one batch of app moves; each returns one `StepOutcome` per app.

Ansible does the host-side work (one playbook run per step for the whole batch); the data
path and the checks run from the controller, a few apps at a time.
"""

from __future__ import annotations

import http.client
import itertools
import json
import time
import traceback
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from migration.access.files import AccessFiles
from migration.backupstore import backup_stamp
from migration.errors import DccError, InputError, MigrationFailed
from migration.execution import datapath
from migration.execution import jobs as J
from migration.execution.runner import PhaseResult, RunnerTuning, run_phase
from migration.execution.wave import AppMove

Hook = Callable[[str, AppMove], None]
StepFunc = Callable[["Context", list[AppMove]], dict[str, "StepOutcome"]]


@dataclass(frozen=True)
class StepOutcome:
    ok: bool
    changed: bool = False
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Context:
    """Everything a step needs; built once per `dcc migrate` run."""

    estate: str
    access: AccessFiles
    store: Any  # migration.state.StateStore
    objects: Any  # migration.backupstore.BackupStore
    work_dir: Path
    run_id: int
    tuning: RunnerTuning = field(default_factory=RunnerTuning)
    retain_days: int = 30
    hook: Hook | None = None
    workers: int = 8  # apps whose data path (rsync, S3) runs at once
    data_path: str = "rsync"  # or "ansible": bytes move through Ansible's modules (datapath.DATA_PATHS)
    moved: dict[str, str] = field(default_factory=dict)  # legacy host -> target, for config rewrites
    ips: dict[str, str] = field(default_factory=dict)  # host id -> address, for config rewrites
    _seq: Any = field(default_factory=itertools.count)

    def __post_init__(self) -> None:
        if self.data_path not in datapath.DATA_PATHS:
            raise InputError(f"unknown data path {self.data_path!r} (one of {', '.join(datapath.DATA_PATHS)})",
                             where="data_path")

    def phase(self, name: str, jobs: J.Jobs) -> PhaseResult:
        hosts = [h for h, items in jobs.items() if items]
        ident = f"run{self.run_id}-{next(self._seq):03d}-{name}"
        return run_phase(name, hosts, {"dcc_jobs": jobs}, access=self.access, work_dir=self.work_dir,
                         ident=ident, tuning=self.tuning)


def by_hosts(moves: list[AppMove], jobs: J.Jobs, result: PhaseResult) -> dict[str, StepOutcome]:
    """An app's phase succeeded only if every host with a job for it did."""
    out = {}
    for app, hosts in J.hosts_of(moves, jobs).items():
        bad = [h for h in hosts if not result.host_ok(h)]
        msgs = {h: (result.hosts[h].message if h in result.hosts else "did not run") for h in bad}
        changed = any(result.hosts[h].changed for h in hosts if h in result.hosts)
        out[app] = StepOutcome(ok=not bad, changed=changed, detail={"failed_hosts": msgs} if bad else {})
    return out


def failed(exc: Exception) -> StepOutcome:
    """The outcome of a step that raised. An expected failure (DccError) is its one line; anything
    else (a bug, a library's surprise) fails the app too, so the orchestrator rolls it back and
    the journal keeps the type, message and the last frames of the traceback."""
    if isinstance(exc, DccError):
        return StepOutcome(ok=False, detail={"error": exc.line()})
    trace = "".join(traceback.format_exception(exc))[-3000:]
    return StepOutcome(ok=False, detail={"error": f"unexpected {type(exc).__name__}: {exc}"[:500],
                                         "trace": trace})


def guarded_step(fn: StepFunc, ctx: Context, moves: list[AppMove]) -> dict[str, StepOutcome]:
    """A step for a batch; if it raises as a whole (not per app), every app of it failed that way."""
    try:
        return fn(ctx, moves)
    except Exception as exc:  # noqa: BLE001 - known state: the apps are rolled back, never left frozen
        out = failed(exc)
        return {m.app: out for m in moves}


def message_of(outcome: StepOutcome) -> str:
    """One line saying why a step failed, from its outcome's detail."""
    d = outcome.detail
    if "error" in d:
        return str(d["error"])
    if d.get("failed_hosts"):
        return "; ".join(f"{h}: {m}" for h, m in d["failed_hosts"].items())
    if d.get("failed"):
        return "checks failed: " + ", ".join(d["failed"])
    if d.get("gate") and d["gate"] != "passed":
        return f"backup gate: {d['gate']}"
    if "portal_serves" in d:
        return f"portal answered from {d['portal_serves']}"
    return "failed"


def _each(ctx: Context, moves: list[AppMove], fn: Callable[[AppMove], StepOutcome]) -> dict[str, StepOutcome]:
    """Run `fn` per app in a small pool; any exception fails that app only."""
    def guarded(move: AppMove) -> StepOutcome:
        try:
            return fn(move)
        except Exception as exc:  # noqa: BLE001 - every failure must end in a known state (rollback)
            return failed(exc)
    with ThreadPoolExecutor(max_workers=ctx.workers) as pool:
        return dict(zip([m.app for m in moves], pool.map(guarded, moves)))


def _phase_step(ctx: Context, name: str, moves: list[AppMove], jobs: J.Jobs) -> dict[str, StepOutcome]:
    return by_hosts(moves, jobs, ctx.phase(name, jobs))


def preflight(ctx: Context, moves: list[AppMove]) -> dict[str, StepOutcome]:
    return _phase_step(ctx, "preflight", moves, J.preflight(moves))


def latest_backup(ctx: Context, app: str) -> Any | None:
    found = [b for b in ctx.store.backups() if b.app == app]
    return found[-1] if found else None


def backup(ctx: Context, moves: list[AppMove]) -> dict[str, StepOutcome]:
    jobs = J.backup(moves)
    dumped = _phase_step(ctx, "backup", moves, jobs)
    staging = ctx.work_dir / "staging"
    if ctx.data_path == "ansible":
        dumped = _after(dumped, moves, lambda ok: _collect(ctx, ok, staging))

    def upload(move: AppMove) -> StepOutcome:
        if not dumped[move.app].ok:
            return dumped[move.app]
        if ctx.data_path == "ansible":
            local = datapath.unpack_collected(move, staging)
        else:
            local = datapath.pull(move, ctx.access, staging)
        prefix, until = move.backup_prefix(ctx.estate, backup_stamp()), ctx.objects.retention.until()
        manifest = ctx.objects.upload_tree(local, prefix, app=move.app, until=until)
        before = latest_backup(ctx, move.app)
        digest = manifest.digest()
        ctx.store.record_backup(move.app, ctx.objects.bucket, prefix, digest, len(manifest.entries),
                                manifest.total_bytes, sites=ctx.objects.site_names,
                                lock_mode=ctx.objects.retention.mode, retain_until=until)
        detail = {"prefix": prefix, "manifest_sha256": digest, "objects": len(manifest.entries),
                  "bytes": manifest.total_bytes, "sites": list(ctx.objects.site_names)}
        return StepOutcome(ok=True, changed=before is None or before.manifest_sha256 != digest, detail=detail)
    return _each(ctx, moves, upload)


def _after(first: dict[str, StepOutcome], moves: list[AppMove],
           then: Callable[[list[AppMove]], dict[str, StepOutcome]]) -> dict[str, StepOutcome]:
    """Run `then` on the apps `first` left ok; an app's outcome is its first failure, else `then`'s."""
    ok = [m for m in moves if first[m.app].ok]
    second = then(ok) if ok else {}
    return {m.app: second[m.app] if first[m.app].ok else first[m.app] for m in moves}


def _collect(ctx: Context, moves: list[AppMove], staging: Path) -> dict[str, StepOutcome]:
    """The `ansible` data path's pull: archives fetched by the collect phase (old ones removed first)."""
    for move in moves:
        datapath.fresh_dir(datapath.collected_dir(staging, move.app))
    return _phase_step(ctx, "collect", moves, J.collect(moves, staging))


def restored_tree(ctx: Context, move: AppMove) -> tuple[Path, Any]:
    """The app's backup, downloaded and verified object by object (CorruptObject before any restore)."""
    record = latest_backup(ctx, move.app)
    if record is None:
        raise MigrationFailed(f"no backup recorded for {move.app}", where=move.app)
    dest = datapath.fresh_dir(ctx.work_dir / "restore" / move.app)
    manifest = ctx.objects.download_tree(record.prefix, dest, app=move.app, expected_digest=record.manifest_sha256)
    return dest, manifest


def transfer(ctx: Context, moves: list[AppMove]) -> dict[str, StepOutcome]:
    digests: dict[str, str] = {}
    outboxes = {m.app: ctx.work_dir / "outbox" / m.app for m in moves}

    def fetch_and_push(move: AppMove) -> StepOutcome:
        tree, manifest = restored_tree(ctx, move)
        if ctx.data_path == "ansible":
            datapath.pack(move, tree, outboxes[move.app])  # the deliver phase below sends it
        else:
            datapath.push(move, ctx.access, tree, ctx.hook)
        digests[move.app] = manifest.digest()
        return StepOutcome(ok=True, changed=True, detail={"manifest_sha256": manifest.digest()})
    pushed = _each(ctx, moves, fetch_and_push)
    if ctx.data_path == "ansible":
        pushed = _after(pushed, moves, lambda ok: _phase_step(ctx, "deliver", ok, J.deliver(ok, outboxes)))
    return _after(pushed, moves, lambda ok: _phase_step(ctx, "restore", ok, J.restore(ok, digests)))


def deploy(ctx: Context, moves: list[AppMove]) -> dict[str, StepOutcome]:
    return _phase_step(ctx, "deploy", moves, J.deploy(moves, ctx.moved, ctx.ips))


def cut_over(ctx: Context, move: AppMove) -> bool:
    """The target has served since its cutover (journal), so it holds writes the backup does not."""
    return _step_done(ctx, move, "cutover")


def _step_done(ctx: Context, move: AppMove, step: str) -> bool:
    return all(ctx.store.last_status(move.wave, move.app, h, step) in ("ok", "changed") for h in move.sources)


def target_of(move: AppMove) -> Any:
    """What verification checks on the move's target, from the app's profile (the layout of the
    legacy host that the primary pair moves)."""
    from migration.verify import Database, Target

    profile, legacy = move.profile, move.legacy_primary
    if profile is None:
        raise InputError(f"no profile for {move.app!r}", where=move.app)
    health = profile.health
    return Target(app=move.app, host=move.primary[1].id, checks=tuple(s.check for s in profile.services(legacy)),
                  ports=profile.ports(legacy),
                  health=(health.path, health.port, health.expect_status, health.body_match) if health else None,
                  data_roots=profile.data_paths(legacy),
                  databases=tuple(Database(d.pair[1].id, d.script, d.name, d.key, d.is_file)
                                  for d in move.databases),
                  service=move.service)


def expected_for(ctx: Context, move: AppMove) -> Any:
    """What verification compares the target with: the backup; after cutover, the backup as a floor."""
    from migration.verify import Expected

    tree = ctx.work_dir / "restore" / move.app
    record = latest_backup(ctx, move.app)
    if not tree.is_dir() or record is None or not (tree / "files").exists():
        tree, _ = restored_tree(ctx, move)
    manifest = ctx.objects.read_manifest(record.prefix, app=move.app) if record else None
    roots = target_of(move).data_roots
    files = {"/" + e.path.removeprefix("files/"): e.sha256 for e in (manifest.entries if manifest else ())
             if e.path.startswith("files/")}
    data = {path: sha for path, sha in files.items() if any(path.startswith(r.rstrip("/") + "/") for r in roots)}
    counts = {d.key: (tree / "db" / d.key / "counts.txt") for d in move.databases}
    # Live: the copy may take writes the backup does not have, so it must hold the backup, not
    # equal it: after cutover; and on a failback, whose sources legacy clients still write to
    # (the restore itself proved the exact row counts and checksums before the swap).
    return Expected(data=data, db_counts={key: path.read_text() for key, path in counts.items() if path.is_file()},
                    live=move.failback or (not move.retiring and cut_over(ctx, move)))


def proven_restorable(ctx: Context, move: AppMove) -> StepOutcome:
    """A retiring app's proof: every object downloaded and checked against the manifest's SHA-256."""
    _tree, manifest = restored_tree(ctx, move)
    ctx.store.mark_restore_verified(move.app, move.primary[1].id)
    return StepOutcome(ok=True, detail={"restorable": True, "objects": len(manifest.entries)})


def verify(ctx: Context, moves: list[AppMove]) -> dict[str, StepOutcome]:
    from migration.verify import verify_guarded

    def check(move: AppMove) -> StepOutcome:
        if move.retiring:
            return proven_restorable(ctx, move)
        results = verify_guarded(target_of(move), ctx.access.ssh_config, expected_for(ctx, move))
        for r in results:
            ctx.store.add_evidence(ctx.run_id, move.app, r.host, r.check, r.passed, r.detail())
        failed = [r.check for r in results if not r.passed]
        if not failed:
            ctx.store.mark_restore_verified(move.app, move.primary[1].id)
        return StepOutcome(ok=not failed, detail={"checks": len(results), "failed": failed})
    return _each(ctx, moves, check)


def health_path(move: AppMove) -> str:
    """The path the app answers its health check on (its profile's; /health if it names none)."""
    health = move.profile.health if move.profile else None
    return health.path if health else "/health"


UPSTREAM_HEADER = "X-Dcc-Upstream"  # the portal's own word for where it sent a request (dcc_cutover's route)


@dataclass(frozen=True)
class PortalAnswer:
    status: int
    location: str   # the Location header (a retired app's redirect)
    upstream: str   # the backend address the portal proxied to ("ip:port"), "" if it did not say
    body: bytes


def _portal_get(move: AppMove, wanted: tuple[int, ...], attempts: int) -> PortalAnswer | str:
    """GET the app's health path through the portal with the service's Host header, retrying until
    a status in `wanted` comes back, or the last problem as text."""
    last = ""
    for attempt in range(attempts):
        try:
            conn = http.client.HTTPConnection(move.portal.ip, 80, timeout=5)
            conn.request("GET", health_path(move), headers={"Host": move.service})
            resp = conn.getresponse()
            body = resp.read()
            conn.close()
            if resp.status in wanted:
                return PortalAnswer(resp.status, resp.getheader("Location", ""),
                                    resp.getheader(UPSTREAM_HEADER, ""), body)
            last = f"HTTP {resp.status}"
        except OSError as exc:
            last = str(exc)
        time.sleep(0.5 * (attempt + 1))
    return last


def portal_answer(move: AppMove, attempts: int = 5) -> str:
    """The host serving the app through the portal (`serving_host`), or why nothing answered."""
    got = _portal_get(move, (200,), attempts)
    return f"no answer ({got})" if isinstance(got, str) else serving_host(move, got)


def serving_host(move: AppMove, got: PortalAnswer) -> str:
    """The backend the portal says it proxied to (any app, whatever its health check answers),
    as a host id of the move; else the `host` the app's health JSON names."""
    if got.upstream:
        # The last address nginx tried (a list when it retried), without its port.
        address = got.upstream.split(",")[-1].strip().rsplit(":", 1)[0]
        return {n.ip: n.id for pair in move.pairs for n in pair}.get(address, address)
    try:
        data = json.loads(got.body)
    except ValueError as exc:
        return f"no answer ({exc})"
    return str(data.get("host", "")) if isinstance(data, dict) else "no answer (no backend named)"


def portal_redirect(move: AppMove, attempts: int = 5) -> str:
    """The portal's answer for a retired app: "<status> <Location>" (a redirect is not followed)."""
    got = _portal_get(move, (308, 410), attempts)
    if isinstance(got, str):
        return f"no answer ({got})"
    return f"{got.status} {got.location}".strip()


def expected_redirect(move: AppMove) -> str:
    host = J.redirect_host(move)
    return f"308 https://{host}{health_path(move)}" if host else "410"


def backup_gate(ctx: Context, move: AppMove) -> str | None:
    """Why cutover must be refused, or None: the backup's restore must be verified, and its copy on
    every site must check out against the recorded manifest (a site that is down refuses it)."""
    record = latest_backup(ctx, move.app)
    if record is None:
        return "no backup recorded"
    if record.restore_verified_at is None:
        return "restore from the backup not verified"
    missing = [site for site in record.sites if site not in ctx.objects.site_names]
    if missing:
        return f"backup copy on {', '.join(missing)} cannot be checked: that site is not configured"
    problems = ctx.objects.verify_sites(record.prefix, app=move.app, expected_digest=record.manifest_sha256)
    return f"backup copy failed verification: {'; '.join(problems)}" if problems else None


def cutover(ctx: Context, moves: list[AppMove]) -> dict[str, StepOutcome]:
    def gate(move: AppMove) -> StepOutcome:
        refused = backup_gate(ctx, move)
        return StepOutcome(ok=refused is None, detail={"gate": refused or "passed"})
    gates = _each(ctx, moves, gate)
    ready = [m for m in moves if gates[m.app].ok]
    routed = _phase_step(ctx, "cutover", ready, J.route(ready, to_source=False)) if ready else {}

    def through_portal(move: AppMove) -> StepOutcome:
        if not routed[move.app].ok:
            return routed[move.app]
        if move.retiring:
            serving, wanted = portal_redirect(move), expected_redirect(move)
        else:
            serving, wanted = portal_answer(move), move.primary[1].id
        # `routed`: the portal sends requests to the target now, so it may hold writes even if
        # this check fails; a rollback must then carry them back (failback).
        return StepOutcome(ok=serving == wanted, changed=routed[move.app].changed,
                           detail={"portal_serves": serving, "routed": True})
    checked = _each(ctx, ready, through_portal)
    serving = [m for m in ready if checked[m.app].ok]
    jobs = J.serve(serving)
    if jobs:  # its cron jobs start where the app now serves
        started = _phase_step(ctx, "serve", serving, jobs)
        checked = {app: out if out.ok or not started.get(app) or started[app].ok else
                   StepOutcome(ok=False, detail={**out.detail, **started[app].detail})
                   for app, out in checked.items()}
    return {m.app: checked.get(m.app, gates[m.app]) for m in moves}


def decommission(ctx: Context, moves: list[AppMove]) -> dict[str, StepOutcome]:
    return _phase_step(ctx, "decommission", moves, J.decommission(moves, ctx.retain_days))


def rollback(ctx: Context, moves: list[AppMove]) -> dict[str, StepOutcome]:
    rolled = _phase_step(ctx, "rollback", moves, J.rollback(moves))

    def check(move: AppMove) -> StepOutcome:
        # Both must hold: every host did its part (a target left running is not "rolled back"),
        # and the portal answers from the source.
        serving = portal_answer(move)
        ok = rolled[move.app].ok and serving == move.primary[0].id
        return StepOutcome(ok=ok, changed=True, detail={"portal_serves": serving, **rolled[move.app].detail})
    return _each(ctx, moves, check)


STEP_FUNCS: dict[str, StepFunc] = {
    "preflight": preflight, "backup": backup, "transfer": transfer, "deploy": deploy,
    "verify": verify, "cutover": cutover, "decommission": decommission,
}
