"""Stack configuration: every committed stack file parses; a bad or missing key names the key,
both in the pure parser and in the real program under the mock runtime."""

from __future__ import annotations

import copy

import pulumi
import pytest

from stacks.settings import ConfigProblem, parse_settings
from stacks.stackfile import stack_values
from tests.support.stacks.stackhelp import ROOT
from tests.support.stacks.stackmock import run_program


@pytest.mark.parametrize("stack", sorted(p.name for p in ROOT.glob("Pulumi.*.yaml")))
def test_committed_stack_files_parse(stack):
    settings = parse_settings(stack_values(ROOT / stack))
    assert settings.role in ("all", "platform", "tenants")


def test_national_shards_cover_every_agency_once():
    ids = [f"agency-{i:03}" for i in range(630)]
    shards = [parse_settings(stack_values(p)).shard for p in sorted(ROOT.glob("Pulumi.national-shard-*.yaml"))]
    picked = [a for s in shards for a in s.selects(ids)]
    assert sorted(picked) == sorted(ids) and len(shards) == 8


def _drop(values, key):
    values.pop(key)


def _set(key, value):
    return lambda values, k=key, v=value: values.__setitem__(k, v)


CASES = [
    ("inventory", lambda v: _drop(v, "inventory")),
    ("role", _set("role", "everything")),
    ("shard", _set("shard", {"index": 8, "count": 8})),
    ("platformStack", _set("role", "tenants")),
    ("storageAllowList", _set("storageAllowList", [])),
    ("storageEndpoint", _set("storageEndpoint", "https://s3.amazonaws.com")),
    ("backupTarget", _set("backupTarget", {"name": "x"})),
    ("backupTarget", lambda v: v["backupTarget"].update(failureDomain="pdn-cikarang")),
    ("backupTarget", lambda v: v["backupTarget"].update(s3Url="https://backup.example.com")),
    ("charts.backup", lambda v: v["charts"].pop("backup")),
    ("charts.ingress.version", lambda v: v["charts"]["ingress"].update(version="latest")),
    ("pssVersion", _set("pssVersion", "latest")),
]


@pytest.mark.parametrize("key,mutate", CASES, ids=[f"{k}-{i}" for i, (k, _) in enumerate(CASES)])
def test_bad_setting_names_the_key(lab_values, key, mutate):
    values = copy.deepcopy(lab_values)
    mutate(values)
    with pytest.raises(ConfigProblem) as exc:
        parse_settings(values)
    assert exc.value.key == f"dcc:{key}"


@pytest.mark.stacks
def test_program_with_bad_config_raises_run_error_naming_the_key(lab_values):
    values = copy.deepcopy(lab_values)
    values["backupTarget"]["failureDomain"] = values["failureDomain"]
    with pytest.raises(pulumi.RunError, match=r"^dcc:backupTarget: failureDomain must differ"):
        run_program(values, stack="lab")
