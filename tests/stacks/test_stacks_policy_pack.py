"""The CrossGuard wrappers run the same policy functions on Pulumi's view of resources,
with their config coming from the file `dcc render` writes."""

from __future__ import annotations

from types import SimpleNamespace

import pulumi_policy

from stacks.builders.app import app_objects
from stacks.builders.specs import AppSpec, PlatformRefs, TenantSpec
from stacks.builders.tenant import tenant_objects
from stacks.manifests import policy_config
from stacks.policy import pack
from stacks.policy.policies import RESOURCE_POLICIES, STACK_POLICIES, PolicyContext

APP = AppSpec("simpeg", "kemenkes", "SIMPEG", "web-db", "simpeg.kemenkes.go.id", 8080, "1.0.0", 2, 4, 12)
OBJS = tenant_objects(TenantSpec("kemenkes", "Kemenkes", (APP,)), PlatformRefs()) + app_objects(APP, PlatformRefs())
CONFIG = policy_config(PolicyContext(frozenset({"simpeg"}), ("pdn.go.id",), frozenset(pack.DEFAULT_PLATFORM_NAMESPACES),
                                     tenant_hosts={"kemenkes": frozenset({"simpeg.kemenkes.go.id"})}))


def _type(o: dict) -> str:
    api = o['apiVersion'] if '/' in o['apiVersion'] else 'core/' + o['apiVersion']
    return f"kubernetes:{api}:{o['kind']}"


def _run_resource(policy, o):
    found: list[str] = []
    args = SimpleNamespace(resource_type=_type(o), props=o, get_config=lambda: CONFIG[policy.name])
    policy.validate(args, lambda message, urn=None: found.append(message))
    return found


def test_pack_has_every_policy_mandatory():
    built = pack.build_policies()
    assert [p.name for p in built] == [p.name for p in (*RESOURCE_POLICIES, *STACK_POLICIES)]
    assert all(p.enforcement_level == pulumi_policy.EnforcementLevel.MANDATORY for p in built)
    assert set(CONFIG) == {p.name for p in built}


def test_resource_wrappers_pass_good_objects_and_report_bad_ones():
    policies = {p.name: p for p in pack.build_policies() if isinstance(p, pulumi_policy.ResourceValidationPolicy)}
    for o in OBJS:
        for policy in policies.values():
            assert _run_resource(policy, o) == [], (policy.name, o["kind"])
    workload = next(o for o in OBJS if o["kind"] == "StatefulSet")
    stranger = {**workload, "metadata": {**workload["metadata"], "labels": {"dcc.go.id/app-id": "not-in-inventory"}}}
    assert _run_resource(policies["dcc-no-new-apps"], stranger)


def test_stack_wrapper_reports_a_namespace_without_default_deny():
    policy = next(p for p in pack.build_policies() if p.name == "dcc-default-deny")
    without = [o for o in OBJS if o["metadata"]["name"] != "default-deny"]
    found: list[str] = []
    resources = [SimpleNamespace(resource_type=_type(o), props=o) for o in without]
    policy.validate(SimpleNamespace(resources=resources, get_config=lambda: CONFIG[policy.name]),
                    lambda message, urn=None: found.append(message))
    assert found == ["namespace kemenkes: no default-deny NetworkPolicy (empty podSelector, Ingress and Egress, no rules)"]


def test_pack_entrypoint_starts_its_analyzer_on_loopback():
    """`stacks/policy/__main__.py` as Pulumi runs it: it must import and print the port it serves on."""
    import subprocess
    import sys

    from tests.support.stacks.stackhelp import ROOT

    pack_dir = ROOT / "stacks" / "policy"
    proc = subprocess.Popen([sys.executable, "__main__.py"], cwd=pack_dir, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        port = proc.stdout.readline().strip()
        assert port.isdigit() and 0 < int(port) < 65536, proc.stderr.read() if proc.poll() is not None else port
    finally:
        proc.kill()
        proc.wait(timeout=10)
