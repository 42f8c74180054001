"""The dashboard's charts: plotly figure specs built from the section aggregates.

Figures are plain plotly.js dicts with one palette and one layout (no plotly template, whose
deep copies cost more than the whole ledger at national scale); each becomes an HTML fragment
with no plotly.js of its own, because render.py embeds the bundle once.
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
Figure = dict[str, Any]


def _axis(**extra: Any) -> dict[str, Any]:
    return {"gridcolor": GRID, "linecolor": GRID, "zerolinecolor": GRID, "automargin": True,
            "tickfont": {"color": MUTED}, **extra}


def _figure(data: list[dict[str, Any]], title: str, height: int = 340, **layout: Any) -> Figure:
    base: dict[str, Any] = {
        "title": {"text": title, "x": 0, "xanchor": "left", "font": {"size": 15, "color": INK}},
        "font": {"family": FONT, "size": 12, "color": INK}, "height": height, "colorway": list(SERIES),
        "margin": {"l": 10, "r": 10, "t": 48, "b": 10}, "paper_bgcolor": "rgba(0,0,0,0)",
        "plot_bgcolor": "rgba(0,0,0,0)", "legend": {"orientation": "h", "y": -0.15, "x": 0},
        "hoverlabel": {"font": {"family": FONT}}, "xaxis": _axis(), "yaxis": _axis(),
    }
    for key, value in layout.items():
        base[key] = {**base[key], **value} if isinstance(base.get(key), dict) else value
    return {"data": data, "layout": base}


def _hbar(y: list[str], x: list[float], name: str, colour: str, **extra: Any) -> dict[str, Any]:
    return {"type": "bar", "orientation": "h", "y": y, "x": x, "name": name, "marker": {"color": colour}, **extra}


def dc_by_province(estate: dict[str, Any]) -> Figure:
    provinces = list(estate["dc_by_province"])[::-1]  # biggest on top of a horizontal bar chart
    data = []
    for tier, colour in TIERS.items():
        counts = [estate["dc_by_province"][p].get(tier, 0) for p in provinces]
        if any(counts):
            data.append(_hbar(provinces, counts, f"tier {tier}", colour))
    return _figure(data, "Legacy data centers by province and tier", max(300, 90 + 18 * len(provinces)),
                   barmode="stack", legend={"traceorder": "normal"})


def apps_by_agency(estate: dict[str, Any]) -> Figure:
    rows = estate["apps_by_agency_top"][::-1]
    bar = _hbar([r["name"] for r in rows], [r["apps"] for r in rows], "apps", SERIES[0],
                hovertemplate="%{y}: %{x} apps<extra></extra>")
    rest = estate["apps_by_agency_rest"]
    title = f"Apps by agency (top {len(rows)}; {rest:,} more elsewhere)" if rest else "Apps by agency"
    return _figure([bar], title, max(300, 60 + 22 * len(rows)), showlegend=False)


def apps_by_class(estate: dict[str, Any]) -> Figure:
    classes = estate["apps_by_class"]
    pie = {"type": "pie", "labels": list(classes), "values": list(classes.values()), "hole": 0.55,
           "sort": False, "marker": {"colors": [STRATEGY.get(k, SERIES[-1]) for k in classes]},
           "textinfo": "label+value", "textposition": "outside", "automargin": True}
    return _figure([pie], "Apps by assessment class", showlegend=False)


def waves_over_time(plan: dict[str, Any]) -> Figure:
    w = plan["waves"]
    x = [r["start"] or f"wave {r['number']}" for r in w]
    bars = {"type": "bar", "x": x, "y": [r["apps"] for r in w], "name": "apps moved",
            "marker": {"color": SERIES[0]}, "customdata": [r["number"] for r in w],
            "hovertemplate": "wave %{customdata}: %{y} apps<extra></extra>"}
    line = {"type": "scatter", "x": x, "y": [r["closes_cumulative"] for r in w], "yaxis": "y2",
            "name": "data centers closable (cumulative)", "mode": "lines+markers",
            "line": {"color": SERIES[2], "width": 3}}
    return _figure([bars, line], "Waves over time and the closures they make possible",
                   yaxis={"title": {"text": "apps"}},
                   yaxis2=_right_axis("data centers", [r["closes_cumulative"] for r in w]))


def hosts_and_data(plan: dict[str, Any]) -> Figure:
    w = plan["waves"]
    x = [f"W{r['number']}" for r in w]
    bars = {"type": "bar", "x": x, "y": [r["hosts"] for r in w], "name": "hosts", "marker": {"color": SERIES[1]}}
    line = {"type": "scatter", "x": x, "y": [r["data_gb"] for r in w], "name": "data (GB)", "yaxis": "y2",
            "mode": "lines+markers", "line": {"color": SERIES[3], "width": 3}}
    return _figure([bars, line], "Hosts and data volume per wave", yaxis={"title": {"text": "hosts"}},
                   yaxis2=_right_axis("GB", [r["data_gb"] for r in w]))


def _right_axis(title: str, values: list[float]) -> dict[str, Any]:
    """A secondary axis with whole, round ticks of its own (plotly would align them to the left axis)."""
    top = max(values, default=0) or 1
    step = 10 ** max(0, len(str(int(top))) - 1)
    step = step if top / step >= 3 else max(1, step // 2) if top / step >= 1.5 else max(1, step // 5)
    return _axis(title={"text": title}, overlaying="y", side="right", showgrid=False, rangemode="tozero",
                 tickmode="linear", tick0=0, dtick=step, tickformat=",d")


def step_status(progress: dict[str, Any]) -> Figure:
    from migration.report.sections import STEPS

    totals: dict[str, dict[str, int]] = {}
    for wave in progress["waves"]:
        for step, counts in wave["steps"].items():
            for status, n in counts.items():
                totals.setdefault(status, {}).setdefault(step, 0)
                totals[status][step] += n
    steps = [s for s in STEPS if any(s in by for by in totals.values())]
    data = [{"type": "bar", "x": steps, "y": [totals[st].get(s, 0) for s in steps], "name": st,
             "marker": {"color": colour}} for st, colour in STATUS.items() if st in totals]
    return _figure(data, "Journal: newest status of each step (all waves)", barmode="stack",
                   yaxis={"title": {"text": "app-host pairs"}})


def backups_by_tenant(tenants: dict[str, dict[str, Any]], names: dict[str, str]) -> Figure:
    ids = sorted(tenants, key=lambda t: (tenants[t]["share"], t))[:25]
    labels = [names.get(t, t) for t in ids]
    data = [_hbar(labels, [tenants[t]["verified"] for t in ids], "restore verified", STATUS["ok"]),
            _hbar(labels, [tenants[t]["apps"] - tenants[t]["verified"] for t in ids], "not yet proven",
                  STATUS["failed"])]
    title = "Backups proven restorable, per tenant" + (" (25 least covered)" if len(tenants) > 25 else "")
    return _figure(data, title, max(260, 90 + 26 * len(ids)), barmode="stack")


def fragments(figures: dict[str, Figure]) -> dict[str, str]:
    """Each figure as an HTML <div> + script; plotly.js itself is embedded once by the page."""
    import plotly.io as pio

    config = {"displaylogo": False, "responsive": True, "modeBarButtonsToRemove": ["select2d", "lasso2d"]}
    return {key: pio.to_html(fig, full_html=False, include_plotlyjs=False, config=config,
                             div_id=f"chart-{key}", validate=False)
            for key, fig in figures.items()}
