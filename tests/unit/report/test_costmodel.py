"""The cost model's inputs: the shipped config is valid, and a bad value names the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from migration.errors import InputError
from migration.report.costmodel import load_cost_model, parse_cost_model

GOOD = {"dc_annual_cost_by_tier_idr": {0: 1, 1: 2, 2: 3, 3: 4, 4: 5}, "server_annual_cost_idr": 10,
        "shared_cloud_annual_cost_per_app_idr": 20, "shared_service_annual_cost_per_app_idr": 5}


def test_shipped_config_loads() -> None:
    m = load_cost_model()
    assert set(m.dc_by_tier_idr) == {0, 1, 2, 3, 4} and m.server_idr > 0 and m.cloud_per_app_idr > 0


@pytest.mark.parametrize(("tier", "known", "expected"), [(2, None, 3.0), (2, 7.0, 7.0), (4, 0.0, 0.0), (9, None, 0.0)])
def test_dc_cost_prefers_the_inventory_figure(tier: int, known: float | None, expected: float) -> None:
    assert parse_cost_model(GOOD, "t").dc_cost(tier, known) == expected


@pytest.mark.parametrize(("patch", "key"), [
    ({"server_annual_cost_idr": -1}, "server_annual_cost_idr"),
    ({"shared_cloud_annual_cost_per_app_idr": "lots"}, "shared_cloud_annual_cost_per_app_idr"),
    ({"shared_service_annual_cost_per_app_idr": None}, "shared_service_annual_cost_per_app_idr"),
    ({"dc_annual_cost_by_tier_idr": {7: 1}}, "tier 7"),
    ({"dc_annual_cost_by_tier_idr": {1: True}}, "dc_annual_cost_by_tier_idr"),
    ({"dc_annual_cost_by_tier_idr": []}, "dc_annual_cost_by_tier_idr"),
])
def test_bad_input_names_the_key(patch: dict, key: str) -> None:
    with pytest.raises(InputError) as err:
        parse_cost_model({**GOOD, **patch}, "cost.yaml")
    assert key in err.value.line() and err.value.line().startswith("cost.yaml")


def test_broken_yaml_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "cost.yaml"
    path.write_text("version: 1\nserver_annual_cost_idr: [1,\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_cost_model(path)
    assert f"{path}:" in err.value.line()
