"""The one reader of plan files (docs/plan-format.md): the typed, frozen `Plan`, bound to its estate.

Every shape problem is one `InputError` naming the file and the key path. Given the estate, the
plan must have been made for it (same name, same inventory digest); otherwise it is refused with
one line naming both, unless the caller accepts it on purpose (`--accept-plan-mismatch`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from migration.errors import InputError
from migration.inventory.model import Estate
from migration.plan.model import FORMAT, HostMove, MoveGroup, Plan, PlanApp, Wave
from migration.untrusted.files import read_json
from migration.untrusted.text import has_control, shorten

STRATEGIES = ("rehost", "replatform", "retire", "replace", "retain")
ACCEPT_OPTION = "--accept-plan-mismatch"
_ID = re.compile(r"[a-z0-9][a-z0-9._-]{0,127}\Z")
_DIGEST = re.compile(r"[0-9a-f]{64}\Z")
_ONE_ID = r"[a-z0-9][a-z0-9._-]{0,127}"
_ID_LINES = re.compile(rf"{_ONE_ID}(?:\n{_ONE_ID})*")
_HOST_KEYS = frozenset({"source", "target", "app", "apps"})
MAX_TEXT = 4096


class _Bad(Exception):
    def __init__(self, key: str, message: str) -> None:
        super().__init__(message)
        self.key, self.message = key, message


def read_plan(path: str | Path, estate: Estate | None = None, *, accept_mismatch: bool = False,
              on_accept: Callable[[str], None] | None = None, option: str = ACCEPT_OPTION) -> Plan:
    """The typed plan in `path`; with `estate`, refused unless made for it (or `accept_mismatch`).

    `on_accept` gets the mismatch line when a mismatched plan is accepted on purpose (to show it);
    `option` is how the caller's user accepts it (a CLI option, a stack setting), named in both lines.
    """
    file = Path(path)
    data = read_json(file, "plan file")
    try:
        plan = _plan(data)
    except _Bad as exc:
        raise _where(file, exc) from None
    if estate is None:
        return plan
    problem = mismatch(plan, estate)
    if problem and not accept_mismatch:
        raise InputError(f"{problem}; make a new plan with `dcc plan`, or pass {option} to use "
                         "it anyway", where=str(file))
    if problem and on_accept is not None:
        on_accept(f"{file}: {problem}; accepted on purpose ({option})")
    try:
        _known_ids(plan, estate)
    except _Bad as exc:
        raise _where(file, exc) from None
    return plan


def _where(file: Path, exc: _Bad) -> InputError:
    return InputError(exc.message, where=f"{file}: {exc.key}" if exc.key else str(file))


def mismatch(plan: Plan, estate: Estate) -> str | None:
    """One line naming both sides when `plan` was not made for this estate's current inventory."""
    if plan.estate == estate.name and plan.inventory_digest == estate.digest:
        return None
    why = "another estate" if plan.estate != estate.name else "an older or other inventory"
    return (f"plan was made for {why}: estate {plan.estate!r} at inventory digest {plan.inventory_digest[:12]}, "
            f"but estate {estate.name!r} is at inventory digest {estate.digest[:12]}")


def _need(data: Any, key: str, where: str) -> Any:
    if key not in data:
        raise _Bad(where + key, "missing key")
    return data[key]


def _object(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _Bad(where, f"expected an object, got {_kind(value)}")
    return value


def _list(value: Any, where: str) -> list[Any]:
    if not isinstance(value, list):
        raise _Bad(where, f"expected a list, got {_kind(value)}")
    return value


def _int(value: Any, where: str, *, null: bool = False, low: int = 0) -> int | None:
    if value is None and null:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value < 1 << 31:
        raise _Bad(where, f"expected an integer >= {low}, got {shorten(value)}")
    return value


def _number(value: Any, where: str) -> float:
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not math.isfinite(value) or value < 0:
        raise _Bad(where, f"expected a finite number >= 0, got {shorten(value)}")
    return float(value)


def _text(value: Any, where: str, *, null: bool = False) -> str | None:
    if value is None and null:
        return None
    if not isinstance(value, str) or len(value) > MAX_TEXT or has_control(value.replace("\n", " ")):
        raise _Bad(where, f"expected one line of text, got {shorten(value)}")
    return value


def _id(value: Any, where: str, *, null: bool = False) -> str | None:
    if value is None and null:
        return None
    if not isinstance(value, str) or not _ID.match(value) or ".." in value:
        raise _Bad(where, f"bad id {shorten(value)}")
    return value


def _ids(value: Any, where: str) -> tuple[str, ...]:
    items = _list(value, where)
    if _all_ids(items):  # the common case, in one regex pass (national plans hold ~10^5 ids)
        return tuple(items)
    return tuple(str(_id(v, f"{where}[{i}]")) for i, v in enumerate(items))


def _all_ids(items: list[Any]) -> bool:
    if not all(type(v) is str for v in items):
        return False
    joined = "\n".join(items)
    return not items or (".." not in joined and joined.count("\n") == len(items) - 1
                         and _ID_LINES.fullmatch(joined) is not None)


def _kind(value: Any) -> str:
    return {dict: "an object", list: "a list", str: "text", bool: "a boolean", type(None): "null"}.get(
        type(value), f"a {type(value).__name__}")


def _plan(data: Any) -> Plan:
    if not isinstance(data, dict):
        raise _Bad("", f"not a plan file: expected a JSON object, got {_kind(data)}")
    top = data
    version = _need(top, "format", "")
    if version != FORMAT or isinstance(version, bool):
        raise _Bad("format", f"unsupported plan format {shorten(version)} (this dcc reads {FORMAT})")
    apps = _object(_need(top, "apps", ""), "apps")
    name = str(_id(_need(top, "estate", ""), "estate"))
    parsed = {str(_id(k, f"apps.{shorten(k)}")): _app(k, v, f"apps.{k}") for k, v in apps.items()}
    groups = tuple(_group(g, f"move_groups[{i}]")
                   for i, g in enumerate(_list(_need(top, "move_groups", ""), "move_groups")))
    waves = tuple(_wave(w, f"waves[{i}]") for i, w in enumerate(_list(_need(top, "waves", ""), "waves")))
    _once(waves)
    digest = _need(top, "inventory_digest", "")
    if not isinstance(digest, str) or not _DIGEST.match(digest):
        raise _Bad("inventory_digest", f"expected a sha256 hex digest, got {shorten(digest)}")
    return Plan(estate=name, inventory_digest=digest, apps=parsed, move_groups=groups, waves=waves, format=FORMAT)


def _once(waves: tuple[Wave, ...]) -> None:
    """Each wave number once, each app in one wave: a hand-edited plan must not move an app twice."""
    numbers: set[int] = set()
    moved: dict[str, int] = {}
    for i, wave in enumerate(waves):
        if wave.number in numbers:
            raise _Bad(f"waves[{i}].number", f"wave {wave.number} is given twice")
        numbers.add(wave.number)
        for j, app in enumerate(wave.apps):
            if app in moved:
                raise _Bad(f"waves[{i}].apps[{j}]", f"app {app!r} is already in wave {moved[app]}")
            moved[app] = wave.number


def _app(app_id: str, raw: Any, where: str) -> PlanApp:
    entry = _object(raw, where)
    strategy = _need(entry, "strategy", f"{where}.")
    if strategy not in STRATEGIES:
        raise _Bad(f"{where}.strategy", f"{shorten(strategy)} is not one of {', '.join(STRATEGIES)}")
    return PlanApp(id=app_id, strategy=strategy, rule=str(_text(_need(entry, "rule", f"{where}."), f"{where}.rule")),
                   shared_service=_text(entry.get("shared_service"), f"{where}.shared_service", null=True),
                   move_group=_id(entry.get("move_group"), f"{where}.move_group", null=True),
                   wave=_int(entry.get("wave"), f"{where}.wave", null=True, low=1))


def _group(raw: Any, where: str) -> MoveGroup:
    g = _object(raw, where)
    return MoveGroup(id=str(_id(_need(g, "id", f"{where}."), f"{where}.id")),
                     apps=_ids(_need(g, "apps", f"{where}."), f"{where}.apps"),
                     hosts=_ids(_need(g, "hosts", f"{where}."), f"{where}.hosts"),
                     data_gb=_number(_need(g, "data_gb", f"{where}."), f"{where}.data_gb"),
                     reason=str(_text(g.get("reason", ""), f"{where}.reason")),
                     wave=_int(g.get("wave"), f"{where}.wave", null=True, low=1),
                     wave_reasons=tuple(str(_text(r, f"{where}.wave_reasons[{i}]"))
                                        for i, r in enumerate(_list(g.get("wave_reasons", []),
                                                                    f"{where}.wave_reasons"))))


def _wave(raw: Any, where: str) -> Wave:
    w = _object(raw, where)
    start = _need(w, "start", f"{where}.")
    try:
        day = date.fromisoformat(start) if isinstance(start, str) and len(start) == 10 else None
    except ValueError:
        day = None
    if day is None:
        raise _Bad(f"{where}.start", f"bad date {shorten(start)} (YYYY-MM-DD)")
    return Wave(number=int(_int(_need(w, "number", f"{where}."), f"{where}.number", low=1) or 0), start=day,
                move_groups=_ids(w.get("move_groups", []), f"{where}.move_groups"),
                apps=_ids(_need(w, "apps", f"{where}."), f"{where}.apps"),
                hosts=tuple(_host(h, f"{where}.hosts[{i}]")
                            for i, h in enumerate(_list(_need(w, "hosts", f"{where}."), f"{where}.hosts"))),
                data_gb=_number(w.get("data_gb", 0.0), f"{where}.data_gb"),
                closes_datacenters=_ids(w.get("closes_datacenters", []), f"{where}.closes_datacenters"))


def _host(raw: Any, where: str) -> HostMove:
    if type(raw) is dict and raw.keys() <= _HOST_KEYS and "source" in raw and "target" in raw and "app" in raw:
        apps = raw.get("apps", [raw["app"]])
        if type(apps) is list and _all_ids([raw["source"], raw["target"], raw["app"], *apps]):
            return HostMove(source=raw["source"], target=raw["target"], app=raw["app"], apps=tuple(apps))
    h = _object(raw, where)
    app = str(_id(_need(h, "app", f"{where}."), f"{where}.app"))
    return HostMove(source=str(_id(_need(h, "source", f"{where}."), f"{where}.source")),
                    target=str(_id(_need(h, "target", f"{where}."), f"{where}.target")), app=app,
                    apps=_ids(h.get("apps", [app]), f"{where}.apps"))


def _known_ids(plan: Plan, estate: Estate) -> None:
    """Every app and host the plan names is in the estate (a hand-edited plan may name others)."""
    for app_id in plan.apps:
        if app_id not in estate.apps:
            raise _Bad(f"apps.{app_id}", f"app {app_id!r} is not in estate {estate.name!r}")
    for w in plan.waves:
        for i, app_id in enumerate(w.apps):
            if app_id not in estate.apps:
                raise _Bad(f"waves[number={w.number}].apps[{i}]", f"app {app_id!r} is not in estate {estate.name!r}")
        for i, move in enumerate(w.hosts):
            for key, host in (("source", move.source), ("target", move.target)):
                if host not in estate.hosts:
                    raise _Bad(f"waves[number={w.number}].hosts[{i}].{key}",
                               f"host {host!r} is not in estate {estate.name!r}")
