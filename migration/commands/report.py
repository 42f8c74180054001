"""`dcc report`: the consolidation dashboard (one offline HTML file) and its KPI ledger as JSON.

Reads the estate, the plan and the state store; writes atomically; prints the path and the
KPI table (or, with --json, the JSON document on stdout for CI).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from rich.console import Console, JustifyMethod

    from migration.report.document import Report


def register(app: typer.Typer) -> None:
    app.command(name="report")(report)


def report(
    estate: Annotated[Path, typer.Option("--estate", help="Estate folder (inventory/<estate>/).")],
    plan: Annotated[Path | None, typer.Option(
        "--plan", help="Plan file from `dcc plan`; without it the Plan section says 'not planned'.")] = None,
    state: Annotated[str | None, typer.Option(
        "--state", help="State store URL; default sqlite:///<estate>/state/dcc.sqlite (absent = not started).")] = None,
    out: Annotated[Path, typer.Option("--out", help="Where to write the HTML dashboard.")] = Path("report.html"),
    as_json: Annotated[bool, typer.Option(
        "--json", help="Print the same figures as JSON on stdout (for CI); the HTML is still written.")] = False,
    previous: Annotated[Path | None, typer.Option(
        "--previous", help="A previous report's JSON: show KPI definition changes and figure deltas.")] = None,
    cost_model: Annotated[Path | None, typer.Option(
        "--cost-model", help="Cost model YAML (default config/cost-model.yaml).")] = None,
    top: Annotated[int, typer.Option("--top", min=1, max=200, help="Rows in top-N tables and charts.")] = 15,
    accept_plan_mismatch: Annotated[bool, typer.Option(
        "--accept-plan-mismatch", help="Use a plan made for another estate or an older inventory, on purpose.")]
    = False,
) -> None:
    """Write the consolidation dashboard: estate, plan, progress and the KPI ledger, in one offline HTML file."""
    from rich.progress import Progress

    from migration.report import (
        build_report,
        load_cost_model,
        load_sources,
        render_html,
        render_json,
        write_text_atomic,
    )
    from migration.report.compare import load_previous
    from migration.untrusted.terminal import console as make_console
    from migration.untrusted.terminal import safe

    console = make_console(stderr=as_json)
    # Progress goes to stderr (stdout carries only the result), and only to a terminal: a log or a CI
    # capture gets no stray blank line before a one-line error.
    err = make_console(stderr=True)
    with Progress(transient=True, console=err, disable=not err.is_terminal) as bar:
        task = bar.add_task("reading estate, plan and journal", total=3)
        costs = load_cost_model(cost_model) if cost_model else load_cost_model()
        prev = load_previous(previous) if previous else None
        src = load_sources(estate, plan, state, accept_plan_mismatch=accept_plan_mismatch,
                           on_accept=lambda line: err.print(f"[yellow]warning:[/] {safe(line)}", soft_wrap=True))
        bar.update(task, advance=1, description="computing the ledger")
        r = build_report(src, costs, previous=prev, top=top)
        bar.update(task, advance=1, description="rendering charts")
        html = render_html(r)
        doc = render_json(r)
        bar.update(task, advance=1)
    write_text_atomic(out, html)
    if as_json:
        typer.echo(doc, nl=False)
    _summary(console, r)
    console.print(f"report written: [bold]{safe(out.resolve())}[/]", soft_wrap=True)


def _summary(console: Console, r: Report) -> None:
    from rich.table import Table

    from migration.report.render import fmt_number
    from migration.untrusted.terminal import plain, safe

    table = Table(title=f"KPI ledger: {safe(r.estate)}", title_justify="left")
    columns: tuple[tuple[str, JustifyMethod], ...] = (("KPI", "left"), ("value", "right"), ("plan", "right"),
                                                      ("definition", "right"))
    for col, justify in columns:
        table.add_column(col, justify=justify)
    for k in r.kpis:
        planned = "-" if k.planned is None else fmt_number(k.planned, k.unit)
        table.add_row(plain(k.label), fmt_number(k.value, k.unit), planned, f"v{k.definition_version}")
    console.print(table)
    for c in r.definition_changed:
        console.print(f"[yellow]definition {safe(c['change'])}:[/] {safe(c['label'])} v{safe(c['from_version'])} "
                      f"-> v{safe(c['to_version'])}")
