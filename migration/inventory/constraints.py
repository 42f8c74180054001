"""Read `constraints.yaml` and `estate.yaml`: single mappings with typed, checked keys.

Every problem names the file, the line of the key and the key (dotted for nested keys).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from migration.inventory import schema
from migration.inventory.model import Blackout, Capacity, Constraints, Schedule
from migration.inventory.readers import KEY_LINES, LINE, Problems, read_yaml

_TOP = ("schedule", "max_hosts_per_wave", "max_data_gb_per_wave", "critical_not_before_wave",
        "target_capacity", "blackouts")


class _Mapping:
    """One YAML mapping with its file and lines, handing out typed values."""

    def __init__(self, data: dict[str, Any], file: Path, problems: Problems, prefix: str = "") -> None:
        self.data, self.file, self.problems, self.prefix = data, file, problems, prefix
        self.line = data.get(LINE)
        self.key_lines: dict[str, int] = data.get(KEY_LINES, {})

    def report(self, key: str, message: str) -> None:
        self.problems.add(self.file, self.key_lines.get(key, self.line), self.prefix + key, message)

    def check_keys(self, allowed: tuple[str, ...]) -> None:
        for key in self.data:
            if key not in (LINE, KEY_LINES) and key not in allowed:
                self.report(key, "unknown key")

    def get(self, key: str, parse: schema.Parser, default: Any = None, required: bool = False) -> Any:
        raw = self.data.get(key)
        if raw is None:
            if required:
                self.report(key, "missing required key")
            return default
        try:
            return parse(raw)
        except ValueError as exc:
            self.report(key, str(exc))
            return default

    def child(self, key: str) -> _Mapping | None:
        raw = self.data.get(key)
        if raw is None:
            return None
        if not isinstance(raw, dict):
            self.report(key, "expected a mapping")
            return None
        return _Mapping(raw, self.file, self.problems, f"{self.prefix}{key}.")


def read_mapping(path: Path, problems: Problems) -> _Mapping | None:
    before = len(problems)
    document = read_yaml(path, problems)
    if document is None and len(problems) == before:
        document = {}  # an empty constraints file means "no constraints"
    if isinstance(document, dict):
        return _Mapping(document, path, problems)
    if document is not None:
        problems.add(path, 1, None, "expected a mapping of keys")
    return None


def load_constraints(path: Path | None, problems: Problems) -> tuple[Constraints, list[tuple[int, Blackout]]]:
    """The constraints, plus each blackout with its line for the reference checks."""
    if path is None:
        return Constraints(), []
    top = read_mapping(path, problems)
    if top is None:
        return Constraints(), []
    top.check_keys(_TOP)
    blackouts = _blackouts(top)
    constraints = Constraints(
        schedule=_schedule(top),
        max_hosts_per_wave=top.get("max_hosts_per_wave", schema.integer(1)),
        max_data_gb_per_wave=top.get("max_data_gb_per_wave", schema.number(0.001)),
        critical_not_before_wave=top.get("critical_not_before_wave", schema.integer(1), default=1),
        target_capacity=_capacity(top),
        blackouts=tuple(b for _, b in blackouts),
    )
    return constraints, blackouts


def _schedule(top: _Mapping) -> Schedule:
    sched = top.child("schedule")
    if sched is None:
        return Constraints().schedule
    sched.check_keys(("start", "wave_days"))
    start = sched.get("start", schema.day, required=True) or Constraints().schedule.start
    return Schedule(start=start, wave_days=sched.get("wave_days", schema.integer(1, 366), default=7))


def _capacity(top: _Mapping) -> Capacity | None:
    cap = top.child("target_capacity")
    if cap is None:
        return None
    cap.check_keys(("cpu", "memory_gb", "disk_gb"))
    return Capacity(cpu=cap.get("cpu", schema.number()), memory_gb=cap.get("memory_gb", schema.number()),
                    disk_gb=cap.get("disk_gb", schema.number()))


def _blackouts(top: _Mapping) -> list[tuple[int, Blackout]]:
    raw = top.data.get("blackouts")
    if raw is None:
        return []
    if not isinstance(raw, list):
        top.report("blackouts", "expected a list of mappings")
        return []
    found = []
    for item in raw:
        if not isinstance(item, dict):
            top.report("blackouts", "each blackout must be a mapping")
            continue
        blackout = _blackout(_Mapping(item, top.file, top.problems, "blackouts."))
        if blackout is not None:
            found.append((item[LINE], blackout))
    return found


def _blackout(entry: _Mapping) -> Blackout | None:
    entry.check_keys(("agency", "datacenter", "from", "to", "reason"))
    start, end = entry.get("from", schema.day, required=True), entry.get("to", schema.day, required=True)
    agency, dc = entry.get("agency", schema.ident), entry.get("datacenter", schema.ident)
    if agency is None and dc is None:
        entry.report("agency", "a blackout needs an agency or a datacenter")
        return None
    if start is None or end is None:
        return None
    if end < start:
        entry.report("to", f"{end} is before from {start}")
        return None
    return Blackout(start=start, end=end, agency=agency, datacenter=dc, reason=entry.get("reason", schema.text, ""))


def load_header(path: Path, problems: Problems) -> dict[str, Any]:
    """estate.yaml: name, national_datacenter, portal_host (typed), plus the line of each key."""
    top = read_mapping(path, problems)
    if top is None:
        return {}
    top.check_keys(tuple(c.name for c in schema.ESTATE_KEYS))
    values = {c.name: top.get(c.name, c.parse, required=c.required) for c in schema.ESTATE_KEYS}
    values["__lines__"] = {key: top.key_lines.get(key, top.line) for key in values}
    return values
