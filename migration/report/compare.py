"""Definition changes between this report and a previous one's JSON: shown, never silent.

A figure measured under another definition is flagged as not comparable instead of being
subtracted from this one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from migration.errors import InputError
from migration.report.ledger import Kpi
from migration.untrusted.files import read_json


def load_previous(path: Path) -> dict[str, Any]:
    doc = read_json(path, "previous report")
    if not isinstance(doc, Mapping) or not isinstance(doc.get("kpis"), list):
        raise InputError("not a dcc report JSON (no 'kpis' list)", where=str(path))
    for i, k in enumerate(doc["kpis"]):
        if not isinstance(k, Mapping) or "key" not in k or "definition_version" not in k:
            raise InputError("each KPI needs 'key' and 'definition_version'", where=f"{path}: kpis[{i}]")
    return dict(doc)


def compare(kpis: Sequence[Kpi], previous: Mapping[str, Any]) -> list[dict[str, Any]]:
    """One row per KPI: how its definition and figure moved since the previous report."""
    before = {k["key"]: k for k in previous["kpis"]}
    rows = []
    for k in kpis:
        old = before.get(k.key)
        if old is None:
            rows.append({"key": k.key, "label": k.label, "change": "new KPI", "from_version": None,
                         "to_version": k.definition_version, "previous_definition": None, "delta": None})
            continue
        same = old["definition_version"] == k.definition_version and old.get("definition") == k.definition
        rows.append({
            "key": k.key, "label": k.label,
            "change": "unchanged" if same else "definition changed",
            "from_version": old["definition_version"], "to_version": k.definition_version,
            "previous_definition": None if same else old.get("definition"),
            "previous_value": old.get("value"),
            # Subtracting figures measured under different definitions is how closures "vanish".
            "delta": k.value - old["value"] if same and isinstance(old.get("value"), (int, float)) else None,
        })
    for key in before.keys() - {k.key for k in kpis}:
        rows.append({"key": key, "label": before[key].get("label", key), "change": "KPI dropped",
                     "from_version": before[key]["definition_version"], "to_version": None,
                     "previous_definition": before[key].get("definition"), "delta": None})
    return rows
