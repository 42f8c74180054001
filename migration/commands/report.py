"""`dcc report`: the consolidation dashboard (one offline HTML file) and its KPI ledger as JSON.

Reads the estate, the plan and the state store; writes atomically; prints the path and the
KPI table (or, with --json, the JSON document on stdout for CI).
"""

from __future__ import annotations

from pathlib import Path

import typer


def register(app: typer.Typer) -> None:
    app.command(name="report")(report)


def report(
    estate: Path = typer.Option(..., "--estate", help="Estate folder (inventory/<estate>/)."),
    plan: Path | None = typer.Option(None, "--plan", help="Plan file from `dcc plan`; without it the Plan section says 'not planned'."),
    state: str | None = typer.Option(None, "--state", help="State store URL; default sqlite:///<estate>/state/dcc.sqlite (absent = not started)."),
    out: Path = typer.Option(Path("report.html"), "--out", help="Where to write the HTML dashboard."),
    as_json: bool = typer.Option(False, "--json", help="Print the same figures as JSON on stdout (for CI); the HTML is still written."),
    previous: Path | None = typer.Option(None, "--previous", help="A previous report's JSON: show KPI definition changes and figure deltas."),
    cost_model: Path | None = typer.Option(None, "--cost-model", help="Cost model YAML (default config/cost-model.yaml)."),
    top: int = typer.Option(15, "--top", min=1, max=200, help="Rows in top-N tables and charts."),
) -> None:
    """Write the consolidation dashboard: estate, plan, progress and the KPI ledger, in one offline HTML file."""
    from rich.console import Console
    from rich.progress import Progress

    from migration.report import build_report, load_cost_model, load_sources, render_html, render_json, write_atomic
    from migration.report.compare import load_previous

    console = Console(stderr=as_json)
    with Progress(transient=True, console=console) as bar:
        task = bar.add_task("reading estate, plan and journal", total=3)
        costs = load_cost_model(cost_model) if cost_model else load_cost_model()
        prev = load_previous(previous) if previous else None
        src = load_sources(estate, plan, state)
        bar.update(task, advance=1, description="computing the ledger")
        r = build_report(src, costs, previous=prev, top=top)
        bar.update(task, advance=1, description="rendering charts")
        html = render_html(r)
        doc = render_json(r)
        bar.update(task, advance=1)
    write_atomic(out, html)
    if as_json:
        typer.echo(doc, nl=False)
    _summary(console, r)
    console.print(f"report written: [bold]{out.resolve()}[/]")


def _summary(console: object, r: object) -> None:
    from rich.table import Table

    from migration.report.render import fmt_number

    table = Table(title=f"KPI ledger: {r.estate}", title_justify="left")
    for col, justify in (("KPI", "left"), ("value", "right"), ("plan", "right"), ("definition", "right")):
        table.add_column(col, justify=justify)
    for k in r.kpis:
        planned = "-" if k.planned is None else fmt_number(k.planned, k.unit)
        table.add_row(k.label, fmt_number(k.value, k.unit), planned, f"v{k.definition_version}")
    console.print(table)
    for c in r.definition_changed:
        console.print(f"[yellow]definition {c['change']}:[/] {c['label']} v{c['from_version']} -> v{c['to_version']}")
