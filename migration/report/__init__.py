"""The consolidation report: KPI ledger with versioned definitions, cost model and dashboard.

`load_sources` reads the estate, plan and state store; `build_report` computes everything
(pure); `render_html` / `render_json` turn it into the self-contained dashboard or CI JSON.
"""

from migration.atomic import write_text_atomic
from migration.report.costmodel import CostModel, load_cost_model
from migration.report.document import Report, as_json, build_report
from migration.report.ledger import Kpi, compute_ledger
from migration.report.render import render_html, render_json
from migration.report.sources import Sources, load_sources

__all__ = [
    "CostModel", "Kpi", "Report", "Sources", "as_json", "build_report", "compute_ledger",
    "load_cost_model", "load_sources", "render_html", "render_json", "write_text_atomic",
]
