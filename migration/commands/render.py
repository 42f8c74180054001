"""`dcc render`: write every tenant's and migrated app's Kubernetes manifests, without Pulumi.

Same builders as the stacks, so what is reviewed here is what `pulumi up` applies.
Secrets are written as `secretref:` placeholders; real values exist only as Pulumi secrets.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

DEFAULT_STACK = Path(__file__).resolve().parents[2] / "Pulumi.lab.yaml"


def register(app: typer.Typer) -> None:
    app.command("render")(render)


def render(
    estate: Annotated[Path, typer.Option("--estate", help="Estate folder, e.g. inventory/lab.")],
    plan: Annotated[Path, typer.Option("--plan", help="Plan file written by `dcc plan` (its strategies pick the apps).")],
    out: Annotated[Path, typer.Option("--out", help="Folder to (re)write: one folder per tenant, plus _platform.")],
    stack_config: Annotated[Path, typer.Option(
        "--stack-config", help="Pulumi.<stack>.yaml whose dcc:* settings (and shard) to use.")] = DEFAULT_STACK,
    accept_plan_mismatch: Annotated[bool, typer.Option(
        "--accept-plan-mismatch", help="Use a plan made for another estate or an older inventory, on purpose.")] = False,
) -> None:
    """Render the platform, a tenant per agency and a workload per replatformed app as YAML manifests."""
    from rich.progress import Progress
    from rich.table import Table

    from migration.inventory import load_estate
    from migration.untrusted.terminal import console, safe
    from stacks.estate import policy_context, read_strategies, specs_from_estate
    from stacks.manifests import bulk, iter_folders, load_settings, write_manifests

    settings = load_settings(stack_config, estate, plan)
    loaded = load_estate(estate)
    err = console(stderr=True)
    strategies = read_strategies(plan, loaded, accept_mismatch=accept_plan_mismatch,
                                 on_accept=lambda line: err.print(f"[yellow]warning:[/] {safe(line)}", soft_wrap=True))
    specs = specs_from_estate(loaded, strategies, settings)
    agencies = settings.shard.selects([t.agency for t in specs.tenants])
    folders = {}
    with bulk(), Progress(transient=True) as progress:
        task = progress.add_task("rendering tenants", total=len(agencies) + 1)
        for folder, objs in iter_folders(specs, agencies):
            folders[folder] = objs
            progress.advance(task)
    with bulk():
        files = write_manifests(out, folders, policy_context(specs, settings))
    table = Table(title=f"dcc render -> {safe(out)}")
    for col in ("tenants", "migrated apps", "objects", "files"):
        table.add_column(col, justify="right")
    apps = sum(len(t.apps) for t in specs.tenants if t.agency in set(agencies))
    table.add_row(str(len(agencies)), str(apps), str(sum(len(o) for o in folders.values())), str(files))
    console().print(table)
