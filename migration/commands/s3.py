"""`dcc s3 serve|verify`: a local S3 endpoint on loopback (SeaweedFS, on disk, with object lock)
for the demo and the lab, and an audit that reads every recorded backup back from each site and
checks it against its SHA-256 manifest, showing the server's lock on it."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from migration.commands.migrate import KEYS, S3_2

if TYPE_CHECKING:
    from migration.backupstore import BackupStore
    from migration.state import BackupRecord

s3 = typer.Typer(
    help="Object storage: a local S3 endpoint for the demo, and backup audits.", no_args_is_help=True
)


def register(app: typer.Typer) -> None:
    app.add_typer(s3, name="s3")


@s3.command("serve")
def serve(
    port: Annotated[int, typer.Option("--port", help="TCP port of the S3 API (0 picks a free one).")] = 8333,
    host: Annotated[str, typer.Option("--host", help="Loopback address to listen on.")] = "127.0.0.1",
    data_dir: Annotated[
        Path | None, typer.Option("--dir", help="Folder holding the objects (kept after it stops).")
    ] = None,
    estate: Annotated[
        Path | None, typer.Option("--estate", help="Keep the objects in <estate>/state/s3 (if no --dir).")
    ] = None,
) -> None:
    """Serve an S3 endpoint (SeaweedFS) on loopback until Ctrl-C (or SIGTERM); objects live on disk."""
    import signal

    from migration.backupstore.server import ACCESS_KEY, LocalS3Server
    from migration.errors import InputError
    from migration.untrusted.terminal import console as make_console
    from migration.untrusted.terminal import safe

    if data_dir is None:
        if estate is None:
            raise InputError("say where the objects live: --dir FOLDER or --estate FOLDER", where="--dir")
        if not estate.is_dir():
            raise InputError("estate folder not found", where=str(estate))
        data_dir = estate / "state" / "s3"
    console = make_console()
    stop_on = {signal.SIGINT, signal.SIGTERM}
    signal.pthread_sigmask(signal.SIG_BLOCK, stop_on)
    try:
        with LocalS3Server(host=host, port=port, data_dir=data_dir) as server:
            console.print(f"[green]S3 endpoint[/] {safe(server.endpoint_url)}  (SeaweedFS pid {server.pid}, "
                          f"objects in {safe(str(data_dir))}; access key {ACCESS_KEY}; Ctrl-C stops)")
            signal.sigwait(stop_on)
            console.print("stopping")
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
    bucket: Annotated[str, typer.Option("--bucket", help="Bucket holding the backups.")] = "dcc-backups",
    second: str = S3_2,
    keys_file: Path = KEYS,
) -> None:
    """Read each app's newest backup (or --all) back from every site and check every SHA-256."""
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

    from migration.backupstore.opening import open_backup_store
    from migration.errors import CorruptObject, InputError
    from migration.inventory import load_estate
    from migration.state import StateStore
    from migration.untrusted.terminal import console

    if not estate.is_dir():
        raise InputError("estate folder not found", where=str(estate))
    with StateStore.open(state_url, estate_dir=estate, create=False) as store:
        chosen = _chosen(store.backups(), app_id, every)
    if not chosen:
        raise InputError(f"no backups recorded{f' for app {app_id!r}' if app_id else ''}", where=str(estate))
    agencies = {a.id: a.agency for a in load_estate(estate).apps.values()}
    backups = open_backup_store(estate_dir=estate, agencies=agencies, endpoint=endpoint, second=second,
                                bucket=bucket, keys_file=keys_file, create=False)
    columns = (TextColumn("{task.description}"), BarColumn(), DownloadColumn(), TimeRemainingColumn())
    with Progress(*columns) as bar:
        task = bar.add_task("verifying", total=sum(b.bytes for b in chosen) * len(backups.sites))
        results = [_audit(backups, b, lambda n: bar.advance(task, n)) for b in chosen]
    console().print(_results_table(chosen, results))
    bad = [r for r in results if r[0] is not None]
    if bad:
        raise CorruptObject(
            f"{len(bad)} of {len(chosen)} backups failed verification; first: {bad[0][0]}", key="backups"
        )


def _chosen(backups: list[BackupRecord], app_id: str | None, every: bool) -> list[BackupRecord]:
    mine = [b for b in backups if app_id is None or b.app == app_id]
    if every:
        return mine
    newest = {b.app: b for b in mine}  # backups arrive oldest first, so the last one wins
    return list(newest.values())


def _audit(backups: BackupStore, backup: BackupRecord, advance: Any) -> tuple[str | None, str]:
    """(None if every site's copy checks out, else the first reason; the server's lock as text).
    The audit goes on to the next backup; an unreachable endpoint stops it."""
    from migration.errors import CorruptObject, InputError

    problem, lock = None, "?"
    missing = [site for site in backup.sites if site not in backups.site_names]
    if missing:
        problem = f"recorded on {', '.join(missing)} too, which is not given (--s3-endpoint-2)"
    for index, site in enumerate(backups.sites):
        try:
            backups.verify_tree(backup.prefix, app=backup.app, expected_digest=backup.manifest_sha256,
                                progress=advance, site=index)
            if index == 0:
                mode, until = backups.lock_status(backup.prefix, app=backup.app)
                lock = f"{mode or 'none'} until {until:%Y-%m-%d %H:%M}" if until else (mode or "none")
        except (CorruptObject, InputError) as exc:
            problem = problem or f"{site.name}: {exc.line()}"
    return problem, lock


def _results_table(chosen: list[BackupRecord], results: list[tuple[str | None, str]]) -> Any:
    from rich.table import Table

    from migration.untrusted.terminal import plain


    table = Table(title="Backup audit", title_justify="left")
    for col in ("app", "location", "manifest sha256", "files", "lock (server)", "result"):
        table.add_column(col)
    for b, (problem, lock) in zip(chosen, results, strict=True):
        result = plain("ok", "green") if problem is None else plain(problem, "bold red")
        table.add_row(plain(b.app), plain(f"s3://{b.bucket}/{b.prefix}"), b.manifest_sha256[:16],
                      str(b.objects), plain(lock), result)
    return table
