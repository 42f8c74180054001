"""Pure builder logic: sizing from legacy hosts, object names, and the estate adapter's
network openings (table-driven, no Pulumi)."""

from __future__ import annotations

import pytest

from migration.inventory import load_estate
from stacks.builders import sizing
from stacks.builders.meta import app_label, short_name
from stacks.builders.specs import AppSpec
from stacks.estate import read_strategies, specs_from_estate
from stacks.settings import parse_settings
from stacks.stackfile import stack_values
from tests.support.stacks.stackhelp import LAB_PLAN, ROOT


def app(cpu: float, mem: float, data: float, archetype: str = "api") -> AppSpec:
    return AppSpec("a", "ag", "A", archetype, "a.go.id", 8080, "1.0.0", cpu, mem, data)


@pytest.mark.parametrize("spec,limits,requests,storage,replicas", [
    (app(2, 4, 0.1), (2000, 4096), (500, 1024), 0, 2),
    (app(0.1, 0.1, 12, "web-db"), (250, 256), (100, 128), 18, 1),
    (app(16, 64, 180, "files"), (16000, 65536), (4000, 16384), 270, 1),
])
def test_app_sizing(spec, limits, requests, storage, replicas):
    lim, req = sizing.app_limits(spec), sizing.app_requests(spec)
    assert (lim.cpu_m, lim.memory_mi) == limits and (req.cpu_m, req.memory_mi) == requests
    assert sizing.app_storage_gi(spec) == storage and sizing.replicas(spec) == replicas


@pytest.mark.parametrize("apps,cpu_limit,mem_limit,storage,pods", [
    ((), 2000, 4096, 20, 10),                                   # floors for an agency with no cloud apps
    ((app(2, 4, 0.1),), 5000, 10240, 20, 14),                   # 2 replicas x 2000m x 1.25
    ((app(16, 64, 180, "files"),), 20000, 81920, 338, 12),     # 1 replica, 270Gi x 1.25
])
def test_tenant_quota(apps, cpu_limit, mem_limit, storage, pods):
    req, lim, n = sizing.tenant_quota(apps)
    assert (lim.cpu_m, lim.memory_mi, req.storage_gi, n) == (cpu_limit, mem_limit, storage, pods)


@pytest.mark.parametrize("value,limit,expect_same", [
    ("simpeg-kemenkes", 52, True), ("x" * 52, 52, True), ("x" * 53, 52, False), ("Upper-Case", 63, False),
    ("9starts-with-digit", 52, False),
])
def test_short_names_are_valid_and_stable(value, limit, expect_same):
    name = short_name(value, limit)
    assert (name == value) is expect_same and len(name) <= limit and name == short_name(value, limit)
    assert name[0].isalpha() or not expect_same


def test_long_app_ids_get_distinct_labels():
    a, b = "p" * 70 + "-1", "p" * 70 + "-2"
    assert app_label(a) != app_label(b) and len(app_label(a)) <= 63


def test_lab_network_openings_follow_dependencies_between_replatformed_apps():
    settings = parse_settings(stack_values(ROOT / "Pulumi.lab.yaml"))
    specs = specs_from_estate(load_estate(ROOT / "inventory" / "lab"), read_strategies(LAB_PLAN), settings)
    by = {t.agency: t for t in specs.tenants}
    # sehat-api -> simpeg-kemenkes and lapor-jabar -> perizinan-jabar stay inside their agency;
    # lapor-jabar -> eoffice-jabar (rehost) and perizinan-jabar -> eoffice-bogor (replace) use the gateway.
    assert by["kemenkes"].calls_agencies == ("kemenkes",) == by["kemenkes"].called_by_agencies
    assert by["pemprov-jabar"].calls_agencies == ("pemprov-jabar",)
    assert by["pemkab-bogor"].calls_agencies == () and by["pemkab-bogor"].apps == ()
    assert [a.id for a in by["kemenkes"].apps] == ["simpeg-kemenkes", "arsip-kemenkes", "sehat-api"]
