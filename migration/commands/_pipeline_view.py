"""Rich tables shared by the pipeline verbs (migrate, rollback, verify)."""

from __future__ import annotations

from typing import Any

STYLE = {"migrated": "green", "unchanged": "cyan", "rolled_back": "yellow", "failed": "red",
         "not_started": "dim"}


def register(app: Any) -> None:
    """Not a verb: a helper module the pipeline verbs share."""


def summary_table(report: Any) -> Any:
    from rich.table import Table

    table = Table(title=f"wave {report.wave} (run {report.run_id}): {report.status}")
    for col in ("app", "result", "failed step", "changed steps", "detail"):
        table.add_column(col)
    for a in report.apps:
        style = STYLE.get(a.status, "")
        table.add_row(a.app, f"[{style}]{a.status}[/]", a.step, str(a.changed_steps), a.message[:120])
    return table


def checks_table(rows: list[tuple[str, Any]]) -> Any:
    from rich.table import Table

    table = Table(title="verification")
    for col in ("app", "host", "check", "result", "got"):
        table.add_column(col)
    for app, r in rows:
        mark = "[green]pass[/]" if r.passed else "[red]FAIL[/]"
        table.add_row(app, r.host, r.check, mark, r.got[:80])
    return table
