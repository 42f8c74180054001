"""`dcc lab up|down|status|exec|fault|boot`: the lab of real legacy hosts (needs root).

Verbs stay thin: they call `migration.lab` and show rich progress and tables.
"""

from __future__ import annotations

import os
from pathlib import Path

import typer
from rich.table import Table
from rich.text import Text

from migration.untrusted.terminal import console, plain, safe

lab_app = typer.Typer(help="The lab: real hosts in network namespaces with sshd, sample apps and faults.",
                      no_args_is_help=True)
DEFAULT_ESTATE = Path("inventory/lab")
_ESTATE_DIR = typer.Argument(DEFAULT_ESTATE, help="Estate folder (inventory format).")
_CMD = typer.Argument(..., help="Command to run inside the host (after --).")


def _require_root() -> None:
    from migration.lab.lifecycle import require_root

    require_root()


def _estate_name(value: str) -> str:
    """Accept an estate name or an estate folder (whose estate.yaml names it)."""
    from migration.lab import estate

    return estate.load(value).name if (Path(value) / "estate.yaml").exists() else value


@lab_app.command("up")
def up(estate_dir: Path = _ESTATE_DIR) -> None:
    """Start every host of ESTATE_DIR (base image built and cached on first use) and write access files."""
    _require_root()
    import time

    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from migration import lab
    from migration.lab import base, estate

    estate.load(estate_dir)  # a bad estate fails in one line before any base build
    start = time.monotonic()
    with Progress(TextColumn("[bold]lab up"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  TextColumn("{task.description}"), transient=True) as bar:
        task = bar.add_task("", total=None)

        def show(msg: str, done: int, total: int) -> None:
            bar.update(task, description=safe(msg[-70:]), completed=done, total=total or None)

        img = base.ensure_base(lambda line: show(line, 0, 0))
        acc = lab.up(estate_dir, show)
    if img.built_seconds is not None:
        console().print(f"built the base image in {img.built_seconds:.0f} s: {safe(img.tarball)}")
    console().print(f"[green]lab {safe(repr(acc.estate))} up[/] in {time.monotonic() - start:.1f} s; "
                    f"access files in {safe(acc.ssh_config.parent)}")
    _print_status(acc.estate)


@lab_app.command("down")
def down(estate: str = typer.Argument("lab", help="Estate name (or folder)."),
         all_: bool = typer.Option(False, "--all", help="Tear down every estate on this machine.")) -> None:
    """Stop an estate and remove its namespaces, mounts, links, nft table and run dir."""
    _require_root()
    from migration.lab import cleanup, state

    names = state.all_estates() if all_ else [_estate_name(estate)]
    for name in names:
        cleanup.down(name)
        console().print(f"lab {safe(repr(name))} down")


def _print_status(name: str) -> None:
    from migration.lab import lifecycle

    table = Table(title=f"lab {safe(name)}")
    for col in ("host", "role", "data center", "ip", "state", "sshd", "apps"):
        table.add_column(col, overflow="fold")
    for h in lifecycle.status(name):
        apps = Text(", ").join(Text.assemble(plain(f"{a}:"), plain(s, "green" if s == "ok" else "red"))
                               for a, s in h.apps)
        table.add_row(plain(h.id), plain(h.role), plain(h.datacenter), plain(h.ip),
                      plain("up", "green") if h.up else plain("down", "red"),
                      plain("yes", "green") if h.sshd else plain("no", "red"), apps)
    console().print(table)


@lab_app.command("status")
def status(estate: str = typer.Argument("lab", help="Estate name (or folder).")) -> None:
    """Show each host: role, data center, ip, up/down, sshd, and its apps' health."""
    _require_root()
    _print_status(_estate_name(estate))


@lab_app.command("exec", context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def exec_(estate: str = typer.Argument(..., help="Estate name."),
          host: str = typer.Argument(..., help="Host id."),
          cmd: list[str] = _CMD) -> None:
    """Run a command inside a host (nsenter into its namespaces and root): lab exec lab kmk-web1 -- ps -e."""
    _require_root()
    from migration.lab import hosts, lifecycle
    from migration.lab.run import CLEAN_ENV

    name = _estate_name(estate)
    lifecycle.load_running(name).host(host)
    argv = hosts.nsenter_argv(lifecycle.host_init_pid(name, host)) + cmd
    os.execvpe(argv[0], argv, CLEAN_ENV)


@lab_app.command("boot")
def boot(estate: str = typer.Argument(..., help="Estate name."),
         host: str = typer.Argument(..., help="Host id to (re)start on its own upper dir.")) -> None:
    """Boot one host again (e.g. after a crash fault), keeping its data."""
    _require_root()
    from migration.lab import faults

    faults.boot(_estate_name(estate), host)
    console().print(f"{safe(host)} booted")


@lab_app.command("fault")
def fault(estate: str = typer.Argument(..., help="Estate name."),
          host: str = typer.Argument(..., help="Host id."),
          kind: str = typer.Argument(..., help="link-down | link-up | loss | delay | sshd-stop | crash | disk-full"),
          value: str = typer.Argument("", help="loss: percent (default 100); delay: rate e.g. 1mbit; "
                                           "disk-full: path inside the host (default: its app's data dir)"),
          off: bool = typer.Option(False, "--off", help="Undo the fault (link up, loss/delay/disk-full off, "
                                                       "sshd start).")) -> None:
    """Inject (or with --off undo) a fault on one host."""
    _require_root()
    from migration.lab import faults

    msg = faults.apply(_estate_name(estate), host, kind, value or None, off=off)
    console().print(safe(msg))


def register(app: typer.Typer) -> None:
    app.add_typer(lab_app, name="lab")
