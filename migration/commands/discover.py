"""`dcc discover`: read-only facts from every host over SSH, and `dcc discover diff`: declared vs observed.

Facts go to `<estate>/facts/<host>.json`; hosts that fail are listed with the reason and make
the command exit non-zero after the good hosts' facts are stored.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from migration.errors import InputError, RemoteError
from migration.untrusted.terminal import console as make_console
from migration.untrusted.terminal import plain, safe

if TYPE_CHECKING:  # only for annotations: the heavy modules load inside the commands
    from rich.console import Console
    from rich.table import Table

    from migration.access.ssh import SshTarget
    from migration.discovery import HostFacts, HostOutcome, Settings
    from migration.inventory import Estate

discover_app = typer.Typer(
    help="Collect read-only facts from the estate's hosts over SSH (one connection per host), "
         "and compare declared with observed dependencies.",
)

_ESTATE_HELP = "Estate folder, e.g. inventory/lab; facts are stored in its facts/ sub-folder."


def register(app: typer.Typer) -> None:
    app.add_typer(discover_app, name="discover")


@discover_app.callback(invoke_without_command=True)
def discover(
    ctx: typer.Context,
    estate: Annotated[Path | None, typer.Option("--estate", help=_ESTATE_HELP)] = None,
    hosts: Annotated[str, typer.Option("--hosts", help="Only hosts whose id matches this glob, e.g. 'kmk-*'.")] = "*",
    known_hosts: Annotated[Path | None, typer.Option(
        "--known-hosts", help="Pinned host keys (default: known_hosts in the estate's access folder).")] = None,
    identity: Annotated[Path | None, typer.Option(
        "--identity", help="Private key (default: id_ed25519 in the estate's access folder).")] = None,
    user: Annotated[str, typer.Option("--user", help="Remote user.")] = "root",
    accept_new_keys: Annotated[bool, typer.Option(
        "--accept-new-keys",
        help="Record keys of hosts not yet in known_hosts (a changed key is always refused).")] = False,
    concurrency: Annotated[int, typer.Option("--concurrency", min=1, max=256, help="Hosts discovered at once.")] = 16,
    timeout: Annotated[float, typer.Option(
        "--connect-timeout", min=0.5, help="Seconds to connect and handshake.")] = 10.0,
    command_timeout: Annotated[float, typer.Option(
        "--command-timeout", min=1, help="Seconds the fact script may run on one host.")] = 60.0,
    proposals: Annotated[bool, typer.Option(
        "--proposals/--no-proposals",
        help="Write each app's profile proposal to <estate>/profiles/<app>.proposed.yaml.")] = True,
) -> None:
    """Discover hosts: OS, CPU, memory, disks, packages, services, processes, listening ports,
    connections, data folders, databases, cron jobs and users, and propose each app's profile
    (a reviewed profile is never overwritten, only compared). Nothing on a host is changed."""
    if ctx.invoked_subcommand:
        return
    if estate is None:
        raise InputError("missing option --estate (the estate folder)", where="--estate")
    from migration.access.files import AccessFiles, default_dir
    from migration.discovery import Settings, load_all, select_targets
    from migration.inventory import load_estate

    loaded = load_estate(estate)
    files = AccessFiles(default_dir(loaded.name))
    targets = select_targets(loaded, hosts, user, files.addresses())
    settings = Settings(known_hosts=_access(known_hosts, files.known_hosts, "known_hosts", "--known-hosts"),
                        identity=_access(identity, files.identity, "identity", "--identity"), user=user,
                        accept_new_keys=accept_new_keys, concurrency=concurrency, connect_timeout=timeout,
                        command_timeout=command_timeout)
    outcomes = _run(targets, settings, estate / "facts")
    console = make_console()
    console.print(_outcome_table(outcomes))
    facts = load_all(estate / "facts")
    _print_diff(console, loaded, facts)
    if proposals:
        _print_proposals(console, loaded, estate, facts)
    failed = [o for o in outcomes if not o.ok]
    if failed:
        names = ", ".join(f"{o.host} ({o.status})" for o in failed[:5])
        raise RemoteError(f"{len(failed)} of {len(outcomes)} hosts failed: {names}; facts of the others are "
                          f"stored in {estate / 'facts'}", where="discover")


@discover_app.command("diff")
def diff_command(
    estate: Annotated[Path, typer.Option("--estate", help=_ESTATE_HELP)],
    facts: Annotated[Path | None, typer.Option("--facts", help="Facts folder (default: <estate>/facts).")] = None,
) -> None:
    """Compare declared dependencies with those observed in stored facts (no SSH)."""
    from migration.discovery import load_all
    from migration.inventory import load_estate

    folder = facts or estate / "facts"
    found = load_all(folder)
    if not found:
        raise InputError("no facts stored; run `dcc discover --estate ...` first", where=str(folder))
    _print_diff(make_console(), load_estate(estate), found)


def _access(given: Path | None, default: Path, name: str, option: str) -> Path:
    """The file the user named, else the estate's default access file (which must exist)."""
    if given is not None:
        if name == "identity" and not given.is_file():
            raise InputError("identity file not found", where=str(given))
        return given
    if not default.exists():
        raise InputError(f"no default {name} for this estate (its lab is not up); pass {option}", where=option)
    return default


def _run(targets: list[SshTarget], settings: Settings, facts_dir: Path) -> list[HostOutcome]:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from migration.discovery import discover_all

    columns = (TextColumn("discovering"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
               TextColumn("{task.description}"))
    with Progress(*columns, transient=True) as progress:
        task = progress.add_task("", total=len(targets))

        def done(outcome: HostOutcome) -> None:
            progress.update(task, advance=1, description=f"{safe(outcome.host)}: {safe(outcome.status)}")

        return discover_all(targets, settings, done, facts_dir)


def _outcome_table(outcomes: list[HostOutcome]) -> Table:
    from rich.table import Table

    table = Table(title="Discovery", show_lines=False)
    for column in ("host", "status", "os", "listening ports", "connections", "warnings", "seconds", "detail"):
        table.add_column(column, overflow="fold")
    for o in outcomes:
        s = o.summary
        style = "green" if o.ok else "red"
        cells = (s.os, ",".join(map(str, s.ports)), str(s.connections), str(s.warnings)) if s else ("",) * 4
        table.add_row(plain(o.host), plain(o.status, style), *map(plain, cells), f"{o.duration_s:.1f}",
                      plain(o.message))
    return table


def _print_diff(console: Console, estate: Estate, facts: dict[str, HostFacts]) -> None:
    from rich.table import Table

    from migration.discovery import diff

    result = diff(estate, facts)
    table = Table(title="Dependencies: declared vs observed")
    for column in ("from", "to", "kind", "finding"):
        table.add_column(column)
    rows = ([(d, plain("declared, seen", "green")) for d in result.confirmed]
            + [(d, plain("seen, NOT declared", "yellow")) for d in result.undeclared]
            + [(d, plain("declared, never seen", "yellow")) for d in result.unseen]
            + [(d, plain("declared, not verifiable (hosts not discovered)", "dim")) for d in result.unverifiable])
    for dep, finding in rows:
        table.add_row(plain(dep.from_app), plain(dep.to_app), plain(dep.kind or ""), finding)
    for app, kind in result.intra_app:
        table.add_row(plain(app), plain(app), plain(kind), plain("within the app (e.g. its own database)", "blue"))
    for o in result.other:
        table.add_row(plain(o.from_app or f"host {o.from_host or '?'}"),
                      plain(o.to_app or (f"{o.to_host}:{o.to_port}" if o.to_host else o.peer)),
                      plain(o.kind), plain(f"not an app-to-app edge ({o.evidence})", "dim"))
    console.print(table)
    _print_listeners(console, estate, facts)


def _print_listeners(console: Console, estate: Estate, facts: dict[str, HostFacts]) -> None:
    from rich.table import Table

    from migration.discovery.listeners import listener_findings

    findings = listener_findings(estate, facts)
    if not findings:
        console.print("Listeners: every declared app port is listening; no undeclared listeners.")
        return
    table = Table(title="Listeners: inventory vs observed")
    for column in ("host", "port", "app", "process", "finding"):
        table.add_column(column)
    for f in findings:
        table.add_row(plain(f.host), str(f.port), plain(f.app or ""), plain(f.process), plain(f.finding, "yellow"))
    console.print(table)


def _print_proposals(console: Console, estate: Estate, estate_dir: Path, facts: dict[str, HostFacts]) -> None:
    from rich.markup import escape
    from rich.table import Table

    from migration.discovery.proposals import write_proposals

    table = Table(title="Profile proposals (review, then `dcc profile review APP`)")
    for column in ("app", "proposal", "needs review", "reviewed profile", "changes since review"):
        table.add_column(column, overflow="fold")
    notes: list[str] = []
    for o in write_proposals(estate, estate_dir, facts):
        questions = f"[yellow]{o.questions}[/]" if o.questions else "[green]0[/]"
        changed = (f"[yellow]{len(o.changes)}[/] (dcc profile diff {escape(o.app)})" if o.changes else
                   "[green]none[/]") if o.reviewed else "[dim]-[/]"
        table.add_row(escape(o.app), escape(str(o.path)), questions,
                      escape(str(o.reviewed)) if o.reviewed else "[dim]none yet[/]", changed)
        notes += o.notes
    console.print(table)
    for note in notes:
        console.print(f"[yellow]note:[/] {escape(note)}")
