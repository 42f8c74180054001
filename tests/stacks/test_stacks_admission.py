"""The in-cluster guardrails: each ValidatingAdmissionPolicy, evaluated offline with cel-python as
the API server would, admits the same good objects and rejects the same bad ones as its
CrossGuard twin (tests/stacks/guardcases.py); the guardrail objects only the platform may change."""

from __future__ import annotations

import copy

import pytest

from stacks.builders.admission import admission_objects, endpoint_pattern, guards
from stacks.settings import parse_settings
from stacks.stackfile import stack_values
from tests.support.stacks.celadmit import PLATFORM_ADMIN, TENANT_ADMIN, admit
from tests.support.stacks.guardcases import CASES, FUNCTIONS, GOOD, NAMESPACE, PARAMS
from tests.support.stacks.stackhelp import ROOT

PLATFORM = parse_settings(stack_values(ROOT / "Pulumi.lab.yaml")).platform
OBJECTS = admission_objects(PLATFORM)
POLICIES = {o["metadata"]["name"]: o for o in OBJECTS if o["kind"] == "ValidatingAdmissionPolicy"}
BINDINGS = {o["spec"]["policyName"]: o for o in OBJECTS if o["kind"] == "ValidatingAdmissionPolicyBinding"}
CEL_CASES = [c for c in CASES if c.cel]


def verdict(name: str, o: dict, **kw):
    kw.setdefault("namespace", NAMESPACE)
    kw.setdefault("params", PARAMS if POLICIES[name]["spec"].get("paramKind") else None)
    return admit(POLICIES[name], BINDINGS[name], o, **kw)


def test_every_crossguard_resource_policy_has_an_admission_twin_and_a_binding():
    assert set(FUNCTIONS) <= set(POLICIES), set(FUNCTIONS) - set(POLICIES)
    assert set(POLICIES) == set(BINDINGS)
    for b in BINDINGS.values():
        assert b["spec"]["validationActions"] == ["Deny"]
    assert {c.policy for c in CEL_CASES} == set(POLICIES) - {"dcc-tenant-guardrails"}


@pytest.mark.parametrize("c", CEL_CASES, ids=[f"{c.policy}:{c.what}" for c in CEL_CASES])
def test_admission_policy_admits_good_and_rejects_bad(c):
    good = verdict(c.policy, c.good)
    assert good.matched and good.admitted, f"{c.policy} denied the good {c.good['kind']}: {good.denied}"
    bad = verdict(c.policy, c.bad)
    assert bad.matched and not bad.admitted, f"{c.policy} admitted {c.what}"


@pytest.mark.parametrize("kind", ["Pod", "Deployment", "CronJob"])
def test_pod_policies_read_the_pod_spec_of_every_workload_kind(kind):
    template = GOOD["Deployment"]["spec"]["template"]
    o = {"apiVersion": "v1", "kind": kind, "metadata": {**template["metadata"], "name": "x", "namespace": "kemenkes"}}
    if kind == "Pod":
        o["spec"] = template["spec"]
    elif kind == "Deployment":
        o = GOOD["Deployment"]
    else:
        o["spec"] = {"schedule": "0 1 * * *", "jobTemplate": {"spec": {"template": copy.deepcopy(template)}}}
    for name in ("dcc-restricted-pods", "dcc-container-limits", "dcc-image-pull-policy", "dcc-registry",
                 "dcc-no-new-apps", "dcc-pinned-images"):
        v = verdict(name, o)
        assert v.matched and v.admitted, (name, v.denied)
    root = o["spec"] if kind == "Pod" else (o["spec"]["template"]["spec"] if kind == "Deployment" else
                                             o["spec"]["jobTemplate"]["spec"]["template"]["spec"])
    bad = copy.deepcopy(o)
    broot = bad["spec"] if kind == "Pod" else (bad["spec"]["template"]["spec"] if kind == "Deployment" else
                                                bad["spec"]["jobTemplate"]["spec"]["template"]["spec"])
    broot["containers"][0]["securityContext"]["allowPrivilegeEscalation"] = True
    assert root is not broot and not verdict("dcc-restricted-pods", bad).admitted


def test_policies_with_params_deny_when_the_tenant_has_none():
    v = verdict("dcc-no-new-apps", GOOD["StatefulSet"], params=None)
    assert v.matched and not v.admitted
    assert BINDINGS["dcc-no-new-apps"]["spec"]["paramRef"]["parameterNotFoundAction"] == "Deny"


def test_policies_skip_platform_namespaces():
    ns = {"metadata": {"name": "dcc-portal", "labels": {"kubernetes.io/metadata.name": "dcc-portal"}}}
    assert not verdict("dcc-service-types", {**GOOD["Service"], "spec": {"type": "LoadBalancer"}}, namespace=ns).matched


@pytest.mark.parametrize("kind,name", [("NetworkPolicy", "default-deny"), ("NetworkPolicy", "allow-egress"),
                                       ("ResourceQuota", "tenant-quota"), ("LimitRange", "tenant-limits"),
                                       ("RoleBinding", "agency-admins"), ("ConfigMap", "dcc-tenant-guardrails")])
@pytest.mark.parametrize("operation", ["CREATE", "UPDATE", "DELETE"])
def test_only_the_platform_changes_a_tenants_guardrails(kind, name, operation):
    from tests.support.stacks.guardcases import OBJECTS as TENANT_OBJECTS

    o = next(x for x in TENANT_OBJECTS if x["kind"] == kind and x["metadata"]["name"] == name)
    weakened = copy.deepcopy(o)
    if kind == "NetworkPolicy":
        weakened["spec"] = {"podSelector": {}, "policyTypes": ["Ingress"], "ingress": [{}]}  # allow everything in
    new, old = {"CREATE": (weakened, None), "UPDATE": (weakened, o), "DELETE": (None, o)}[operation]
    tenant = verdict("dcc-tenant-guardrails", new, old=old, operation=operation, user=TENANT_ADMIN)
    assert tenant.matched and not tenant.admitted, f"a tenant admin could {operation} {kind}/{name}"
    platform = verdict("dcc-tenant-guardrails", new, old=old, operation=operation, user=PLATFORM_ADMIN)
    assert platform.matched and platform.admitted
    gc = {"username": "system:serviceaccount:kube-system:namespace-controller",
          "groups": ["system:serviceaccounts", "system:serviceaccounts:kube-system"]}
    assert verdict("dcc-tenant-guardrails", new, old=old, operation=operation, user=gc).admitted


def test_tenant_admins_keep_their_own_configmaps():
    mine = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "app-config", "namespace": "kemenkes"},
            "data": {"x": "1"}}
    assert not verdict("dcc-tenant-guardrails", mine, user=TENANT_ADMIN).matched


@pytest.mark.parametrize("url,ok", [("https://s3.batam.pdn.go.id", True), ("https://pdn.go.id:9000/x", True),
                                    ("https://evilpdn.go.id", False), ("https://pdn.go.id.example.com", False)])
def test_endpoint_pattern_agrees_with_host_allowed(url, ok):
    import re

    from stacks.policy.policies import host_allowed

    assert bool(re.search(endpoint_pattern(("pdn.go.id",)), url)) is ok is host_allowed(url, ["pdn.go.id"])


def test_guards_are_rendered_in_the_platform_objects():
    from stacks.builders.platform import platform_objects

    names = {o["metadata"]["name"] for o in platform_objects(PLATFORM) if o["kind"] == "ValidatingAdmissionPolicy"}
    assert names == {g.name for g in guards(PLATFORM)}


def test_velero_restores_pods_with_its_helper_but_no_one_else_can():
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {**copy.deepcopy(GOOD["Deployment"]["spec"]["template"]["metadata"]),
                                                           "name": "sehat-api-x", "namespace": "kemenkes"},
           "spec": copy.deepcopy(GOOD["Deployment"]["spec"]["template"]["spec"])}
    pod["spec"]["initContainers"] = [{"name": "restore-wait", "image": "velero/velero-restore-helper:v1.14.0"}]
    velero = {"username": "system:serviceaccount:velero:velero-server",
              "groups": ["system:serviceaccounts", "system:serviceaccounts:velero"]}
    for name in ("dcc-registry", "dcc-image-pull-policy", "dcc-restricted-pods", "dcc-container-limits"):
        assert not verdict(name, pod, user=velero).matched, name
        assert not verdict(name, pod, user=TENANT_ADMIN).admitted, name
