"""Reducing ansible-runner stats to per-host outcomes, and per-app decisions from them (no network)."""

from __future__ import annotations

import pytest

from migration.execution.runner import HostOutcome, PhaseResult, _outcomes
from migration.execution.steps import by_hosts
from tests.unit.test_pipeline_jobs import move

STATS = {"ok": {"a": 3, "b": 2, "c": 1}, "changed": {"a": 1}, "failures": {"b": 1}, "dark": {"d": 1},
         "skipped": {"e": 2}}


@pytest.mark.parametrize(("host", "expected"), [
    ("a", HostOutcome("a", ok=3, changed=1)),
    ("b", HostOutcome("b", ok=2, failed=True)),
    ("d", HostOutcome("d", unreachable=True)),
    ("e", HostOutcome("e")),           # only skipped tasks: ran, nothing to do
])
def test_stats_become_host_outcomes(host, expected):
    assert _outcomes(STATS, [host], {})[host] == expected


def test_a_host_missing_from_stats_did_not_run():
    assert _outcomes(STATS, ["zz"], {}) == {}
    assert _outcomes(None, ["a"], {}) == {}
    assert not PhaseResult("p", "failed", 2, {}).host_ok("a")


@pytest.mark.parametrize(("hosts", "ok", "changed"), [
    ({"s": HostOutcome("s", ok=1), "t-s": HostOutcome("t-s", ok=1, changed=2)}, True, True),
    ({"s": HostOutcome("s", ok=1), "t-s": HostOutcome("t-s", failed=True)}, False, False),
    ({"s": HostOutcome("s", ok=1)}, False, False),  # the target never reported
])
def test_an_app_succeeds_only_if_every_host_with_a_job_did(hosts, ok, changed):
    m = move("app", ("s",))
    jobs = {"s": [{"app": "app"}], "t-s": [{"app": "app"}]}
    outcome = by_hosts([m], jobs, PhaseResult("deploy", "successful", 0, hosts))["app"]
    assert (outcome.ok, outcome.changed) == (ok, changed)
