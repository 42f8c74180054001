"""The dashboard's charts, built with plotly from the section aggregates.

One palette and one layout for every figure; each figure becomes an HTML fragment with no
plotly.js of its own (render.py embeds the bundle once), so the file opens offline.
"""

from __future__ import annotations

from typing import Any

FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Noto Sans', sans-serif"
INK, MUTED, GRID = "#1f2933", "#616e7c", "#e4e7eb"
SERIES = ("#1d4e89", "#00a6a6", "#f49d37", "#7d5ba6", "#d64550", "#5c946e", "#8e9aaf")
TIERS = {"0": "#c5d5ea", "1": "#8fb3de", "2": "#4f86c6", "3": "#1d4e89", "4": "#0b2545"}
STATUS = {"ok": "#2f9e44", "changed": "#00a6a6", "started": "#8e9aaf", "skipped": "#cbd2d9",
          "rolled_back": "#f49d37", "failed": "#d64550"}
STRATEGY = {"rehost": "#1d4e89", "replatform": "#00a6a6", "replace": "#7d5ba6", "retire": "#f49d37",
            "retain": "#8e9aaf", "not assessed": "#cbd2d9"}


def _layout(fig: Any, title: str, height: int = 340, **extra: Any) -> Any:
    fig.update_layout(
        title={"text": title, "x": 0, "xanchor": "left", "font": {"size": 15, "color": INK}},
        font={"family": FONT, "size": 12, "color": INK}, template="plotly_white", height=height,
        margin={"l": 10, "r": 10, "t": 48, "b": 10}, paper_bgcolor="rgba(0,0,0,0)",
        plot_bgcolor="rgba(0,0,0,0)", legend={"orientation": "h", "y": -0.15, "x": 0},
        hoverlabel={"font": {"family": FONT}}, **extra,
    )
    fig.update_xaxes(gridcolor=GRID, automargin=True)
    fig.update_yaxes(gridcolor=GRID, automargin=True)
    return fig


def dc_by_province(estate: dict[str, Any]) -> Any:
    import plotly.graph_objects as go

    provinces = list(estate["dc_by_province"])[::-1]  # biggest on top of a horizontal bar chart
    fig = go.Figure()
    for tier, colour in TIERS.items():
        counts = [estate["dc_by_province"][p].get(tier, 0) for p in provinces]
        if any(counts):
            fig.add_bar(y=provinces, x=counts, name=f"tier {tier}", orientation="h", marker_color=colour)
    height = max(300, 60 + 18 * len(provinces))
    return _layout(fig, "Legacy data centers by province and tier", height, barmode="stack")


def apps_by_agency(estate: dict[str, Any]) -> Any:
    import plotly.graph_objects as go

    rows = estate["apps_by_agency_top"][::-1]
    fig = go.Figure(go.Bar(y=[r["name"] for r in rows], x=[r["apps"] for r in rows], orientation="h",
                           marker_color=SERIES[0], hovertemplate="%{y}: %{x} apps<extra></extra>"))
    rest = estate["apps_by_agency_rest"]
    title = f"Apps by agency (top {len(rows)}; {rest:,} more elsewhere)" if rest else "Apps by agency"
    return _layout(fig, title, max(300, 60 + 22 * len(rows)))


def apps_by_class(estate: dict[str, Any]) -> Any:
    import plotly.graph_objects as go

    classes = estate["apps_by_class"]
    fig = go.Figure(go.Pie(labels=list(classes), values=list(classes.values()), hole=0.55, sort=False,
                           marker={"colors": [STRATEGY.get(k, SERIES[-1]) for k in classes]},
                           textinfo="label+value"))
    return _layout(fig, "Apps by assessment class", showlegend=False)


def waves_over_time(plan: dict[str, Any]) -> Any:
    import plotly.graph_objects as go

    w = plan["waves"]
    x = [r["start"] or f"wave {r['number']}" for r in w]
    fig = go.Figure()
    fig.add_bar(x=x, y=[r["apps"] for r in w], name="apps moved", marker_color=SERIES[0],
                customdata=[r["number"] for r in w], hovertemplate="wave %{customdata}: %{y} apps<extra></extra>")
    fig.add_scatter(x=x, y=[r["closes_cumulative"] for r in w], name="data centers closable (cumulative)",
                    yaxis="y2", mode="lines+markers", line={"color": SERIES[2], "width": 3})
    return _layout(fig, "Waves over time and the closures they make possible",
                   yaxis={"title": "apps"}, yaxis2={"title": "data centers", "overlaying": "y", "side": "right",
                                                    "showgrid": False, "rangemode": "tozero"})


def hosts_and_data(plan: dict[str, Any]) -> Any:
    import plotly.graph_objects as go

    w = plan["waves"]
    x = [f"W{r['number']}" for r in w]
    fig = go.Figure()
    fig.add_bar(x=x, y=[r["hosts"] for r in w], name="hosts", marker_color=SERIES[1])
    fig.add_scatter(x=x, y=[r["data_gb"] for r in w], name="data (GB)", yaxis="y2", mode="lines+markers",
                    line={"color": SERIES[3], "width": 3})
    return _layout(fig, "Hosts and data volume per wave", yaxis={"title": "hosts"},
                   yaxis2={"title": "GB", "overlaying": "y", "side": "right", "showgrid": False,
                           "rangemode": "tozero"})


def step_status(progress: dict[str, Any]) -> Any:
    import plotly.graph_objects as go

    from migration.report.sections import STEPS

    totals: dict[str, dict[str, int]] = {}
    for wave in progress["waves"]:
        for step, counts in wave["steps"].items():
            for status, n in counts.items():
                totals.setdefault(status, {}).setdefault(step, 0)
                totals[status][step] += n
    steps = [s for s in STEPS if any(s in by for by in totals.values())]
    fig = go.Figure()
    for status, colour in STATUS.items():
        if status in totals:
            fig.add_bar(x=steps, y=[totals[status].get(s, 0) for s in steps], name=status, marker_color=colour)
    return _layout(fig, "Journal: newest status of each step (all waves)", barmode="stack",
                   yaxis={"title": "app-host pairs"})


def backups_by_tenant(tenants: dict[str, dict[str, Any]], names: dict[str, str]) -> Any:
    import plotly.graph_objects as go

    ids = sorted(tenants, key=lambda t: (tenants[t]["share"], t))[:25]
    fig = go.Figure()
    fig.add_bar(y=[names.get(t, t) for t in ids], x=[tenants[t]["verified"] for t in ids], orientation="h",
                name="restore verified", marker_color=STATUS["ok"])
    fig.add_bar(y=[names.get(t, t) for t in ids], x=[tenants[t]["apps"] - tenants[t]["verified"] for t in ids],
                orientation="h", name="not yet proven", marker_color=STATUS["failed"])
    return _layout(fig, "Backups proven restorable, per tenant", max(260, 80 + 26 * len(ids)), barmode="stack")


def fragments(figures: dict[str, Any]) -> dict[str, str]:
    """Each figure as an HTML <div> + script; plotly.js itself is embedded once by the page."""
    config = {"displaylogo": False, "responsive": True, "modeBarButtonsToRemove": ["select2d", "lasso2d"]}
    return {key: fig.to_html(full_html=False, include_plotlyjs=False, config=config, div_id=f"chart-{key}")
            for key, fig in figures.items()}
