"""Each guardrail rejects a bad object and accepts a good one (table-driven, no Pulumi)."""

from __future__ import annotations

import copy

import pytest

from stacks.builders.app import app_objects
from stacks.builders.specs import AppSpec, PlatformRefs, TenantSpec
from stacks.builders.tenant import tenant_objects
from stacks.policy import policies as p

REFS = PlatformRefs()
APP = AppSpec("simpeg", "kemenkes", "SIMPEG", "web-db", "simpeg.kemenkes.go.id", 8080, "1.0.0", 2, 4, 12)
TENANT = TenantSpec("kemenkes", "Kemenkes", (APP,))
CTX = p.PolicyContext(frozenset({"simpeg"}), ("pdn.go.id",), frozenset({"velero", "dcc-portal", "dcc-exchange"}))
GOOD: dict = {}
for _o in tenant_objects(TENANT, REFS) + app_objects(APP, REFS):
    GOOD.setdefault(_o["kind"], _o)  # the first of each kind: the admins' RoleBinding to ClusterRole edit


def _with(kind: str, path: str, value) -> dict:
    """A copy of the good object of `kind` with the dotted `path` set to `value` (None deletes)."""
    o = copy.deepcopy(GOOD[kind])
    *parents, last = path.split(".")
    node = o
    for part in parents:
        node = node[int(part)] if part.isdigit() else node[part]
    if value is None:
        del node[int(last) if last.isdigit() else last]
    else:
        node[int(last) if last.isdigit() else last] = value
    return o


CONTAINER = "spec.template.spec.containers.0"
CASES = [
    (p.pss_restricted_labels, "Namespace", "metadata.labels.pod-security.kubernetes.io/enforce", "baseline"),
    (p.pss_restricted_labels, "Namespace", "metadata.labels.pod-security.kubernetes.io/warn-version", "latest"),
    (p.rbac_least_privilege, "Role", "rules.0.verbs", ["*"]),
    (p.rbac_least_privilege, "Role", "rules.0.resources", ["*"]),
    (p.rbac_least_privilege, "Role", "rules.1.verbs", ["escalate"]),
    (p.rbac_least_privilege, "Role", "rules.1.verbs", ["impersonate"]),
    (p.rbac_least_privilege, "Role", "rules.1.verbs", ["bind"]),
    (p.tenant_bindings, "RoleBinding", "roleRef.name", "cluster-admin"),
    (p.tenant_bindings, "RoleBinding", "kind", "ClusterRoleBinding"),
    (p.no_load_balancer, "Service", "spec.type", "LoadBalancer"),
    (p.pinned_images, "StatefulSet", f"{CONTAINER}.image", "registry.pdn.go.id/kemenkes/simpeg:latest"),
    (p.pinned_images, "StatefulSet", f"{CONTAINER}.image", "registry.pdn.go.id:5000/kemenkes/simpeg"),
    (p.container_limits, "StatefulSet", f"{CONTAINER}.resources.limits", None),
    (p.container_limits, "StatefulSet", f"{CONTAINER}.resources.limits.memory", None),
    (p.restricted_pods, "StatefulSet", f"{CONTAINER}.securityContext.allowPrivilegeEscalation", True),
    (p.restricted_pods, "StatefulSet", f"{CONTAINER}.securityContext.capabilities.drop", ["NET_RAW"]),
    (p.restricted_pods, "StatefulSet", f"{CONTAINER}.securityContext.readOnlyRootFilesystem", False),
    (p.restricted_pods, "StatefulSet", "spec.template.spec.hostNetwork", True),
    (p.no_new_apps, "StatefulSet", "metadata.labels.dcc.go.id/app-id", "shadow-it-portal"),
    (p.no_new_apps, "StatefulSet", "spec.template.metadata.labels", {}),
    (p.data_residency, "Schedule", "kind", "BackupStorageLocation"),
]


def _bsl(url: str) -> dict:
    return {"apiVersion": "velero.io/v1", "kind": "BackupStorageLocation", "metadata": {"name": "x", "namespace": "velero"},
            "spec": {"provider": "aws", "objectStorage": {"bucket": "b"}, "config": {"s3Url": url}}}


def _set_label(o: dict, path: str, value) -> dict:
    # label keys contain dots, so `metadata.labels.<key>` is split only on its first two dots
    if path.startswith("metadata.labels.") and value is not None:
        o = copy.deepcopy(o)
        o["metadata"]["labels"][path.split(".", 2)[2]] = value
        return o
    return o


@pytest.mark.parametrize("check,kind,path,bad", CASES, ids=[f"{c[0].__name__}:{c[2]}={c[3]}" for c in CASES])
def test_policy_rejects_bad_and_accepts_good(check, kind, path, bad):
    assert check(GOOD[kind], CTX) == [], f"{check.__name__} rejected the good {kind}"
    if check is p.data_residency:
        bad_obj, good_obj = _bsl("https://s3.amazonaws.com"), _bsl("https://s3.batam.pdn.go.id")
        assert check(good_obj, CTX) == []
    elif path.startswith("metadata.labels."):
        bad_obj = _set_label(GOOD[kind], path, bad)
    else:
        bad_obj = _with(kind, path, bad)
    assert check(bad_obj, CTX), f"{check.__name__} accepted {kind} with {path}={bad!r}"


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
    assert p.default_deny_present(objs, CTX) == [] and p.backup_present(objs, CTX) == []
    no_deny = [o for o in objs if o["metadata"]["name"] != "default-deny"]
    no_backup = [o for o in objs if o["kind"] != "Schedule"]
    assert [ns for ns, _ in p.default_deny_present(no_deny, CTX)] == ["kemenkes"]
    assert [ns for ns, _ in p.backup_present(no_backup, CTX)] == ["kemenkes"]


def test_cluster_role_binding_for_an_agency_group_is_rejected():
    crb = {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding", "metadata": {"name": "x"},
           "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "view"},
           "subjects": [{"kind": "Group", "name": "agency:kemenkes:admins"}]}
    assert p.tenant_bindings(crb, CTX)
