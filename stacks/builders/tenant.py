"""Objects that make an agency a safe, isolated tenant.

Namespace (Pod Security `restricted`), quota and limits sized from its apps, default-deny
network policies with narrow openings, least-privilege Roles for the agency's OIDC groups, the
parameters of the in-cluster admission policies, and a daily Velero backup to another failure domain.
"""

from __future__ import annotations

import zlib
from typing import Any

from stacks.builders import sizing
from stacks.builders.meta import GUARDRAIL, PSS, app_label, labels, meta, ns_selector, obj
from stacks.builders.specs import PlatformRefs, TenantSpec

RBAC_API = "rbac.authorization.k8s.io"
PARAMS_NAME = "dcc-tenant-guardrails"  # the admission policies' parameters, one ConfigMap per tenant
# (group suffix, role kind, role name): admins run their apps, viewers read, operators restart and scale.
GROUP_ROLES = (("admins", "Role", "dcc-agency-admin"), ("viewers", "ClusterRole", "view"),
               ("operators", "Role", "dcc-operator"))
READ = ["get", "list", "watch"]
WRITE = ["get", "list", "watch", "create", "update", "patch", "delete"]
# Never: NetworkPolicies, quota, limits or RBAC (the isolation itself), Endpoints/EndpointSlices
# (a Service pointed at any IP), bare Pods, pods/exec. Service types, Ingress hosts and images are
# further held by the admission policies.
ADMIN_RULES = (
    {"apiGroups": [""], "resources": ["pods", "pods/log", "events", "endpoints", "resourcequotas", "limitranges",
                                      "serviceaccounts"], "verbs": READ},
    {"apiGroups": [""], "resources": ["pods"], "verbs": ["delete"]},
    {"apiGroups": [""], "resources": ["services", "configmaps", "secrets", "persistentvolumeclaims"], "verbs": WRITE},
    {"apiGroups": ["apps"], "resources": ["deployments", "statefulsets"], "verbs": WRITE},
    {"apiGroups": ["apps"], "resources": ["replicasets", "controllerrevisions"], "verbs": READ},
    {"apiGroups": ["apps"], "resources": ["deployments/scale", "statefulsets/scale"], "verbs": ["get", "update", "patch"]},
    {"apiGroups": ["batch"], "resources": ["jobs", "cronjobs"], "verbs": WRITE},
    {"apiGroups": ["autoscaling"], "resources": ["horizontalpodautoscalers"], "verbs": WRITE},
    {"apiGroups": ["policy"], "resources": ["poddisruptionbudgets"], "verbs": WRITE},
    {"apiGroups": ["networking.k8s.io"], "resources": ["ingresses"], "verbs": WRITE},
    {"apiGroups": ["networking.k8s.io"], "resources": ["networkpolicies"], "verbs": READ},
    {"apiGroups": [RBAC_API], "resources": ["roles", "rolebindings"], "verbs": READ},
)
OPERATOR_RULES = (
    {"apiGroups": [""], "resources": ["pods", "pods/log", "services", "events", "persistentvolumeclaims"],
     "verbs": ["get", "list", "watch"]},
    {"apiGroups": [""], "resources": ["pods"], "verbs": ["delete"]},
    {"apiGroups": ["apps"], "resources": ["deployments", "statefulsets"], "verbs": ["get", "list", "watch", "patch"]},
    {"apiGroups": ["apps"], "resources": ["deployments/scale", "statefulsets/scale"], "verbs": ["get", "update", "patch"]},
    {"apiGroups": ["networking.k8s.io"], "resources": ["ingresses"], "verbs": ["get", "list", "watch"]},
)


def namespace(t: TenantSpec, refs: PlatformRefs) -> dict[str, Any]:
    """The tenant namespace, enforcing, auditing and warning on Pod Security `restricted`."""
    lbls = labels(t.agency)
    for mode in ("enforce", "audit", "warn"):
        lbls[f"{PSS}/{mode}"] = "restricted"
        lbls[f"{PSS}/{mode}-version"] = refs.pss_version
    return obj("v1", "Namespace", meta(t.namespace, None, lbls))


def quota(t: TenantSpec) -> dict[str, Any]:
    req, lim, pods = sizing.tenant_quota(t.apps)
    hard = {"requests.cpu": sizing.cpu(req.cpu_m), "requests.memory": sizing.mem(req.memory_mi),
            "limits.cpu": sizing.cpu(lim.cpu_m), "limits.memory": sizing.mem(lim.memory_mi),
            "requests.storage": sizing.disk(req.storage_gi), "pods": str(pods),
            "services.loadbalancers": "0", "services.nodeports": "0"}
    return obj("v1", "ResourceQuota", meta("tenant-quota", t.namespace, _guarded(t)), spec={"hard": hard})


def _guarded(t: TenantSpec) -> dict[str, str]:
    """Labels of an object the tenant must not change (the admission policy holds it)."""
    return {**labels(t.agency), GUARDRAIL: "true"}


def limit_range(t: TenantSpec) -> dict[str, Any]:
    """Defaults for any container that forgets its own, and a cap per resource at the largest
    app's limit of that resource (CPU and memory each: no app exceeds its own tenant's cap)."""
    limits = [sizing.app_limits(a) for a in t.apps]
    max_cpu = max((s.cpu_m for s in limits), default=0)
    max_mem = max((s.memory_mi for s in limits), default=0)
    limit = {"type": "Container", "default": {"cpu": "500m", "memory": "512Mi"},
             "defaultRequest": {"cpu": "100m", "memory": "128Mi"},
             "max": {"cpu": sizing.cpu(max(max_cpu, 1000)), "memory": sizing.mem(max(max_mem, 1024))}}
    return obj("v1", "LimitRange", meta("tenant-limits", t.namespace, _guarded(t)), spec={"limits": [limit]})


def guardrail_params(t: TenantSpec, refs: PlatformRefs) -> dict[str, Any]:
    """What the admission policies allow in this namespace: its registry project, its apps
    (`app.<label>`) and its apps' hostnames (`host.<name>`). Map keys, so CEL tests membership."""
    data = {"registryPrefix": f"{refs.registry}/{t.agency}/"}
    for a in t.apps:
        data[f"app.{app_label(a.id)}"] = a.id
        data[f"host.{a.service}"] = app_label(a.id)
    return obj("v1", "ConfigMap", meta(PARAMS_NAME, t.namespace, _guarded(t)), data=data)


def _netpol(t: TenantSpec, name: str, spec: dict[str, Any]) -> dict[str, Any]:
    return obj("networking.k8s.io/v1", "NetworkPolicy", meta(name, t.namespace, _guarded(t)), spec=spec)


def network_policies(t: TenantSpec, refs: PlatformRefs) -> list[dict[str, Any]]:
    """Deny everything, then open DNS, the portal and callers in, the gateway and callees out."""
    everyone: dict[str, Any] = {}
    dns_peer = {**ns_selector("kube-system"), "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}}}
    dns_ports = [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}]
    callers = [ns_selector(refs.portal_namespace)] + [ns_selector(a) for a in t.called_by_agencies]
    callees = [ns_selector(refs.gateway_namespace)] + [ns_selector(a) for a in t.calls_agencies]
    return [
        _netpol(t, "default-deny", {"podSelector": everyone, "policyTypes": ["Ingress", "Egress"]}),
        _netpol(t, "allow-dns", {"podSelector": everyone, "policyTypes": ["Egress"],
                                 "egress": [{"to": [dns_peer], "ports": dns_ports}]}),
        _netpol(t, "allow-ingress", {"podSelector": everyone, "policyTypes": ["Ingress"], "ingress": [{"from": callers}]}),
        _netpol(t, "allow-egress", {"podSelector": everyone, "policyTypes": ["Egress"], "egress": [{"to": callees}]}),
    ]


def rbac(t: TenantSpec) -> list[dict[str, Any]]:
    """Roles with explicit verbs and one RoleBinding per agency group; never cluster-wide."""
    lbls = _guarded(t)
    out = [obj(f"{RBAC_API}/v1", "Role", meta(name, t.namespace, lbls), rules=[dict(r) for r in rules])
           for name, rules in (("dcc-agency-admin", ADMIN_RULES), ("dcc-operator", OPERATOR_RULES))]
    for group, kind, role in GROUP_ROLES:
        subject = {"kind": "Group", "apiGroup": RBAC_API, "name": f"agency:{t.agency}:{group}"}
        out.append(obj(f"{RBAC_API}/v1", "RoleBinding", meta(f"agency-{group}", t.namespace, lbls),
                       roleRef={"apiGroup": RBAC_API, "kind": kind, "name": role}, subjects=[subject]))
    return out


def backup_schedule(t: TenantSpec, refs: PlatformRefs) -> dict[str, Any]:
    """Nightly Velero backup of the namespace, volumes included, kept 30 days.

    Start times are spread over 01:00-04:59 WIB by a hash of the agency, so 600 tenants do
    not hit the object store in the same minute.
    """
    h = zlib.crc32(t.agency.encode())
    cron = f"{h % 60} {18 + (h // 60) % 4} * * *"
    template = {"includedNamespaces": [t.namespace], "storageLocation": refs.backup_location,
                "ttl": "720h0m0s", "defaultVolumesToFsBackup": True, "snapshotVolumes": False}
    return obj("velero.io/v1", "Schedule", meta(f"tenant-{t.agency}", refs.backup_namespace, labels(t.agency)),
               spec={"schedule": cron, "useOwnerReferencesInBackup": False, "template": template})


def tenant_objects(t: TenantSpec, refs: PlatformRefs) -> list[dict[str, Any]]:
    """Every object of one tenant (its apps excluded), namespace first."""
    return [namespace(t, refs), quota(t), limit_range(t), guardrail_params(t, refs), *network_policies(t, refs),
            *rbac(t), backup_schedule(t, refs)]
