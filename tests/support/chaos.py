"""The chaos soak: migrate lab apps with writers on, inject faults at random points, check that
no acknowledged write is lost. Used by `test_chaos_soak.py` (short, in `make test`) and by
`make soak` (longer; DCC_SOAK_ROUNDS, DCC_SOAK_SEED).

Each round: if every app has moved, fail one back (`dcc rollback` after cutover); then run
`dcc migrate` with one fault injected when a randomly chosen step starts; undo the fault; run
`dcc migrate` again (no fault) until the wave succeeds; then check the invariants: every write
answered 2xx is served, no write answered with an error is stored, every app is served from
exactly one place, no run is left `running`. Not a test module.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3

from migration.backupstore.server import ACCESS_KEY, SECRET_KEY
from migration.execution.steps import portal_answer
from migration.lab import LabAccess, faults
from migration.lab.appinstall import db_name, db_password
from tests.support.migrate import session_for
from tests.support.writers import Writers, db_write, http_write, lost_and_wrongly_kept, served_titles

DCC = str(Path(sys.executable).parent / "dcc")
FAULTS = tuple(os.environ.get("DCC_SOAK_FAULTS", "").split(",")) if os.environ.get("DCC_SOAK_FAULTS") else (
    "link-down", "sshd-stop", "kill", "disk-full", "corrupt", "host-key", "none")
STEPS = ("backup", "transfer", "deploy", "verify", "cutover")


@dataclass
class Soak:
    """One soak: a lab, an S3 endpoint, a plan with one wave of `apps`, and the tallies."""

    lab: LabAccess
    estate_name: str
    plan: Path
    endpoint: str
    apps: list[str]
    rng: random.Random
    log: Callable[[str], None] = print
    injected: list[str] = field(default_factory=list)

    @property
    def estate_dir(self) -> Path:
        return self.lab.run_dir / "estate"

    def session(self) -> Any:
        return session_for(self.estate_dir, self.plan, self.endpoint)

    def dcc(self, *args: str, timeout: float = 900) -> subprocess.CompletedProcess[str]:
        return subprocess.run([DCC, *args, "--estate", str(self.estate_dir)], check=False, capture_output=True,
                              text=True, env=self._env(), timeout=timeout)

    def _env(self) -> dict[str, str]:
        return {**os.environ, "DCC_S3_ENDPOINT": self.endpoint, "COLUMNS": "200"}

    # -- writers ------------------------------------------------------------------------

    def writers(self) -> Writers:
        session = self.session()
        fns = {}
        for app in self.apps:
            move = session.move_of(app)
            fns[f"{app}~portal"] = http_write(move.portal.ip, 80, move.service)
            fns[f"{app}~app"] = http_write(move.primary[0].ip, move.port, None)
            if move.db:
                fns[f"{app}~db"] = db_write(move.db[0].ip, db_name(app), db_name(app), db_password(app))
        return Writers(fns, pause=0.1, max_writes=20000, max_seconds=3600)

    # -- one round ----------------------------------------------------------------------

    def round(self, number: int) -> None:
        session = self.session()
        moved = [a for a in self.apps if portal_answer(session.move_of(a), attempts=1)
                 == session.move_of(a).primary[1].id]
        if moved and len(moved) == len(self.apps):
            app = self.rng.choice(moved)
            back = self.dcc("rollback", "--plan", str(self.plan), "--app", app)
            self.log(f"round {number}: failback of {app}: exit {back.returncode}")
            assert back.returncode == 0, back.stdout[-2000:] + back.stderr[-1000:]
        fault = self.rng.choice(FAULTS)
        step = "backup" if fault == "corrupt" else self.rng.choice(STEPS)
        self.injected.append(f"{fault}@{step}")
        hit = self._migrate_with(fault, step)
        self.log(f"round {number}: migrate with fault {fault} at {step}: {hit}")
        for attempt in range(3):
            done = self.dcc("migrate", "--plan", str(self.plan), "--wave", "1")
            self.log(f"round {number}: clean migrate {attempt + 1}: exit {done.returncode}")
            if done.returncode == 0:
                return
        raise AssertionError(f"the wave did not succeed after the fault:\n{done.stdout[-3000:]}{done.stderr[-1000:]}")

    def _migrate_with(self, fault: str, step: str) -> str:
        """Run `dcc migrate` with the fault injected when `step` starts; what happened, in words."""
        before = {r.id for r in self.session().store.runs()}
        proc = subprocess.Popen([DCC, "migrate", "--plan", str(self.plan), "--wave", "1", "--estate",
                                 str(self.estate_dir)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                env=self._env(), start_new_session=True)
        undo: list[Callable[[], None]] = []
        started = None
        try:
            # A corrupted object must be one of this run's backup: injected once that backup is stored.
            started = self._wait_for_step(proc, step, ("ok", "changed") if fault == "corrupt" else ("started",))
            if started and fault != "none":
                undo = self._inject(fault, started, proc)
            proc.wait(timeout=900)
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=30)
            for fn in reversed(undo):
                fn()
        if not started:
            return f"step not reached (exit {proc.returncode})"
        ends = {s.app: f"{s.step} {s.status}" for s in self.session().store.steps()
                if s.run_id not in before and s.step in ("rollback", "failback")}
        return f"injected on {started}; dcc migrate exit {proc.returncode}; rollbacks journaled: {ends or 'none'}"

    def _wait_for_step(self, proc: subprocess.Popen[bytes], step: str, statuses: tuple[str, ...]) -> str | None:
        """The app whose `step` this run journaled in one of `statuses`, or None if the run ended first."""
        session = self.session()
        runs = {r.id for r in session.store.runs()}
        deadline = time.monotonic() + 600
        while proc.poll() is None and time.monotonic() < deadline:
            for s in session.store.steps():
                if s.step == step and s.status in statuses and s.run_id not in runs and s.app in self.apps:
                    return s.app
            time.sleep(0.2)
        return None

    def _inject(self, fault: str, app: str, proc: subprocess.Popen[bytes]) -> list[Callable[[], None]]:
        move = self.session().move_of(app)
        target = self.rng.choice(move.targets)
        name = self.estate_name
        if fault == "kill":
            os.killpg(proc.pid, signal.SIGKILL)
            return []
        if fault == "corrupt":
            self._corrupt_newest_backup(app)
            return []
        if fault == "host-key":
            return [self._change_host_key(target)]
        if fault == "disk-full":
            path = f"/srv/{app}"
            faults.apply(name, target, "disk-full", path)
            return [lambda: faults.apply(name, target, "disk-full", path, off=True)]
        faults.apply(name, target, fault)
        hold = self.rng.uniform(1, 6)
        timer = threading.Timer(hold, lambda: faults.apply(name, target, fault, off=True))
        timer.start()

        def off() -> None:
            timer.cancel()
            faults.apply(name, target, fault, off=True)
        return [off]

    def _corrupt_newest_backup(self, app: str) -> None:
        """Overwrite one object of the app's newest backup behind the pipeline's back (bit rot)."""
        records = [b for b in self.session().store.backups() if b.app == app]
        if not records:
            return
        s3 = boto3.client("s3", endpoint_url=self.endpoint, aws_access_key_id=ACCESS_KEY,
                          aws_secret_access_key=SECRET_KEY, region_name="us-east-1")
        listed = s3.list_objects_v2(Bucket=records[-1].bucket, Prefix=records[-1].prefix + "/")
        keys = [o["Key"] for o in listed.get("Contents", []) if not o["Key"].endswith("manifest.json")]
        if keys:
            s3.put_object(Bucket=records[-1].bucket, Key=self.rng.choice(keys), Body=b"rotten\n")

    def _change_host_key(self, host: str) -> Callable[[], None]:
        """The pinned key of `host` no longer matches what it presents (as after a reinstall)."""
        known = self.lab.known_hosts
        original = known.read_text()
        other = next(line for line in original.splitlines() if line and not line.startswith(f"{host},"))
        swapped = [f"{line.split(' ', 1)[0]} {other.split(' ', 1)[1]}" if line.startswith(f"{host},") else line
                   for line in original.splitlines()]
        known.write_text("\n".join(swapped) + "\n")
        faults.apply(self.estate_name, host, "link-down")  # ends the shared connection that still trusts it
        faults.apply(self.estate_name, host, "link-down", off=True)

        def restore() -> None:
            known.write_text(original)
        return restore

    # -- the invariants -----------------------------------------------------------------

    def check(self, writers: Writers) -> dict[str, int]:
        session = self.session()
        lost_total = wrong_total = 0
        for app in self.apps:
            move = session.move_of(app)
            served = served_titles(move.portal.ip, move.service)
            lost, wrong = lost_and_wrongly_kept(_only(writers, app), served)
            lost_total, wrong_total = lost_total + len(lost), wrong_total + len(wrong)
            assert not lost, f"{app}: {len(lost)} acknowledged write(s) lost, e.g. {sorted(lost)[:5]}"
            assert not wrong, f"{app}: {len(wrong)} refused write(s) stored, e.g. {sorted(wrong)[:5]}"
            self._served_from_one_place(move)
        status = self.dcc("status")
        assert status.returncode == 0 and not [r for r in session.store.runs() if r.status == "running"], \
            "a run was left running"
        return {"acked": len(writers.tally.titles("acked")), "refused": len(writers.tally.titles("refused")),
                "unknown": len(writers.tally.titles("unknown")), "lost": lost_total, "wrongly_kept": wrong_total}

    def _served_from_one_place(self, move: Any) -> None:
        serving = portal_answer(move)
        assert serving in (move.primary[0].id, move.primary[1].id), f"{move.app}: portal answered {serving}"
        other = move.primary[0].id if serving == move.primary[1].id else move.primary[1].id
        running = self.lab.ssh(other, f"/etc/init.d/{move.app} status").returncode == 0
        assert not running, f"{move.app} runs on {other} too, while the portal serves it from {serving}"


def _only(writers: Writers, app: str) -> Any:
    """A tally view holding only `app`'s writes (titles are `<app>~<writer>-<n>`)."""
    from tests.support.writers import Tally

    view = Tally()
    with writers.tally.lock:
        view.outcomes = {t: v for t, v in writers.tally.outcomes.items() if t.startswith(f"{app}~")}
    return view
