"""`dcc plan` (write the wave plan) and `dcc plan explain APP` (why an app got its strategy and wave)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from migration.errors import InputError

plan_app = typer.Typer(help="Plan migration waves, or explain one app's place in the plan.")

EstateOpt = Annotated[Path | None, typer.Option("--estate", help="Estate folder, e.g. inventory/lab.")]


def register(app: typer.Typer) -> None:
    app.add_typer(plan_app, name="plan")


@plan_app.callback(invoke_without_command=True)
def plan(
    ctx: typer.Context,
    estate: EstateOpt = None,
    out: Annotated[Path, typer.Option("--out", help="Plan file to write (JSON, atomic).")] = Path("plan.json"),
    facts: Annotated[Path | None, typer.Option(
        "--facts", help="Discovery facts folder: plan with declared plus observed dependencies.")] = None,
) -> None:
    """Assess, group and schedule every app of an estate into waves; write the plan file and show each wave."""
    if ctx.invoked_subcommand is not None:
        return
    if estate is None:
        raise InputError("missing option (e.g. dcc plan --estate inventory/lab --out plan.json)", where="--estate")
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from migration.inventory import load_estate
    from migration.plan import make_plan, write_plan
    from migration.plan.summary import wave_table
    from migration.untrusted.terminal import console as make_console
    from migration.untrusted.terminal import safe

    console = make_console()
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                  console=console, transient=True) as progress:
        task = progress.add_task("loading the estate", total=3)
        loaded = load_estate(estate)
        deps = _dependencies(loaded, facts)
        progress.update(task, advance=1, description="assessing and scheduling waves")
        result = make_plan(loaded, deps)
        progress.update(task, advance=1, description=f"writing {safe(out)}")
        write_plan(out, result)
        progress.update(task, advance=1)
    console.print(wave_table(result))
    console.print(f"wrote {safe(out)}", soft_wrap=True)


def _dependencies(estate, facts: Path | None):  # type: ignore[no-untyped-def]
    if facts is None:
        return None
    from migration.discovery.depdiff import merged_dependencies

    return merged_dependencies(estate, facts)


@plan_app.command("explain")
def explain_command(
    app_id: Annotated[str, typer.Argument(metavar="APP", help="App id, e.g. lapor-bogor.")],
    plan_file: Annotated[Path | None, typer.Option("--plan", help="Plan file written by `dcc plan`.")] = None,
    estate: EstateOpt = None,
    accept_plan_mismatch: Annotated[bool, typer.Option(
        "--accept-plan-mismatch", help="With --plan and --estate: use a plan made for another estate or an "
                                       "older inventory, on purpose.")] = False,
) -> None:
    """Why APP got its strategy (rule), its move group and its wave (the constraints and dependencies)."""
    from migration.inventory import load_estate
    from migration.plan import explain, make_plan
    from migration.plan.reader import read_plan
    from migration.untrusted.terminal import console, safe
    from migration.untrusted.text import escape_controls

    if plan_file is None and estate is None:
        raise InputError("give --plan FILE or --estate DIR", where="dcc plan explain")
    bound = load_estate(estate) if estate is not None else None
    if plan_file is not None:
        err = console(stderr=True)
        loaded = read_plan(plan_file, bound, accept_mismatch=accept_plan_mismatch,
                           on_accept=lambda line: err.print(f"[yellow]warning:[/] {safe(line)}", soft_wrap=True))
    else:
        assert bound is not None
        loaded = make_plan(bound)
    console(markup=False).print(escape_controls("\n".join(explain(loaded, app_id))))
