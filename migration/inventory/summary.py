"""Summary tables of an estate for `dcc inventory show` (rich objects; the verb prints them)."""

from __future__ import annotations

from collections import Counter

from rich.table import Table

from migration.inventory import Estate


def summary_table(estate: Estate) -> Table:
    """One row per facet of the estate, with counts by category."""
    table = Table(title=f"estate {estate.name}", show_lines=False)
    table.add_column("what")
    table.add_column("count", justify="right")
    table.add_column("by category")
    data_gb = sum(app.data_gb for app in estate.apps.values())
    rows = [
        ("agencies", len(estate.agencies), Counter(a.kind for a in estate.agencies.values())),
        ("data centers", len(estate.datacenters), Counter(d.kind for d in estate.datacenters.values())),
        ("provinces", len({d.province for d in estate.datacenters.values()}), Counter()),
        ("hosts", len(estate.hosts), Counter(h.role for h in estate.hosts.values())),
        ("apps", len(estate.apps), Counter(a.criticality for a in estate.apps.values())),
        ("apps by data class", len(estate.apps), Counter(a.data_class for a in estate.apps.values())),
        ("functions", len({a.function for a in estate.apps.values()}), Counter()),
        ("dependencies", len(estate.dependencies), Counter(d.kind or "-" for d in estate.dependencies)),
    ]
    for what, count, by in rows:
        table.add_row(what, f"{count:,}", ", ".join(f"{k} {v:,}" for k, v in sorted(by.items())))
    table.add_row("data (GB)", f"{data_gb:,.1f}", "")
    return table
