"""Shared helpers for the stack tests: a deterministic plan for any estate, and normalisation
that lets what Pulumi registered be compared with what `dcc render` wrote."""

from __future__ import annotations

import json
import zlib
from pathlib import Path
from typing import Any

SECRET = "<secret>"
ROOT = Path(__file__).resolve().parents[2]
LAB_PLAN = Path(__file__).parent / "fixtures" / "lab-plan.json"


def synthetic_plan(apps: list[str], path: Path, share: int = 40) -> Path:
    """A plan file replatforming about `share`% of the apps (by a hash of the id), rehosting the rest."""
    entries = {a: {"strategy": "replatform" if zlib.crc32(a.encode()) % 100 < share else "rehost",
                   "rule": "synthetic", "shared_service": None, "move_group": None, "wave": 1} for a in apps}
    path.write_text(json.dumps({"format": 1, "estate": "x", "inventory_digest": "", "apps": entries,
                                "move_groups": [], "waves": []}))
    return path


def _numbers(value: Any) -> Any:
    """Pulumi's wire format turns every number into a float; do the same on our side."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, dict):
        return {k: _numbers(v) for k, v in value.items()}
    return [_numbers(v) for v in value]


def normalize(o: dict[str, Any]) -> dict[str, Any]:
    """Numbers as floats; a Secret's values replaced by a marker (Pulumi holds them as secrets)."""
    o = _numbers(o)
    if o.get("kind") == "Secret":
        data = o.get("stringData") or {}
        keys = data.get("value", data) if "4dabf18193072939515e22adb298388d" in data else data
        o = {**o, "stringData": {k: SECRET for k in keys}}
    return o


def key(o: dict[str, Any]) -> tuple[str, str, str, str]:
    meta = o["metadata"]
    return o["apiVersion"], o["kind"], str(meta.get("namespace")), meta["name"]
