"""Evaluate a ValidatingAdmissionPolicy + binding offline, as the API server would, with cel-python.

Matching (resource rules and operations, the binding's namespace selector, match conditions),
then variables in order, then every validation: a CEL error denies (failurePolicy Fail), as in
the API server. Only the standard CEL the policies use is needed; nothing Kubernetes-only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import Any

import celpy

RESOURCES = {  # kind -> (API group, resource)
    "Pod": ("", "pods"), "Deployment": ("apps", "deployments"), "StatefulSet": ("apps", "statefulsets"),
    "DaemonSet": ("apps", "daemonsets"), "ReplicaSet": ("apps", "replicasets"), "Job": ("batch", "jobs"),
    "CronJob": ("batch", "cronjobs"), "Service": ("", "services"), "Namespace": ("", "namespaces"),
    "ConfigMap": ("", "configmaps"), "ResourceQuota": ("", "resourcequotas"), "LimitRange": ("", "limitranges"),
    "Ingress": ("networking.k8s.io", "ingresses"), "NetworkPolicy": ("networking.k8s.io", "networkpolicies"),
    "Role": ("rbac.authorization.k8s.io", "roles"), "RoleBinding": ("rbac.authorization.k8s.io", "rolebindings"),
    "ClusterRoleBinding": ("rbac.authorization.k8s.io", "clusterrolebindings"),
    "BackupStorageLocation": ("velero.io", "backupstoragelocations"),
}
TENANT_ADMIN = {"username": "ana@kemenkes.go.id", "groups": ["agency:kemenkes:admins", "system:authenticated"]}
PLATFORM_ADMIN = {"username": "pulumi", "groups": ["dcc:platform-admins", "system:authenticated"]}


@dataclass
class Verdict:
    matched: bool
    denied: list[str] = field(default_factory=list)

    @property
    def admitted(self) -> bool:
        return not self.denied


@cache
def _program(expression: str) -> Any:
    env = celpy.Environment()
    return env.program(env.compile(expression))


def evaluate(expression: str, activation: dict[str, Any]) -> Any:
    """The expression's value, or the exception it raised (the API server treats both alike)."""
    try:
        return _program(expression).evaluate(activation)
    except Exception as exc:  # noqa: BLE001 - any CEL error is a failed check, as in the API server
        return exc


def _true(value: Any) -> bool:
    return isinstance(value, celpy.celtypes.BoolType) and bool(value)


def _selects(selector: dict[str, Any] | None, labels: dict[str, str]) -> bool:
    if not selector:
        return True
    if any(labels.get(k) != v for k, v in (selector.get("matchLabels") or {}).items()):
        return False
    for e in selector.get("matchExpressions") or []:
        present = e["key"] in labels
        if (e["operator"] == "Exists") != present if e["operator"] in ("Exists", "DoesNotExist") else \
                (labels.get(e["key"]) in e.get("values", [])) != (e["operator"] == "In"):
            return False
    return True


def _rule_matches(policy: dict[str, Any], kind: str, operation: str) -> bool:
    group, resource = RESOURCES[kind]
    return any(group in r["apiGroups"] and resource in r["resources"] and operation in r["operations"]
               for r in policy["spec"]["matchConstraints"]["resourceRules"])


def admit(policy: dict[str, Any], binding: dict[str, Any], obj: dict[str, Any] | None, *,
          old: dict[str, Any] | None = None, operation: str = "CREATE", namespace: dict[str, Any] | None = None,
          params: dict[str, Any] | None = None, user: dict[str, Any] | None = None) -> Verdict:
    """The verdict of one policy binding on one request."""
    subject = obj if obj is not None else old
    assert subject is not None
    kind = subject["kind"]
    if not _rule_matches(policy, kind, operation):
        return Verdict(False)
    ns_labels = (subject if kind == "Namespace" else namespace or {}).get("metadata", {}).get("labels") or {}
    if not _selects((binding["spec"].get("matchResources") or {}).get("namespaceSelector"), ns_labels):
        return Verdict(False)
    group, resource = RESOURCES[kind]
    request = {"operation": operation, "name": subject["metadata"].get("name", ""),
               "namespace": subject["metadata"].get("namespace", ""), "userInfo": user or TENANT_ADMIN,
               "resource": {"group": group, "resource": resource}}
    raw = {"object": obj, "oldObject": old, "request": request, "params": params, "namespaceObject": namespace}
    activation: dict[str, Any] = {k: celpy.json_to_cel(v) for k, v in raw.items()}
    spec = policy["spec"]
    for cond in spec.get("matchConditions") or []:
        if not _true(evaluate(cond["expression"], activation)):
            return Verdict(False)
    variables: dict[str, Any] = {}
    for var in spec.get("variables") or []:
        activation["variables"] = celpy.celtypes.MapType({**variables})  # the ones defined so far
        variables[celpy.celtypes.StringType(var["name"])] = evaluate(var["expression"], activation)
    activation["variables"] = celpy.celtypes.MapType(variables)
    if spec.get("paramKind") and params is None:
        return Verdict(True, ["no params (parameterNotFoundAction: Deny)"])
    denied = [v["message"] for v in spec["validations"] if not _true(evaluate(v["expression"], activation))]
    return Verdict(True, denied)
