"""The `dcc` command line: assembles the verbs and turns a `DccError` into one line.

This is the only place that prints an error and chooses the exit code.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys

import typer
from rich.console import Console

from migration import __version__, commands
from migration.errors import DccError

app = typer.Typer(
    name="dcc",
    help="Data-center consolidation: know the estate, plan waves, migrate with no data lost, close data centers.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"dcc {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Print the version."),
) -> None:
    """Data-center consolidation toolkit."""


def _register_verbs() -> None:
    for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{commands.__name__}.{info.name}")
        module.register(app)


_register_verbs()


def main(argv: list[str] | None = None) -> None:
    """Run the CLI; a `DccError` becomes one red line on stderr and its exit code."""
    err = Console(stderr=True, highlight=False, soft_wrap=True)
    try:
        rc = app(args=argv, standalone_mode=False)
    except DccError as exc:
        err.print(f"[bold red]error:[/] {exc.line()}", markup=True)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        err.print("[red]interrupted[/]")
        sys.exit(130)
    except SystemExit:
        raise
    except Exception as exc:  # click's own usage errors arrive here in non-standalone mode
        import click

        if isinstance(exc, click.exceptions.ClickException):
            exc.show()
            sys.exit(exc.exit_code)
        if isinstance(exc, click.exceptions.Abort):
            sys.exit(1)
        raise
    sys.exit(rc if isinstance(rc, int) else 0)
