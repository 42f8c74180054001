"""`dcc assess`: each app's strategy (rehost, replatform, retire, replace, retain) and the rationalization report."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def register(app: typer.Typer) -> None:
    app.command("assess")(assess_command)


def assess_command(
    estate: Annotated[Path, typer.Option("--estate", help="Estate folder, e.g. inventory/lab.")],
    out: Annotated[Path | None, typer.Option("--out", help="Also write every app's assessment as JSON here.")] = None,
    top: Annotated[int, typer.Option("--top", help="How many duplicated functions to list.")] = 15,
    apps: Annotated[bool, typer.Option("--apps", help="List every app's strategy and rule (small estates).")] = False,
) -> None:
    """Assess every app with the rule table (first match wins) and show duplicated functions."""
    from migration.assess import assess, rationalize
    from migration.assess.report import apps_table, rationalization_table, strategy_table, write_json
    from migration.inventory import load_estate
    from migration.untrusted.terminal import console as make_console
    from migration.untrusted.terminal import safe

    loaded = load_estate(estate)
    results = assess(loaded)
    console = make_console()
    console.print(strategy_table(results))
    if apps:
        console.print(apps_table(results))
    console.print(rationalization_table(rationalize(loaded, results)[:top], len(loaded.apps)))
    if out is not None:
        write_json(out, loaded, results)
        console.print(f"wrote {safe(out)}", soft_wrap=True)
