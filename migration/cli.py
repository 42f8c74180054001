"""The `dcc` command line: assembles the verbs and turns a `DccError` into one line.

This is the only place that prints an error and chooses the exit code.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys

import typer

from migration import __version__, commands
from migration.errors import DccError
from migration.untrusted.terminal import console, safe
from migration.untrusted.text import escape_controls

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


INTERRUPTED = 130  # the exit status of a command stopped by Ctrl-C


def main(argv: list[str] | None = None) -> None:
    """Run the CLI; a `DccError` becomes one red line on stderr and its exit code.

    Click's standalone mode already reports usage errors (exit 2); Ctrl-C ends with one line on
    what to do next (exit 130); everything else that is not a `DccError` is a bug and keeps its
    traceback.
    """
    try:
        app(args=argv)
    except DccError as exc:
        # The line holds the user's and hosts' text: never markup, never an emoji, controls shown.
        console(stderr=True, soft_wrap=True).print(
            f"[bold red]error:[/] {safe(escape_controls(exc.line(), keep_newlines=False))}", markup=True
        )
        sys.exit(exc.exit_code)
    except SystemExit as exc:
        if exc.code == INTERRUPTED:  # typer's answer to Ctrl-C (KeyboardInterrupt), silent otherwise
            console(stderr=True, soft_wrap=True).print(
                "interrupted: `dcc status` shows where each app's run stopped; the same command run again "
                "resumes it, `dcc rollback` returns an app to its source")
        raise
