"""Open everything one pipeline command needs: estate, plan moves, access files, state store, object store.

Shared by `dcc migrate`, `dcc rollback` and `dcc verify` so they read the same inputs the same way.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from migration.access.files import access_for
from migration.errors import InputError
from migration.execution.layout import layout_of
from migration.execution.runner import RunnerTuning
from migration.execution.steps import Context, Hook
from migration.execution.wave import AppMove, read_plan, retirements, wave_moves
from migration.profile import Profile, load_profiles, profile_path

DEFAULT_BUCKET = "dcc-backups"


@dataclass(frozen=True)
class Inputs:
    """What the user pointed the command at."""

    estate_dir: Path
    plan: Path
    s3_endpoint: str | None = None
    bucket: str = DEFAULT_BUCKET
    state_url: str | None = None
    work_dir: Path | None = None
    s3_endpoint_2: str | None = None  # the second site; every backup is written to both
    keys_file: Path | None = None  # agencies' backup keys (default: <estate>/state/keys/backup.keys)
    lock_mode: str = "COMPLIANCE"
    lock_days: int = 30
    accept_mismatch: bool = False  # use a plan made for another estate or an older inventory, on purpose
    on_accept: Callable[[str], None] | None = None  # told the mismatch line when it is accepted
    residency: bool = False  # the backup endpoints must be on the estate's residency allow-list
    residency_config: Path | None = None  # Pulumi.<stack>.yaml whose dcc:storageAllowList applies


@dataclass(frozen=True)
class Session:
    estate: Any  # migration.inventory.Estate
    plan: dict[str, Any]
    store: Any  # migration.state.StateStore
    objects: Any  # migration.backupstore.BackupStore
    work_dir: Path
    inputs: Inputs
    profiles: dict[str, Profile] = field(default_factory=dict)  # app -> its reviewed profile

    def moves(self, wave: int) -> list[AppMove]:
        return [self._profiled(m) for m in wave_moves(self.estate, self.plan, wave, self.inputs.plan)]

    def retirements(self, wave: int) -> list[AppMove]:
        """Replaced and retired apps that leave in this wave (wave 1, as the planner counts them)."""
        return [self._profiled(m) for m in retirements(self.estate, self.plan, wave)]

    def _profiled(self, move: AppMove) -> AppMove:
        """The move with its app's reviewed profile: the one description of the app's layout."""
        profile = self.profiles.get(move.app)
        where = str(profile_path(Path(self.inputs.estate_dir), move.app))
        if profile is None:
            raise InputError(f"app {move.app!r} has no profile: run `dcc discover`, review the proposal "
                             "(`dcc profile review`) and commit it", where=where)
        if not profile.reviewed:
            raise InputError(f"the profile of {move.app!r} is not reviewed yet (`dcc profile review`)", where=where)
        profiled = replace(move, profile=profile)
        # What the pipeline cannot move is refused here, before any step: a database, a cron job.
        profiled.databases  # noqa: B018
        if not profiled.retiring:
            layout_of(profiled)
        return profiled

    def move_of(self, app: str) -> AppMove:
        for entry in self.plan["waves"]:
            if app in entry.get("apps", []):
                return next(m for m in self.moves(entry["number"]) if m.app == app)
        for move in self.retirements(1):
            if move.app == app:
                return move
        raise InputError(f"app {app!r} is in no wave of the plan", where=str(self.inputs.plan))

    def moved_hosts(self, up_to_wave: int) -> dict[str, str]:
        """Legacy host -> target for every host the plan moves in waves up to `up_to_wave`."""
        return {p["source"]: p["target"] for w in self.plan["waves"] if w.get("number", 0) <= up_to_wave
                for p in w.get("hosts", [])}

    def context(self, run_id: int, *, wave: int = 0, tuning: RunnerTuning | None = None, retain_days: int = 30,
                hook: Hook | None = None, data_path: str = "rsync") -> Context:
        return Context(estate=self.estate.name, access=access_for(self.estate.name), store=self.store,
                       objects=self.objects, work_dir=self.work_dir, run_id=run_id,
                       tuning=tuning or RunnerTuning(), retain_days=retain_days, hook=hook,
                       data_path=data_path, moved=self.moved_hosts(wave),
                       ips={h.id: str(h.ip) for h in self.estate.hosts.values() if h.ip})


def open_session(inputs: Inputs, wave: int | None = None) -> Session:
    """Load and check every input once, at the edge (the wave too, before any connection is made)."""
    from migration.backupstore.residency import check_endpoints, residency_of
    from migration.inventory import load_estate
    from migration.state import StateStore

    estate = load_estate(inputs.estate_dir)
    # Bound to this estate, and (for the verbs that write backups) the endpoints on the residency
    # allow-list: both before any connection is made.
    plan = read_plan(inputs.plan, estate, accept_mismatch=inputs.accept_mismatch, on_accept=inputs.on_accept)
    if inputs.residency:
        check_endpoints((inputs.s3_endpoint, inputs.s3_endpoint_2), residency_of(estate, inputs.residency_config))
    if wave is not None:
        wave_moves(estate, plan, wave, inputs.plan)
    objects = backup_store(inputs, estate)
    store = StateStore.open(inputs.state_url, estate_dir=Path(inputs.estate_dir))
    store.close_dead_runs()  # a killed run is closed as `died` before anything else is journaled
    work_dir = inputs.work_dir or Path(inputs.estate_dir) / "state" / "work"
    work_dir.mkdir(parents=True, exist_ok=True)
    work_dir.chmod(0o700)  # pulled trees, dumps and configs with passwords pass through here
    return Session(estate=estate, plan=plan, store=store, objects=objects, work_dir=work_dir.resolve(),
                   inputs=inputs, profiles=load_profiles(Path(inputs.estate_dir), estate))


def backup_store(inputs: Inputs, estate: Any) -> Any:
    """The backup store on one or two sites, with each agency's key and the lock settings."""
    from migration.backupstore import Retention
    from migration.backupstore.opening import open_backup_store

    return open_backup_store(estate_dir=Path(inputs.estate_dir), agencies={a.id: a.agency for a in estate.apps.values()},
                             endpoint=inputs.s3_endpoint, second=inputs.s3_endpoint_2, bucket=inputs.bucket,
                             keys_file=inputs.keys_file, retention=Retention(inputs.lock_mode, inputs.lock_days))
