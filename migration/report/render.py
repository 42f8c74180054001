"""Render a `Report` as one self-contained HTML file (jinja2 + plotly, bundle embedded once).

Nothing on the page is fetched from the network: no CDN scripts, fonts or styles, so the
dashboard opens from a USB stick in a ministry without internet access.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from migration.report import charts
from migration.report.document import Report, as_json
from migration.report.ledger import Kpi
from migration.report.sections import STEPS

if TYPE_CHECKING:
    import jinja2

TEMPLATES = Path(__file__).parent / "templates"


def fmt_number(value: float, unit: str) -> str:
    if unit == "ratio":
        return f"{value * 100:.1f}%"
    if unit == "idr":
        sign = "-" if value < 0 else ""
        v = abs(value)
        if v < 5e5:  # under half a million rupiah rounds to nothing at this scale
            return "Rp 0"
        # Three significant figures: the model's inputs are not more precise than that.
        if v >= 1e12:
            return f"{sign}Rp {v / 1e12:.3g} T"
        if v >= 1e9:
            return f"{sign}Rp {v / 1e9:.3g} bn"
        return f"{sign}Rp {v / 1e6:.3g} M"
    return f"{value:,.0f}"


def _delta(k: Kpi, delta: float | None) -> str | None:
    if not delta:
        return None
    sign = "+" if delta > 0 else "-"
    return f"{sign}{fmt_number(abs(delta), k.unit)} since the previous report"


def tile(k: Kpi, delta: float | None = None) -> dict[str, Any]:
    """What a KPI tile shows: the figure, against plan, and the definition version it was measured under."""
    share = None
    if k.planned:
        share = max(0.0, min(1.0, k.value / k.planned))
    return {"delta": _delta(k, delta),"key": k.key, "label": k.label, "value": fmt_number(k.value, k.unit),
            "planned": None if k.planned is None else fmt_number(k.planned, k.unit),
            "total": None if k.total is None or k.unit != "count" else fmt_number(k.total, k.unit),
            "share": share, "version": k.definition_version, "definition": k.definition,
            "negative": k.value < 0}


def build_figures(r: Report) -> dict[str, Any]:
    est, plan, prog = r.estate_section, r.plan_section, r.progress_section
    figs: dict[str, Any] = {}
    if est["dc_by_province"]:
        figs["dc_by_province"] = charts.dc_by_province(dict(est))
    if est["apps_by_agency_top"]:
        figs["apps_by_agency"] = charts.apps_by_agency(dict(est))
        figs["apps_by_class"] = charts.apps_by_class(dict(est))
    if plan["waves"]:
        figs["waves"] = charts.waves_over_time(dict(plan))
        figs["hosts_data"] = charts.hosts_and_data(dict(plan))
    if prog["waves"]:
        figs["step_status"] = charts.step_status(dict(prog))
    tenants = next(k.detail.get("tenants") for k in r.kpis if k.key == "backups_restorable")
    if tenants:
        figs["backups"] = charts.backups_by_tenant(tenants, dict(r.agency_names))
    return figs


@functools.cache
def _environment() -> jinja2.Environment:
    import jinja2

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
                             trim_blocks=True, lstrip_blocks=True)
    env.filters["num"] = lambda v: f"{v:,.0f}" if isinstance(v, (int, float)) else v
    return env


def render_html(r: Report) -> str:
    from plotly.offline import get_plotlyjs

    env = _environment()
    deltas = {c["key"]: c.get("delta") for c in r.changes}
    figs = charts.fragments(build_figures(r))
    css = (TEMPLATES / "report.css").read_text(encoding="utf-8")
    return env.get_template("report.html.j2").render(
        r=r, tiles=[tile(k, deltas.get(k.key)) for k in r.kpis], charts=figs, css=css,
        plotlyjs=get_plotlyjs() if figs else "", changed=r.definition_changed,
        changed_keys={c["key"] for c in r.definition_changed}, steps=STEPS,
        tenants=next(k.detail.get("tenants", {}) for k in r.kpis if k.key == "backups_restorable"),
        cost_model=next(k.detail["cost_model"] for k in r.kpis if k.key == "annual_savings_idr"),
    )


def render_json(r: Report) -> str:
    return json.dumps(as_json(r), indent=2, sort_keys=True, default=str) + "\n"


