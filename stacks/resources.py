"""Turn a builder's plain object into the matching pulumi-kubernetes resource.

Builders emit camelCase manifests; the SDK accepts them as raw dict inputs unchanged, so
what Pulumi registers is exactly what `dcc render` writes.
"""

from __future__ import annotations

import re
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

_TYPES: dict[tuple[str, str], Any] = {
    ("v1", "Namespace"): k8s.core.v1.Namespace,
    ("v1", "ResourceQuota"): k8s.core.v1.ResourceQuota,
    ("v1", "LimitRange"): k8s.core.v1.LimitRange,
    ("v1", "Secret"): k8s.core.v1.Secret,
    ("v1", "Service"): k8s.core.v1.Service,
    ("v1", "PersistentVolumeClaim"): k8s.core.v1.PersistentVolumeClaim,
    ("apps/v1", "Deployment"): k8s.apps.v1.Deployment,
    ("apps/v1", "StatefulSet"): k8s.apps.v1.StatefulSet,
    ("networking.k8s.io/v1", "NetworkPolicy"): k8s.networking.v1.NetworkPolicy,
    ("networking.k8s.io/v1", "Ingress"): k8s.networking.v1.Ingress,
    ("rbac.authorization.k8s.io/v1", "Role"): k8s.rbac.v1.Role,
    ("rbac.authorization.k8s.io/v1", "RoleBinding"): k8s.rbac.v1.RoleBinding,
    ("v1", "ConfigMap"): k8s.core.v1.ConfigMap,
    ("policy/v1", "PodDisruptionBudget"): k8s.policy.v1.PodDisruptionBudget,
    ("admissionregistration.k8s.io/v1", "ValidatingAdmissionPolicy"):
        k8s.admissionregistration.v1.ValidatingAdmissionPolicy,
    ("admissionregistration.k8s.io/v1", "ValidatingAdmissionPolicyBinding"):
        k8s.admissionregistration.v1.ValidatingAdmissionPolicyBinding,
}


def _snake(key: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", key).lower()


def logical_name(o: dict[str, Any]) -> str:
    """Unique within a stack: namespace, kind and name."""
    meta = o["metadata"]
    ns = meta.get("namespace")
    prefix = f"{ns}-" if isinstance(ns, str) else ""
    return f"{prefix}{o['kind'].lower()}-{meta['name']}"


def k8s_resource(o: dict[str, Any], opts: pulumi.ResourceOptions, name: str | None = None) -> pulumi.CustomResource:
    """One resource for one object; kinds without a typed class become CustomResources."""
    name = name or logical_name(o)
    cls = _TYPES.get((o["apiVersion"], o["kind"]))
    if cls is None:
        return k8s.apiextensions.CustomResource(name, api_version=o["apiVersion"], kind=o["kind"],
                                                metadata=o["metadata"], spec=o.get("spec"), opts=opts)
    fields = {_snake(k): v for k, v in o.items() if k not in ("apiVersion", "kind")}
    made: pulumi.CustomResource = cls(name, **fields, opts=opts)
    return made
