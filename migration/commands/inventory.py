"""`dcc inventory validate|show|generate`: check an estate, summarise it, or write the national sample."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from migration.errors import InputError

inventory = typer.Typer(help="Validate, summarise or generate an estate inventory.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(inventory, name="inventory")


@inventory.command("validate")
def validate(estate: Annotated[Path, typer.Argument(help="Estate folder, e.g. inventory/lab.")]) -> None:
    """Check every file of an estate; print each problem as `file:line: field: message` (exit 2 if any)."""
    from migration.inventory import check_estate
    from migration.untrusted.terminal import console, safe
    from migration.untrusted.text import escape_controls

    found, problems = check_estate(estate)
    if problems:
        err = console(stderr=True, markup=False, soft_wrap=True)
        for line in problems:
            err.print(escape_controls(line, keep_newlines=False))
        raise InputError(f"{len(problems)} error{'s' if len(problems) != 1 else ''} in the inventory",
                         where=str(estate))
    assert found is not None
    console(soft_wrap=True).print(
        f"[green]ok[/] {safe(estate)}: {len(found.agencies)} agencies, {len(found.datacenters)} data centers, "
        f"{len(found.hosts)} hosts, {len(found.apps)} apps, {len(found.dependencies)} dependencies")


@inventory.command("show")
def show(estate: Annotated[Path, typer.Argument(help="Estate folder, e.g. inventory/lab.")]) -> None:
    """Summarise an estate: counts per data-center kind, host role, app criticality and data class."""
    from migration.inventory import load_estate
    from migration.inventory.summary import summary_table
    from migration.untrusted.terminal import console

    console().print(summary_table(load_estate(estate)))


@inventory.command("generate")
def generate(
    out: Annotated[Path, typer.Option("--out", help="Folder to write the estate into.")] = Path("inventory/national"),
    seed: Annotated[int | None, typer.Option("--seed", help="Random seed (default: generate.yaml's, else 2024).")]
    = None,
    scale: Annotated[float | None, typer.Option("--scale", help="Size factor: 1.0 is national (~60,000 hosts).")]
    = None,
) -> None:
    """Write a reproducible national-scale sample estate (same seed and scale, byte-identical files)."""
    from migration.inventory.generate import GenerateSettings, write_estate
    from migration.untrusted.terminal import console, safe

    settings = GenerateSettings.from_folder(out).override(seed=seed, scale=scale)
    counts = write_estate(out, settings)
    parts = ", ".join(f"{n} {name}" for name, n in counts.items())
    console(soft_wrap=True).print(f"[green]wrote[/] {safe(out)} (seed {settings.seed}, scale {settings.scale:g}): {parts}")
