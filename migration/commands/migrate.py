"""`dcc migrate --wave N`: move every app of a planned wave to the national data center.

Shows a progress bar over (app, step) and a summary table; a failed app exits non-zero after
the table (its journal and evidence are in the state store).
"""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Any

import typer

ESTATE = typer.Option(..., "--estate", help="Estate folder, e.g. inventory/lab.")
PLAN = typer.Option(..., "--plan", help="Plan file written by `dcc plan`.")
S3 = typer.Option(None, "--s3-endpoint", envvar="DCC_S3_ENDPOINT", help="S3-compatible endpoint for backups.")
BUCKET = typer.Option("dcc-backups", "--bucket", help="Bucket holding the backups.")
STATE = typer.Option(None, "--state", help="State store URL (default sqlite in <estate>/state/).")
S3_2 = typer.Option(None, "--s3-endpoint-2", envvar="DCC_S3_ENDPOINT_2",
                    help="Second site's S3 endpoint: every backup is written to both, cutover needs both verified.")
KEYS = typer.Option(None, "--backup-keys", envvar="DCC_BACKUP_KEYS",
                    help="File of each agency's backup key (`agency: <base64 32 bytes>` per line; default: "
                         "<estate>/state/keys/backup.keys, created for the lab).")
LOCK_MODE = typer.Option("COMPLIANCE", "--lock-mode", envvar="DCC_BACKUP_LOCK_MODE", case_sensitive=False,
                         help="Object lock on backups: COMPLIANCE (production) or GOVERNANCE (lab).")
LOCK_DAYS = typer.Option(30, "--lock-days", envvar="DCC_BACKUP_LOCK_DAYS", min=1,
                         help="Days each backup object is locked.")
ACCEPT = typer.Option(False, "--accept-plan-mismatch",
                      help="Use a plan made for another estate or an older inventory, on purpose.")
RESIDENCY = typer.Option(None, "--residency-config",
                         help="Pulumi.<stack>.yaml whose dcc:storageAllowList backups must stay on "
                              "(default: storage_allow_list in the estate's estate.yaml).")


def warn_accepted(line: str) -> None:
    """Say on stderr that a mismatched plan is used on purpose (--accept-plan-mismatch)."""
    from migration.untrusted.terminal import console, safe

    console(stderr=True).print(f"[yellow]warning:[/] {safe(line)}", soft_wrap=True)


class DataPath(str, Enum):
    rsync = "rsync"
    ansible = "ansible"


DATA_PATH = typer.Option(
    "rsync", "--data-path", case_sensitive=False,
    help="How bytes move between hosts and this machine: rsync over SSH, or Ansible's own modules "
         "(tar, fetch, unarchive) for legacy hosts without rsync (slower).")


def register(app: typer.Typer) -> None:
    app.command("migrate")(migrate)


def migrate(
    estate: Path = ESTATE,
    plan: Path = PLAN,
    wave: int = typer.Option(..., "--wave", help="Wave number from the plan."),
    batch_size: int = typer.Option(5, "--batch-size", min=1, help="Source hosts per batch."),
    max_failures: int = typer.Option(1, "--max-failures", min=1,
                                     help="Stop before the next batch once this many apps failed."),
    retain_days: int = typer.Option(30, "--retain-days", min=0, help="Days a decommissioned source's data is kept."),
    data_path: DataPath = DATA_PATH,
    s3_endpoint: str = S3,
    bucket: str = BUCKET,
    state: str = STATE,
    s3_endpoint_2: str = S3_2,
    backup_keys: Path = KEYS,
    lock_mode: str = LOCK_MODE,
    lock_days: int = LOCK_DAYS,
    accept_plan_mismatch: bool = ACCEPT,
    residency_config: Path = RESIDENCY,
) -> None:
    """Back up, transfer, deploy, verify, cut over and decommission each app of wave N (resumable).

    Wave 1 also retires the plan's replaced and retired apps: verified backup, route redirected to
    the shared service, source decommissioned.
    """
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from migration.errors import MigrationFailed
    from migration.execution.orchestrator import migrate_wave
    from migration.execution.session import Inputs, open_session
    from migration.untrusted.terminal import console as make_console
    from migration.untrusted.terminal import safe

    session = open_session(Inputs(estate, plan, s3_endpoint, bucket, state, s3_endpoint_2=s3_endpoint_2,
                                  keys_file=backup_keys, lock_mode=lock_mode.upper(), lock_days=lock_days,
                                  accept_mismatch=accept_plan_mismatch, on_accept=warn_accepted,
                                  residency=True, residency_config=residency_config), wave)
    # Replaced and retired apps leave in the wave the planner counts them in (wave 1).
    moves = session.moves(wave) + session.retirements(wave)
    total = sum(len(m.steps) for m in moves)
    run_id = session.store.start_run(session.estate.name, wave)
    ctx = session.context(run_id, wave=wave, retain_days=retain_days, data_path=data_path.value)
    console = make_console()
    say_leftovers(console, session.work_dir)
    columns = (TextColumn("[bold]wave {task.fields[wave]}[/]"), BarColumn(), MofNCompleteColumn(),
               TextColumn("{task.description}"), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=False) as bar:
        task = bar.add_task("starting", total=total, wave=wave)

        def notify(app: str, step: str, status: str) -> None:
            if step != "rollback" and status != "started":
                bar.advance(task)
            bar.update(task, description=f"{safe(app)}: {safe(step)} {safe(status)}")
        report = migrate_wave(ctx, moves, batch_size=batch_size, max_failures=max_failures, notify=notify)
        bar.update(task, completed=total, description="done")
    session.store.finish_run(run_id, report.status)
    console.print(summary_table(report))
    if report.failed or report.stopped_early:
        names = ", ".join(a.app for a in report.failed) or "none"
        raise MigrationFailed(f"wave {wave}: {len(report.failed)} app(s) failed ({names}); "
                              f"see `dcc status` and the table above", where=str(plan))


def say_leftovers(console: Any, work_dir: Path) -> None:
    """Tell the user why the run waits before it starts (the orchestrator does the waiting)."""
    from migration.execution.runner import leftover_playbooks

    pids = leftover_playbooks(work_dir)
    if pids:
        console.print(f"[yellow]waiting[/] for a playbook an interrupted run left running "
                      f"(pids {' '.join(map(str, pids))}) to finish before starting")


STYLE = {"migrated": "green", "unchanged": "cyan", "rolled_back": "yellow", "failed": "red",
         "not_started": "dim"}


def summary_table(report: Any) -> Any:
    from rich.table import Table

    from migration.untrusted.terminal import plain, safe

    table = Table(title=f"wave {report.wave} (run {report.run_id}): {safe(report.status)}")
    for col in ("app", "result", "failed step", "changed steps", "detail"):
        table.add_column(col)
    for a in report.apps:
        style = STYLE.get(a.status, "")
        table.add_row(plain(a.app), plain(a.status, style), plain(a.step), str(a.changed_steps),
                      plain(a.message[:120]))
    return table
