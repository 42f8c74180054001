"""Read and write the plan file (docs/plan-format.md): JSON, keys sorted, written atomically.

`load_plan` checks the structure once and raises `InputError` naming the file and the key
path of the first problem; consumers then trust the typed `Plan`.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

from migration.atomic import write_text_atomic
from migration.errors import InputError
from migration.inventory.gcpause import gc_paused
from migration.plan.model import FORMAT, HostMove, MoveGroup, Plan, PlanApp, Wave


def plan_to_json(plan: Plan) -> dict[str, Any]:
    return {
        "format": plan.format,
        "estate": plan.estate,
        "inventory_digest": plan.inventory_digest,
        "apps": {a.id: {"strategy": a.strategy, "rule": a.rule, "shared_service": a.shared_service,
                        "move_group": a.move_group, "wave": a.wave} for a in plan.apps.values()},
        "move_groups": [{"id": g.id, "apps": list(g.apps), "hosts": list(g.hosts), "data_gb": g.data_gb,
                         "reason": g.reason, "wave": g.wave, "wave_reasons": list(g.wave_reasons)}
                        for g in plan.move_groups],
        "waves": [{"number": w.number, "start": w.start.isoformat(), "move_groups": list(w.move_groups),
                   "apps": list(w.apps), "data_gb": w.data_gb, "closes_datacenters": list(w.closes_datacenters),
                   "hosts": [{"source": m.source, "target": m.target, "app": m.app, "apps": list(m.apps)}
                             for m in w.hosts]}
                  for w in plan.waves],
    }


INDENT_MAX_APPS = 2000  # indented (diffable) up to this size; compact beyond, where it saves ~60%


def dumps(plan: Plan) -> str:
    """The plan file's text: same plan, same bytes."""
    small = len(plan.apps) <= INDENT_MAX_APPS
    with gc_paused():  # ~200,000 short-lived dicts and lists at national scale, none cyclic
        return json.dumps(plan_to_json(plan), sort_keys=True, ensure_ascii=False, indent=1 if small else None,
                      separators=None if small else (",", ":")) + "\n"


def write_plan(path: str | Path, plan: Plan) -> None:
    write_text_atomic(Path(path), dumps(plan), make_parents=False)


def load_plan(path: str | Path) -> Plan:
    """The typed plan in `path`; InputError naming file and key when it is not a valid plan."""
    file = Path(path)
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError("no such plan file", where=str(file)) from None
    except json.JSONDecodeError as exc:
        raise InputError(f"malformed JSON: {exc.msg}", where=f"{file}:{exc.lineno}") from None
    try:
        return _plan(data)
    except _Bad as exc:
        raise InputError(exc.message, where=f"{file}: {exc.key}") from None
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise InputError(f"not a plan file ({type(exc).__name__}: {exc})", where=str(file)) from None


class _Bad(Exception):
    def __init__(self, key: str, message: str) -> None:
        super().__init__(message)
        self.key, self.message = key, message


def _need(data: dict[str, Any], key: str, kind: type | tuple[type, ...], where: str) -> Any:
    if not isinstance(data, dict) or key not in data:
        raise _Bad(f"{where}{key}", "missing key")
    value = data[key]
    if not isinstance(value, kind):
        raise _Bad(f"{where}{key}", f"expected {getattr(kind, '__name__', kind)}, got {type(value).__name__}")
    return value


def _plan(data: Any) -> Plan:
    if _need(data, "format", int, "") != FORMAT:
        raise _Bad("format", f"unsupported plan format {data['format']} (this dcc reads {FORMAT})")
    apps = {k: PlanApp(id=k, strategy=v["strategy"], rule=v["rule"], shared_service=v.get("shared_service"),
                       move_group=v.get("move_group"), wave=v.get("wave"))
            for k, v in _need(data, "apps", dict, "").items()}
    groups = tuple(MoveGroup(id=g["id"], apps=tuple(g["apps"]), hosts=tuple(g["hosts"]), data_gb=float(g["data_gb"]),
                             reason=g.get("reason", ""), wave=g.get("wave"),
                             wave_reasons=tuple(g.get("wave_reasons", ())))
                   for g in _need(data, "move_groups", list, ""))
    waves = tuple(_wave(w, i) for i, w in enumerate(_need(data, "waves", list, "")))
    return Plan(estate=_need(data, "estate", str, ""), inventory_digest=data.get("inventory_digest", ""),
                apps=apps, move_groups=groups, waves=waves, format=FORMAT)


def _wave(w: dict[str, Any], index: int) -> Wave:
    where = f"waves[{index}]."
    try:
        start = date.fromisoformat(_need(w, "start", str, where))
    except ValueError:
        raise _Bad(f"{where}start", f"bad date {w['start']!r}") from None
    hosts = tuple(HostMove(source=h["source"], target=h["target"], app=h["app"], apps=tuple(h.get("apps", (h["app"],))))
                  for h in _need(w, "hosts", list, where))
    return Wave(number=_need(w, "number", int, where), start=start, move_groups=tuple(w.get("move_groups", ())),
                apps=tuple(_need(w, "apps", list, where)), hosts=hosts, data_gb=float(w.get("data_gb", 0.0)),
                closes_datacenters=tuple(w.get("closes_datacenters", ())))
