"""`dcc s3 serve`: a local S3 endpoint on loopback (moto) for the demo and the lab's backups."""

from __future__ import annotations

from typing import Annotated

import typer

s3 = typer.Typer(help="Local object storage for the demo (S3 API on loopback).", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(s3, name="s3")


@s3.command("serve")
def serve(
    port: Annotated[int, typer.Option("--port", help="TCP port to listen on (0 picks a free one).")] = 9000,
    host: Annotated[str, typer.Option("--host", help="Loopback address to listen on.")] = "127.0.0.1",
) -> None:
    """Serve an S3-compatible endpoint on loopback until Ctrl-C; buckets live in memory."""
    import time

    from rich.console import Console

    from migration.objectstore_server import LocalS3Server

    console = Console(highlight=False)
    with LocalS3Server(host=host, port=port) as server:
        try:  # the announcement is inside: a Ctrl-C right after it still stops cleanly
            console.print(
                f"[green]S3 endpoint[/] {server.endpoint_url}  (path-style; any access key; Ctrl-C stops)"
            )
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            console.print("stopped")
