"""The report as one value: ledger, sections, definitions and their changes.

`build_report` is pure; `as_json` is what `dcc report --json` prints and what `--previous`
reads back, so the HTML and the JSON always carry the same figures.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from migration.report.compare import compare
from migration.report.costmodel import CostModel
from migration.report.definitions import HISTORY, Definition, current
from migration.report.ledger import Kpi, compute_ledger
from migration.report.sections import estate_section, plan_section, progress_section
from migration.report.sources import Sources

FORMAT = 1


@dataclass(frozen=True)
class Report:
    estate: str
    generated_at: datetime
    kpis: tuple[Kpi, ...]
    estate_section: Mapping[str, Any]
    plan_section: Mapping[str, Any]
    progress_section: Mapping[str, Any]
    history: tuple[Definition, ...]
    changes: tuple[Mapping[str, Any], ...]  # empty when there was no previous report
    agency_names: Mapping[str, str]

    @property
    def definition_changed(self) -> list[Mapping[str, Any]]:
        return [c for c in self.changes if c["change"] != "unchanged"]


def build_report(src: Sources, costs: CostModel, *, previous: Mapping[str, Any] | None = None,
                 history: tuple[Definition, ...] = HISTORY, now: datetime | None = None,
                 top: int = 15) -> Report:
    kpis = compute_ledger(src, costs, current(history))
    changes = tuple(compare(kpis, previous)) if previous is not None else ()
    return Report(src.estate, now or datetime.now(UTC), kpis, estate_section(src, top), plan_section(src),
                  progress_section(src, top=max(top, 40)), history, changes, dict(src.agencies))


def as_json(r: Report) -> dict[str, Any]:
    return {
        "format": FORMAT, "estate": r.estate, "generated_at": r.generated_at.isoformat(timespec="seconds"),
        "kpis": [k.as_dict() for k in r.kpis],
        # Flat key -> value for CI gates (`jq .figures.datacenters_closed`); same numbers as "kpis".
        "figures": {k.key: k.value for k in r.kpis},
        "definition_history": [asdict(d) for d in r.history],
        "definition_changes": list(r.changes),
        "estate_summary": dict(r.estate_section), "plan": dict(r.plan_section),
        "progress": dict(r.progress_section),
    }
