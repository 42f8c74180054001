"""`dcc status`: what the state store says about runs, waves, hosts x steps, evidence and backups.

Read-only: it never creates a store; with none yet it says so in one line.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from rich.table import Table
    from rich.text import Text

    from migration.state import BackupRecord, Evidence, RunRecord, StepRecord

COLORS = {
    "ok": "green",
    "changed": "cyan",
    "started": "yellow",
    "failed": "bold red",
    "skipped": "dim",
    "rolled_back": "magenta",
    "running": "yellow",
    "succeeded": "green",
    "partial": "bold yellow",
    "died": "bold red",
}
SHORT_STEP = {
    "preflight": "pre",
    "backup": "bak",
    "transfer": "xfr",
    "deploy": "dep",
    "verify": "ver",
    "cutover": "cut",
    "decommission": "dec",
    "rollback": "rb",
    "failback": "fb",
}
SHORT_STATUS = {
    "changed": "chg",
    "started": "run",
    "failed": "FAIL",
    "skipped": "skip",
    "rolled_back": "back",
}
WIDE = 150  # below this many columns the steps table uses short names


def register(app: typer.Typer) -> None:
    app.command("status")(status)


def status(
    estate: Annotated[
        Path,
        typer.Option(
            "--estate", help="Estate folder, e.g. inventory/lab (its store: <estate>/state/dcc.sqlite)."
        ),
    ],
    wave: Annotated[int | None, typer.Option("--wave", help="Show only this wave.")] = None,
    app_id: Annotated[str | None, typer.Option("--app", help="Show only this app.")] = None,
    state_url: Annotated[
        str | None,
        typer.Option(
            "--state",
            "--state-url",
            envvar="DCC_STATE_URL",
            help="State store URL (e.g. postgresql+psycopg://...); default: the estate's SQLite file.",
        ),
    ] = None,
) -> None:
    """Show runs, every host's pipeline steps (latest status), verification evidence and backups."""
    from migration.errors import InputError
    from migration.state import StateStore
    from migration.untrusted.terminal import console as make_console
    from migration.untrusted.terminal import safe

    if not estate.is_dir():
        raise InputError("estate folder not found", where=str(estate))
    with StateStore.open(state_url, estate_dir=estate, create=False) as store:
        store.close_dead_runs()  # a run whose process was killed shows as `died`, not `running`
        steps = store.steps(wave=wave, app=app_id)
        run_ids = {s.run_id for s in steps}
        runs = [
            r
            for r in store.runs()
            if (wave is None or r.wave == wave) and (app_id is None or r.id in run_ids)
        ]
        apps = {s.app for s in steps} if wave is not None else None
        evidence = [e for e in store.evidence(app=app_id) if apps is None or e.app in apps]
        backups = [
            b
            for b in store.backups()
            if (app_id is None or b.app == app_id) and (apps is None or b.app in apps)
        ]
    console = make_console()
    console.print(f"[bold]state store[/] {safe(store.url)}")
    compact = console.width < WIDE
    for table in (
        runs_table(runs),
        steps_table(steps, compact=compact),
        evidence_table(evidence),
        backups_table(backups),
    ):
        console.print(table)


def _esc(text: str, style: str = "") -> Text:
    """Journal text is data, never rich markup or emoji (a check named `[red]x` prints as written)."""
    from migration.untrusted.terminal import plain

    return plain(text, style)


def _when(at: datetime | None) -> str:
    return at.strftime("%Y-%m-%d %H:%M:%S") if at else "-"


def _colored(status: str, compact: bool = False) -> Text:
    from migration.untrusted.terminal import plain

    label = SHORT_STATUS.get(status, status) if compact else status
    return plain(label, COLORS.get(status, "white"))


def runs_table(runs: list[RunRecord]) -> Table:
    from rich.table import Table

    table = Table(title="Runs", title_justify="left")
    for col in ("run", "estate", "wave", "started (UTC)", "ended (UTC)", "status"):
        table.add_column(col)
    for r in runs:
        table.add_row(
            str(r.id), _esc(r.estate), str(r.wave), _when(r.started_at), _when(r.ended_at), _colored(r.status)
        )
    if not runs:
        table.add_row("-", "no runs yet", "", "", "", "")
    return table


def latest_by_host(steps: list[StepRecord]) -> dict[tuple[int, str, str], dict[str, StepRecord]]:
    """(wave, app, host) -> step -> its newest journal line (steps arrive oldest first)."""
    grid: dict[tuple[int, str, str], dict[str, StepRecord]] = {}
    for s in steps:
        grid.setdefault((s.wave, s.app, s.host), {})[s.step] = s
    return grid


def steps_table(steps: list[StepRecord], *, compact: bool = False) -> Table:
    """One row per host; `compact` (narrow terminals) uses short step and status names, with a legend."""
    from rich import box
    from rich.table import Table

    from migration.state import STEPS

    narrow: dict[str, Any] = (
        {
            "box": box.SIMPLE_HEAD,
            "pad_edge": False,
            "show_edge": False,
            "padding": 0,
            "collapse_padding": True,
        }
        if compact
        else {}
    )
    table = Table(title="Hosts x steps (latest status)", title_justify="left", **narrow)
    heads = [SHORT_STEP[s] for s in STEPS] if compact else list(STEPS)
    for col in ("w" if compact else "wave", "app", "host", *heads):
        table.add_column(col, no_wrap=col in heads)
    table.add_column("last (UTC)" if compact else "last change (UTC)")
    if compact:
        table.caption = "  ".join(f"{v}={k}" for k, v in {**SHORT_STEP, **SHORT_STATUS}.items())
    grid = latest_by_host(steps)
    for (wave, app, host), by_step in sorted(grid.items()):
        cells = [_colored(by_step[s].status, compact) if s in by_step else "[dim]·[/]" for s in STEPS]
        last = max(r.at for r in by_step.values())
        table.add_row(
            str(wave), _esc(app), _esc(host), *cells, last.strftime("%H:%M:%S") if compact else _when(last)
        )
    if not grid:
        table.add_row("-", "no steps journaled", *[""] * (len(STEPS) + 2))
    return table


def evidence_table(evidence: list[Evidence]) -> Table:
    from rich.table import Table

    table = Table(title="Verification evidence", title_justify="left")
    for col in ("app", "host", "passed", "failed checks", "latest (UTC)"):
        table.add_column(col)
    per_host: dict[tuple[str, str], dict[str, Evidence]] = {}
    for e in evidence:
        per_host.setdefault((e.app, e.host), {})[e.check] = e  # newest result of each check wins
    for (app, host), checks in sorted(per_host.items()):
        failed = sorted(c for c, e in checks.items() if not e.passed)
        passed = f"{len(checks) - len(failed)}/{len(checks)}"
        table.add_row(
            _esc(app),
            _esc(host),
            f"[{'red' if failed else 'green'}]{passed}[/]",
            _esc(", ".join(failed), "red") if failed else "-",
            _when(max(e.at for e in checks.values())),
        )
    if not per_host:
        table.add_row("-", "no evidence yet", "", "", "")
    return table


def _size(n: int) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024  # type: ignore[assignment]
    return str(n)


def backups_table(backups: list[BackupRecord]) -> Table:
    from rich.table import Table

    table = Table(title="Backups", title_justify="left")
    for col in ("app", "location", "manifest sha256", "objects", "size", "taken (UTC)", "restore verified"):
        table.add_column(col)
    for b in backups:
        proven = (
            _esc(f"{b.restore_verified_on or ''} at {_when(b.restore_verified_at)}", "green")
            if b.restore_verified_at
            else "[bold red]not proven[/]"
        )
        table.add_row(
            _esc(b.app),
            _esc(f"s3://{b.bucket}/{b.prefix}"),
            b.manifest_sha256[:16],
            str(b.objects),
            _size(b.bytes),
            _when(b.taken_at),
            proven,
        )
    if not backups:
        table.add_row("-", "no backups recorded", "", "", "", "", "")
    return table
