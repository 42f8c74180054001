"""Generate the national sample estate: reproducible from a seed, realistic in shape.

38 provinces, ~630 agencies, ~2,700 legacy data centers (skewed sizes), a few national data
centers with target hosts, ~27,000 apps duplicating common functions, ~60,000 hosts, a
power-law dependency graph with a few cycles, heavy-tailed data sizes. Same seed and scale
give byte-identical files.
"""

from __future__ import annotations

import csv
import io
import random
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import yaml

from migration.atomic import write_text_atomic
from migration.errors import InputError
from migration.inventory import samplers
from migration.inventory.yamlsafe import load_bounded
from migration.untrusted.files import read_text, write_problem

_FILES = ("agencies.csv", "datacenters.csv", "hosts.csv", "apps.csv", "dependencies.csv",
          "estate.yaml", "constraints.yaml")


@dataclass(frozen=True, slots=True)
class GenerateSettings:
    """Sizes at scale 1.0; every count is multiplied by `scale` (agencies too)."""

    seed: int = 2024
    scale: float = 1.0
    central_agencies: int = 80
    datacenters: int = 2700
    apps: int = 27000
    national_datacenters: int = 3
    max_hosts_per_wave: int = 2500
    wave_days: int = 14

    @classmethod
    def from_folder(cls, folder: Path) -> GenerateSettings:
        """Settings from `folder/generate.yaml` when present, else the defaults."""
        path = folder / "generate.yaml"
        if not path.exists() and not path.is_symlink():
            return cls()
        data = load_bounded(read_text(path), str(path)) or {}
        if not isinstance(data, dict):
            raise InputError("expected a mapping of settings", where=str(path))
        unknown = sorted(set(data) - set(cls.__dataclass_fields__))
        if unknown:
            raise InputError("unknown key", where=f"{path}: {unknown[0]}")
        try:
            return cls(**{k: type(getattr(cls(), k))(v) for k, v in data.items()}).checked(path)
        except (TypeError, ValueError) as exc:
            raise InputError(f"bad value: {exc}", where=str(path)) from None

    def override(self, seed: int | None = None, scale: float | None = None) -> GenerateSettings:
        changes: dict[str, Any] = {k: v for k, v in (("seed", seed), ("scale", scale)) if v is not None}
        return replace(self, **changes).checked("--scale")

    def checked(self, where: object) -> GenerateSettings:
        if not 0.001 <= self.scale <= 10:
            raise InputError(f"scale must be between 0.001 and 10, got {self.scale}", where=str(where))
        return self

    def count(self, base: int, minimum: int = 1) -> int:
        return max(minimum, round(base * self.scale))


def write_estate(out: Path, settings: GenerateSettings) -> dict[str, int]:
    """Generate and write the estate files into `out` (each atomically); returns the counts."""
    estate = samplers.NationalSample(settings, random.Random(settings.seed)).build()
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise write_problem(out, exc) from None
    if not out.is_dir():
        raise InputError("not a folder (give a folder to write the estate into)", where=str(out))
    for name in _FILES:
        write_text_atomic(out / name, _render(name, estate))
    return {k: len(v) for k, v in estate.tables.items()}


def _render(name: str, estate: samplers.Sample) -> str:
    if name.endswith(".yaml"):
        return yaml.safe_dump(estate.documents[name], sort_keys=True, allow_unicode=True)
    table = estate.tables[name.removesuffix(".csv")]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(samplers.COLUMNS[name.removesuffix(".csv")])
    writer.writerows(table)
    return buffer.getvalue()


__all__ = ["GenerateSettings", "write_estate"]
