"""Shared helpers for the stack tests: a deterministic plan for any estate, and normalisation
that lets what Pulumi registered be compared with what `dcc render` wrote."""

from __future__ import annotations

import json
import tempfile
import zlib
from pathlib import Path
from typing import Any

SECRET = "<secret>"
ROOT = Path(__file__).resolve().parents[3]
FIXTURE_PLAN = ROOT / "tests" / "stacks" / "fixtures" / "lab-plan.json"


def bound_copy(plan: Path, estate_dir: Path) -> Path:
    """`plan` bound to the estate as it is now (its name and inventory digest), in a temp folder:
    the plan reader refuses a plan made for another estate or an older inventory, and any edit
    to the estate's files changes its digest."""
    from migration.inventory import load_estate

    estate = load_estate(estate_dir)
    data = json.loads(plan.read_text())
    data |= {"estate": estate.name, "inventory_digest": estate.digest}
    out = Path(tempfile.mkdtemp(prefix="dcc-stacks-")) / plan.name
    out.write_text(json.dumps(data))
    return out


LAB_PLAN = bound_copy(FIXTURE_PLAN, ROOT / "inventory" / "lab")


def synthetic_plan(apps: list[str], path: Path, share: int = 40, estate_dir: Path | None = None) -> Path:
    """A plan file replatforming about `share`% of the apps (by a hash of the id), rehosting the rest;
    bound to `estate_dir` when given."""
    entries = {a: {"strategy": "replatform" if zlib.crc32(a.encode()) % 100 < share else "rehost",
                   "rule": "synthetic", "shared_service": None, "move_group": None, "wave": None} for a in apps}
    path.write_text(json.dumps({"format": 1, "estate": "x", "inventory_digest": "0" * 64, "apps": entries,
                                "move_groups": [], "waves": []}))
    if estate_dir is None:
        return path
    bound = bound_copy(path, estate_dir)
    path.write_text(bound.read_text())
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
