"""Each guardrail rejects a bad object and accepts a good one (table-driven, no Pulumi)."""

from __future__ import annotations

import pytest

from stacks.builders.specs import PlatformRefs
from stacks.builders.tenant import tenant_objects
from stacks.policy import policies as p
from tests.support.stacks.guardcases import CASES, CTX, FUNCTIONS, GOOD, OBJECTS, TENANT

REFS = PlatformRefs()


@pytest.mark.parametrize("c", CASES, ids=[f"{c.policy}:{c.what}" for c in CASES])
def test_policy_rejects_bad_and_accepts_good(c):
    check = FUNCTIONS[c.policy]
    assert check(c.good, CTX) == [], f"{c.policy} rejected the good {c.good['kind']}"
    assert check(c.bad, CTX), f"{c.policy} accepted {c.what}"


def test_every_rendered_object_of_the_case_tenant_passes_every_policy():
    assert [(o["kind"], v) for o in OBJECTS for v in p.check_object(o, CTX)] == []


@pytest.mark.parametrize("url,allowed", [
    ("https://s3.batam.pdn.go.id", True), ("https://pdn.go.id:9000/x", True), ("s3.pdn.go.id", True),
    ("https://evilpdn.go.id", False), ("https://pdn.go.id.example.com", False), ("https://s3.amazonaws.com", False),
])
def test_host_allowed(url, allowed):
    assert p.host_allowed(url, ["pdn.go.id"]) is allowed


@pytest.mark.parametrize("image,ok", [
    ("r.io/a/b:1.2.3", True), ("r.io/a/b@sha256:" + "0" * 64, True), ("r.io:5000/a/b:v1", True),
    ("r.io/a/b", False), ("r.io:5000/a/b", False), ("b:latest", False), ("b", False),
])
def test_image_pinning(image, ok):
    assert (p.image_problem(image) is None) is ok


def test_stack_policies_need_default_deny_and_backup_per_tenant_namespace():
    objs = tenant_objects(TENANT, REFS)
    assert GOOD and p.default_deny_present(objs, CTX) == [] and p.backup_present(objs, CTX) == []
    no_deny = [o for o in objs if o["metadata"]["name"] != "default-deny"]
    no_backup = [o for o in objs if o["kind"] != "Schedule"]
    assert [ns for ns, _ in p.default_deny_present(no_deny, CTX)] == ["kemenkes"]
    assert [ns for ns, _ in p.backup_present(no_backup, CTX)] == ["kemenkes"]


def test_cluster_role_binding_for_an_agency_group_is_rejected():
    crb = {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding", "metadata": {"name": "x"},
           "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "view"},
           "subjects": [{"kind": "Group", "name": "agency:kemenkes:admins"}]}
    assert p.tenant_bindings(crb, CTX)
