"""`dcc validate`: check rendered manifests against the strict Kubernetes schemas and the policy pack.

Prints a table per check and exits non-zero on any violation, naming the file and the object.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Annotated

import typer

from migration.errors import InputError, ManifestsInvalid


def register(app: typer.Typer) -> None:
    app.command("validate")(validate)


def validate(
    folder: Annotated[Path, typer.Argument(help="Folder written by `dcc render` (its policy-config.json is used).")],
    show: Annotated[int, typer.Option("--show", help="How many violations to list (all are counted).")] = 20,
) -> None:
    """Validate every object: official schemas in strict mode (CRDs: our own schemas), then every policy."""
    from rich.table import Table

    from migration.untrusted.terminal import console as make_console
    from migration.untrusted.terminal import safe
    from migration.untrusted.text import escape_controls
    from stacks.manifests import bulk, read_manifests, read_policy_config
    from stacks.policy.policies import RESOURCE_POLICIES, STACK_POLICIES
    from stacks.validation import check_objects

    ctx = read_policy_config(folder)
    if ctx is None:
        raise InputError("no policy-config.json here; validate a folder written by `dcc render`", where=str(folder))
    console = make_console()
    with bulk(), console.status(f"reading {safe(folder)}"):
        objects = read_manifests(folder)
    with bulk(), console.status(f"checking {len(objects)} objects: schemas and policies"):
        count, findings = check_objects(objects, ctx)
    by_check = Counter(f.check for f in findings)
    table = Table(title=f"dcc validate {safe(folder)}: {count} objects")
    table.add_column("check")
    table.add_column("violations", justify="right")
    for name in ["schema", *(p.name for p in RESOURCE_POLICIES), *(p.name for p in STACK_POLICIES)]:
        n = by_check.get(name, 0)
        table.add_row(name, f"[red]{n}[/]" if n else "[green]0[/]")
    console.print(table)
    for f in findings[:show]:
        console.print(escape_controls(f"{f.source}: {f.ref}: {f.check}: {f.message}", keep_newlines=False),
                      markup=False)
    if findings:
        first = findings[0]
        raise ManifestsInvalid(f"{len(findings)} violation(s); first: {first.ref}: {first.check}: {first.message}",
                               where=first.source)
