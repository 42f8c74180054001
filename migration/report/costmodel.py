"""The documented cost model behind the savings KPI, read once from config/cost-model.yaml.

A bad or missing key raises InputError naming the file and the key, so a wrong input never
turns into a quietly wrong rupiah figure.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from migration.errors import InputError
from migration.inventory.yamlsafe import load_bounded
from migration.untrusted.files import read_text

DEFAULT_PATH = Path(__file__).resolve().parents[2] / "config" / "cost-model.yaml"
_AMOUNTS = (
    "server_annual_cost_idr",
    "shared_cloud_annual_cost_per_app_idr",
    "shared_service_annual_cost_per_app_idr",
)


@dataclass(frozen=True)
class CostModel:
    version: int
    dc_by_tier_idr: Mapping[int, float]
    server_idr: float
    cloud_per_app_idr: float
    shared_service_per_app_idr: float
    source: str = "config/cost-model.yaml"

    def dc_cost(self, tier: int, annual_cost_idr: float | None) -> float:
        """The inventory's own figure where known; else the tier default."""
        if annual_cost_idr is not None:
            return annual_cost_idr
        return self.dc_by_tier_idr.get(tier, 0.0)

    def as_inputs(self) -> dict[str, Any]:
        return {
            "version": self.version, "source": self.source,
            "dc_annual_cost_by_tier_idr": {str(t): v for t, v in sorted(self.dc_by_tier_idr.items())},
            "server_annual_cost_idr": self.server_idr,
            "shared_cloud_annual_cost_per_app_idr": self.cloud_per_app_idr,
            "shared_service_annual_cost_per_app_idr": self.shared_service_per_app_idr,
        }


def _amount(raw: Mapping[Any, Any], key: str | int, where: str) -> float:
    value = raw.get(key)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise InputError(f"{key} must be a non-negative number, got {value!r}", where=where)
    return float(value)


def parse_cost_model(raw: Any, where: str) -> CostModel:
    if not isinstance(raw, Mapping):
        raise InputError("the cost model must be a YAML mapping", where=where)
    tiers = raw.get("dc_annual_cost_by_tier_idr")
    if not isinstance(tiers, Mapping) or not tiers:
        raise InputError("dc_annual_cost_by_tier_idr must map tiers 0-4 to amounts", where=where)
    by_tier = {}
    for tier in tiers:
        if not isinstance(tier, int) or not 0 <= tier <= 4:
            raise InputError(f"dc_annual_cost_by_tier_idr: tier {tier!r} is not 0-4", where=where)
        by_tier[tier] = _amount(tiers, tier, f"{where}: dc_annual_cost_by_tier_idr")
    server, cloud, shared = (_amount(raw, k, where) for k in _AMOUNTS)
    return CostModel(int(raw.get("version", 1)), by_tier, server, cloud, shared, where)


def load_cost_model(path: Path = DEFAULT_PATH) -> CostModel:
    raw = load_bounded(read_text(path, "cost model file"), str(path))
    return parse_cost_model(raw, str(path))
