"""The good and bad objects every guardrail is tested with, in both layers: the CrossGuard
function (tests/stacks/test_stacks_policies.py) and its admission policy's CEL
(tests/stacks/test_stacks_admission.py). A good object is what the builders render."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from stacks.builders.app import app_objects
from stacks.builders.specs import AppSpec, PlatformRefs, TenantSpec
from stacks.builders.tenant import tenant_objects
from stacks.policy import policies as p

REFS = PlatformRefs()
APP = AppSpec("simpeg", "kemenkes", "SIMPEG", "web-db", "simpeg.kemenkes.go.id", 8080, "1.0.0", 2, 4, 12)
API = AppSpec("sehat-api", "kemenkes", "Sehat", "api", "sehat.kemenkes.go.id", 8080, "1.0.0", 1, 2, 0)
TENANT = TenantSpec("kemenkes", "Kemenkes", (APP, API))
OBJECTS = tenant_objects(TENANT, REFS) + app_objects(APP, REFS) + app_objects(API, REFS)
CTX = p.PolicyContext(frozenset({"simpeg", "sehat-api"}), ("pdn.go.id",), frozenset({"velero", "dcc-portal", "dcc-exchange"}),
                      tenant_hosts={"kemenkes": frozenset({"simpeg.kemenkes.go.id", "sehat.kemenkes.go.id"})})
GOOD: dict[str, dict[str, Any]] = {}
for _o in OBJECTS:
    GOOD.setdefault(_o["kind"], _o)  # the first of each kind
NAMESPACE = GOOD["Namespace"]
PARAMS = GOOD["ConfigMap"]
CONTAINER = "spec.template.spec.containers.0"
FUNCTIONS = {pol.name: pol.check for pol in p.RESOURCE_POLICIES}


def with_(kind: str, path: str, value: Any, base: dict[str, Any] | None = None) -> dict[str, Any]:
    """A copy of the good object of `kind` with the dotted `path` set to `value` (None deletes).
    After `labels.` or `annotations.` the rest of the path is one key."""
    o = copy.deepcopy(base or GOOD[kind])
    parts = path.split(".")
    for mark in ("labels", "annotations"):  # label and annotation keys contain dots: the rest is one key
        if mark in parts[:-1]:
            i = parts.index(mark) + 1
            parts = [*parts[:i], ".".join(parts[i:])]
    *parents, last = parts
    node = o
    for part in parents:
        node = node[int(part)] if part.isdigit() else node.setdefault(part, {})
    key: Any = int(last) if last.isdigit() else last
    if value is None:
        del node[key]
    else:
        node[key] = value
    return o


def bsl(url: str) -> dict[str, Any]:
    return {"apiVersion": "velero.io/v1", "kind": "BackupStorageLocation", "metadata": {"name": "x", "namespace": "velero"},
            "spec": {"provider": "aws", "objectStorage": {"bucket": "b"}, "config": {"s3Url": url}}}


@dataclass(frozen=True)
class Case:
    policy: str
    good: dict[str, Any]
    bad: dict[str, Any]
    what: str
    cel: bool = True  # False: CrossGuard only (the admission layer holds it another way, named in `what`)


def case(policy: str, kind: str, path: str, bad: Any, cel: bool = True) -> Case:
    return Case(policy, GOOD[kind], with_(kind, path, bad), f"{kind} {path}={bad!r}", cel)


PSS = "metadata.labels.pod-security.kubernetes.io"
CASES = [
    case("dcc-pss-restricted-labels", "Namespace", f"{PSS}/enforce", "baseline"),
    case("dcc-pss-restricted-labels", "Namespace", f"{PSS}/warn-version", "latest"),
    case("dcc-rbac-least-privilege", "Role", "rules.0.verbs", ["*"]),
    case("dcc-rbac-least-privilege", "Role", "rules.0.resources", ["*"]),
    case("dcc-rbac-least-privilege", "Role", "rules.1.verbs", ["escalate"]),
    case("dcc-rbac-least-privilege", "Role", "rules.1.verbs", ["impersonate"]),
    case("dcc-rbac-least-privilege", "Role", "rules.1.verbs", ["bind"]),
    case("dcc-tenant-bindings", "RoleBinding", "roleRef", {"apiGroup": "rbac.authorization.k8s.io",
                                                          "kind": "ClusterRole", "name": "cluster-admin"}),
    case("dcc-tenant-bindings", "RoleBinding", "roleRef", {"apiGroup": "rbac.authorization.k8s.io",
                                                          "kind": "ClusterRole", "name": "edit"}),
    case("dcc-tenant-bindings", "RoleBinding", "kind", "ClusterRoleBinding", cel=False),  # RBAC: no tenant writes CRBs
    case("dcc-service-types", "Service", "spec.type", "LoadBalancer"),
    case("dcc-service-types", "Service", "spec.type", "NodePort"),
    case("dcc-service-types", "Service", "spec.externalIPs", ["203.0.113.7"]),
    Case("dcc-service-types", GOOD["Service"], with_("Service", "spec", {"type": "ExternalName",
         "externalName": "db.other-agency.svc.cluster.local"}), "Service type ExternalName"),
    case("dcc-ingress-hosts", "Ingress", "spec.ingressClassName", "exchange"),
    case("dcc-ingress-hosts", "Ingress", "spec.rules.0.host", "lapor.jabarprov.go.id"),
    case("dcc-ingress-hosts", "Ingress", "spec.tls", None),
    case("dcc-ingress-hosts", "Ingress", "metadata.annotations.nginx.ingress.kubernetes.io/server-snippet", "return 200;"),
    case("dcc-image-pull-policy", "StatefulSet", f"{CONTAINER}.imagePullPolicy", "IfNotPresent"),
    case("dcc-image-pull-policy", "StatefulSet", f"{CONTAINER}.imagePullPolicy", None),
    case("dcc-registry", "StatefulSet", f"{CONTAINER}.image", "registry.pdn.go.id/pemprov-jabar/lapor:1.0.0"),
    case("dcc-registry", "StatefulSet", f"{CONTAINER}.image", "docker.io/library/nginx:1.27"),
    case("dcc-pinned-images", "StatefulSet", f"{CONTAINER}.image", "registry.pdn.go.id/kemenkes/simpeg:latest"),
    case("dcc-pinned-images", "StatefulSet", f"{CONTAINER}.image", "registry.pdn.go.id:5000/kemenkes/simpeg"),
    case("dcc-container-limits", "StatefulSet", f"{CONTAINER}.resources.limits", None),
    case("dcc-container-limits", "StatefulSet", f"{CONTAINER}.resources.limits.memory", None),
    case("dcc-restricted-pods", "StatefulSet", f"{CONTAINER}.securityContext.allowPrivilegeEscalation", True),
    case("dcc-restricted-pods", "StatefulSet", f"{CONTAINER}.securityContext.capabilities.drop", ["NET_RAW"]),
    case("dcc-restricted-pods", "StatefulSet", f"{CONTAINER}.securityContext.readOnlyRootFilesystem", False),
    case("dcc-restricted-pods", "StatefulSet", f"{CONTAINER}.securityContext.privileged", True),
    case("dcc-restricted-pods", "StatefulSet", "spec.template.spec.hostNetwork", True),
    case("dcc-restricted-pods", "Deployment", "spec.template.spec.volumes.0", {"name": "tmp", "hostPath": {"path": "/"}}),
    Case("dcc-restricted-pods", GOOD["Deployment"], with_("Deployment", "spec.template.spec.securityContext.runAsNonRoot",
         False, with_("Deployment", f"{CONTAINER}.securityContext.runAsNonRoot", None)), "runAsNonRoot false on the pod"),
    case("dcc-no-new-apps", "StatefulSet", "metadata.labels.dcc.go.id/app-id", "shadow-it-portal"),
    case("dcc-no-new-apps", "StatefulSet", "spec.template.metadata.labels", {}),
    case("dcc-no-new-apps", "Deployment", "spec.template.metadata.labels.dcc.go.id/app-id", "lapor-jabar"),
    Case("dcc-data-residency", bsl("https://s3.batam.pdn.go.id"), bsl("https://s3.amazonaws.com"), "BSL s3Url off-list"),
    Case("dcc-data-residency", bsl("https://s3.batam.pdn.go.id"), bsl("https://evilpdn.go.id"), "BSL look-alike host"),
]
