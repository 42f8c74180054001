"""`dcc s3 serve|verify`: a local S3 endpoint on loopback (moto) for the demo, and an audit that
reads every recorded backup back and checks it against its SHA-256 manifest."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from migration.state import BackupRecord

s3 = typer.Typer(
    help="Object storage: a local S3 endpoint for the demo, and backup audits.", no_args_is_help=True
)


def register(app: typer.Typer) -> None:
    app.add_typer(s3, name="s3")


@s3.command("serve")
def serve(
    port: Annotated[int, typer.Option("--port", help="TCP port to listen on (0 picks a free one).")] = 9000,
    host: Annotated[str, typer.Option("--host", help="Loopback address to listen on.")] = "127.0.0.1",
) -> None:
    """Serve an S3-compatible endpoint on loopback until Ctrl-C (or SIGTERM); buckets live in memory."""
    import signal

    from migration.objectstore_server import LocalS3Server
    from migration.terminal import console as make_console
    from migration.terminal import safe

    console = make_console()
    # The server answers from threads. A signal the kernel hands to one of them does not wake a
    # main thread asleep in time.sleep, so Ctrl-C was sometimes ignored. Block the stop signals
    # before any thread starts (threads inherit the mask) and take them here with sigwait.
    stop_on = {signal.SIGINT, signal.SIGTERM}
    signal.pthread_sigmask(signal.SIG_BLOCK, stop_on)
    try:
        with LocalS3Server(host=host, port=port) as server:
            console.print(
                f"[green]S3 endpoint[/] {safe(server.endpoint_url)}  (path-style; any access key; Ctrl-C stops)"
            )
            signal.sigwait(stop_on)
            console.print("stopped")
    finally:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, stop_on)


@s3.command("verify")
def verify(
    estate: Annotated[
        Path, typer.Option("--estate", help="Estate folder whose state store lists the backups.")
    ],
    endpoint: Annotated[
        str, typer.Option("--s3-endpoint", envvar="DCC_S3_ENDPOINT", help="S3 endpoint URL of the backups.")
    ],
    app_id: Annotated[str | None, typer.Option("--app", help="Audit only this app's backups.")] = None,
    every: Annotated[
        bool, typer.Option("--all", help="Audit every backup, not only each app's newest.")
    ] = False,
    state_url: Annotated[
        str | None,
        typer.Option("--state", "--state-url", envvar="DCC_STATE_URL", help="State store URL (default: the estate's)."),
    ] = None,
) -> None:
    """Read each app's newest backup (or --all) back from storage and check every object's SHA-256."""
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

    from migration.errors import CorruptObject, InputError
    from migration.state import StateStore
    from migration.terminal import console

    if not estate.is_dir():
        raise InputError("estate folder not found", where=str(estate))
    with StateStore.open(state_url, estate_dir=estate, create=False) as store:
        chosen = _chosen(store.backups(), app_id, every)
    if not chosen:
        raise InputError(f"no backups recorded{f' for app {app_id!r}' if app_id else ''}", where=str(estate))
    columns = (TextColumn("{task.description}"), BarColumn(), DownloadColumn(), TimeRemainingColumn())
    with Progress(*columns) as bar:
        task = bar.add_task("verifying", total=sum(b.bytes for b in chosen))
        results = [_audit(endpoint, b, lambda n: bar.advance(task, n)) for b in chosen]
    console().print(_results_table(chosen, results))
    bad = [r for r in results if r is not None]
    if bad:
        raise CorruptObject(
            f"{len(bad)} of {len(chosen)} backups failed verification; first: {bad[0]}", key="backups"
        )


def _chosen(backups: list[BackupRecord], app_id: str | None, every: bool) -> list[BackupRecord]:
    mine = [b for b in backups if app_id is None or b.app == app_id]
    if every:
        return mine
    newest = {b.app: b for b in mine}  # backups arrive oldest first, so the last one wins
    return list(newest.values())


def _audit(endpoint: str, backup: BackupRecord, advance) -> str | None:
    """None if the backup checks out, else the one-line reason (the audit goes on to the next)."""
    from migration.errors import CorruptObject, InputError
    from migration.transfer import ObjectStore

    try:
        ObjectStore(endpoint, backup.bucket).verify_tree(
            backup.prefix, expected_digest=backup.manifest_sha256, progress=advance
        )
    except (CorruptObject, InputError) as exc:  # this backup is broken; an unreachable endpoint is not
        return exc.line()
    return None


def _results_table(chosen: list[BackupRecord], results: list[str | None]):
    from rich.table import Table

    from migration.terminal import plain

    table = Table(title="Backup audit", title_justify="left")
    for col in ("app", "location", "manifest sha256", "objects", "result"):
        table.add_column(col)
    for b, problem in zip(chosen, results, strict=True):
        result = plain("ok", "green") if problem is None else plain(problem, "bold red")
        table.add_row(
            plain(b.app),
            plain(f"s3://{b.bucket}/{b.prefix}"),
            b.manifest_sha256[:16],
            str(b.objects),
            result,
        )
    return table
