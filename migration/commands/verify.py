"""`dcc verify`: run the testinfra checks for the apps of a wave (or one app) and store the evidence."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from migration.commands.migrate import ACCEPT, BUCKET, ESTATE, KEYS, PLAN, S3, S3_2, STATE, warn_accepted


def register(app: typer.Typer) -> None:
    app.command("verify")(verify)


def verify(
    estate: Path = ESTATE,
    plan: Path = PLAN,
    wave: int = typer.Option(None, "--wave", help="Check every app of this wave."),
    app_id: str = typer.Option(None, "--app", help="Check only this app."),
    s3_endpoint: str = S3,
    bucket: str = BUCKET,
    state: str = STATE,
    s3_endpoint_2: str = S3_2,
    backup_keys: Path = KEYS,
    accept_plan_mismatch: bool = ACCEPT,
) -> None:
    """Check service, port, health, data manifest and DB row counts on the targets; store evidence."""
    from migration.errors import InputError, MigrationFailed
    from migration.execution.session import Inputs, open_session
    from migration.execution.steps import expected_for, target_of
    from migration.execution.steps import failed as outcome_of
    from migration.untrusted.terminal import console
    from migration.verify import CheckResult, verify_guarded

    if wave is None and app_id is None:
        raise InputError("say which apps: --wave N or --app X", where="--wave")
    session = open_session(Inputs(estate, plan, s3_endpoint, bucket, state, s3_endpoint_2=s3_endpoint_2,
                                  keys_file=backup_keys, accept_mismatch=accept_plan_mismatch,
                                  on_accept=warn_accepted))
    moves = [session.move_of(app_id)] if app_id else session.moves(wave)
    run_id = session.store.start_run(session.estate.name, moves[0].wave if moves else 0)
    ctx = session.context(run_id)
    rows = []
    with console().status("verifying"):
        for move in moves:
            try:
                results = verify_guarded(target_of(move), ctx.access.ssh_config, expected_for(ctx, move))
            except Exception as exc:  # noqa: BLE001 - e.g. the backup cannot be read: a failed check, one line
                results = [CheckResult("expectations", move.primary[1].id, False, "the backup to compare with",
                                       str(outcome_of(exc).detail["error"]))]
            for r in results:
                session.store.add_evidence(run_id, move.app, r.host, r.check, r.passed, r.detail())
                rows.append((move.app, r))
    failed = [f"{a}/{r.check}" for a, r in rows if not r.passed]
    session.store.finish_run(run_id, "failed" if failed else "succeeded")
    console().print(checks_table(rows))
    if failed:
        raise MigrationFailed(f"{len(failed)} check(s) failed: {', '.join(failed[:5])}", where=str(plan))


def checks_table(rows: list[tuple[str, Any]]) -> Any:
    from rich.table import Table

    from migration.untrusted.terminal import plain

    table = Table(title="verification")
    for col in ("app", "host", "check", "result", "got"):
        table.add_column(col)
    for app, r in rows:
        mark = plain("pass", "green") if r.passed else plain("FAIL", "red")
        table.add_row(plain(app), plain(r.host), plain(r.check), mark, plain(r.got[:80]))
    return table
