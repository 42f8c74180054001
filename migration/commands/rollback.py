"""`dcc rollback --app X`: return one app to its legacy host and route the portal back to it."""

from __future__ import annotations

from pathlib import Path

import typer

from migration.commands.migrate import ACCEPT, BUCKET, ESTATE, KEYS, PLAN, S3, S3_2, STATE, warn_accepted


def register(app: typer.Typer) -> None:
    app.command("rollback")(rollback)


def rollback(
    app_id: str = typer.Option(..., "--app", help="App id to roll back."),
    estate: Path = ESTATE,
    plan: Path = PLAN,
    s3_endpoint: str = S3,
    bucket: str = BUCKET,
    state: str = STATE,
    s3_endpoint_2: str = S3_2,
    backup_keys: Path = KEYS,
    accept_plan_mismatch: bool = ACCEPT,
) -> None:
    """Start the app on its source (data back from retention if decommissioned), route the portal to it, stop the target."""
    from migration.commands.migrate import say_leftovers
    from migration.errors import MigrationFailed
    from migration.execution.orchestrator import rollback_app
    from migration.execution.session import Inputs, open_session
    from migration.untrusted.terminal import console, safe

    session = open_session(Inputs(estate, plan, s3_endpoint, bucket, state, s3_endpoint_2=s3_endpoint_2,
                                  keys_file=backup_keys, accept_mismatch=accept_plan_mismatch,
                                  on_accept=warn_accepted,
                                  residency=True))  # a failback writes a backup: the residency rule applies
    move = session.move_of(app_id)
    run_id = session.store.start_run(session.estate.name, move.wave)
    say_leftovers(console(), session.work_dir)
    with console().status(f"rolling back {safe(app_id)}"):
        result = rollback_app(session.context(run_id, wave=move.wave), move)
    session.store.finish_run(run_id, "succeeded" if result.status == "rolled_back" else "failed")
    if result.status != "rolled_back":
        raise MigrationFailed(f"rollback of {app_id} incomplete: {result.message}", where=app_id)
    console().print(f"[yellow]rolled back[/] {safe(app_id)}: the portal serves it from {safe(move.primary[0].id)} "
                    "again")
