"""The mandatory guardrails, as plain functions over a Kubernetes object's properties.

Self-contained (no imports from the project) so the CrossGuard pack in this folder and
`dcc validate` run the very same code. A check returns violation messages; [] means compliant.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlparse

AGENCY = "dcc.go.id/agency"
APP_ID = "dcc.go.id/app-id"
PSS = "pod-security.kubernetes.io"
WORKLOAD_KINDS = ("Pod", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob")
FORBIDDEN_VERBS = ("bind", "escalate", "impersonate")
TENANT_CLUSTER_ROLES = ("view",)  # `edit` writes NetworkPolicies, Services and Ingresses: never for tenants
ENDPOINT_KEYS = ("s3Url", "s3_url", "s3Endpoint", "endpoint", "publicUrl", "url")

Obj = Mapping[str, Any]


@dataclass(frozen=True)
class PolicyContext:
    """What the policies need to know beyond the object: the estate's app ids and allow-lists."""

    allowed_app_ids: frozenset[str]
    storage_allow_list: tuple[str, ...]
    platform_namespaces: frozenset[str] = field(default_factory=frozenset)
    registry: str = "registry.pdn.go.id"
    ingress_class: str = "portal"
    tenant_hosts: Mapping[str, frozenset[str]] = field(default_factory=dict)


def _labels(o: Obj) -> Mapping[str, Any]:
    return (o.get("metadata") or {}).get("labels") or {}


def _is_tenant(o: Obj, ctx: PolicyContext) -> bool:
    """Tenant-owned: carries an agency label or lives outside the platform namespaces."""
    ns = (o.get("metadata") or {}).get("namespace")
    return AGENCY in _labels(o) or (ns is not None and ns not in ctx.platform_namespaces)


def pod_spec(o: Obj) -> Mapping[str, Any] | None:
    """The pod spec inside any workload kind, or None for other kinds."""
    kind, spec = o.get("kind"), o.get("spec") or {}
    if kind == "Pod":
        return spec
    if kind == "CronJob":
        spec = (spec.get("jobTemplate") or {}).get("spec") or {}
    elif kind not in WORKLOAD_KINDS:
        return None
    return (spec.get("template") or {}).get("spec") or {}


def containers(o: Obj) -> list[Mapping[str, Any]]:
    ps = pod_spec(o) or {}
    return [*(ps.get("initContainers") or []), *(ps.get("containers") or []), *(ps.get("ephemeralContainers") or [])]


def pss_restricted_labels(o: Obj, ctx: PolicyContext) -> list[str]:
    """Every non-platform namespace enforces, audits and warns on `restricted`, version pinned."""
    if o.get("kind") != "Namespace" or o["metadata"].get("name") in ctx.platform_namespaces:
        return []
    lbls, out = _labels(o), []
    for mode in ("enforce", "audit", "warn"):
        if lbls.get(f"{PSS}/{mode}") != "restricted":
            out.append(f"label {PSS}/{mode} must be 'restricted', got {lbls.get(f'{PSS}/{mode}')!r}")
        version = str(lbls.get(f"{PSS}/{mode}-version", ""))
        if not version.startswith("v1.") :
            out.append(f"label {PSS}/{mode}-version must pin a version like v1.30, got {version or None!r}")
    return out


def rbac_least_privilege(o: Obj, ctx: PolicyContext) -> list[str]:
    """Roles name verbs and resources explicitly; no bind, escalate or impersonate."""
    if o.get("kind") not in ("Role", "ClusterRole"):
        return []
    out = []
    for i, rule in enumerate(o.get("rules") or []):
        for key in ("verbs", "resources", "apiGroups", "nonResourceURLs"):
            if "*" in (rule.get(key) or []):
                out.append(f"rules[{i}].{key} has a wildcard '*'")
        out += [f"rules[{i}].verbs grants '{v}'" for v in rule.get("verbs") or [] if v in FORBIDDEN_VERBS]
    return out


def tenant_bindings(o: Obj, ctx: PolicyContext) -> list[str]:
    """Tenants get RoleBindings only, to `view`/`edit` or their own Roles; never cluster-wide."""
    kind = o.get("kind")
    if kind == "ClusterRoleBinding":
        groups = [s.get("name", "") for s in o.get("subjects") or []]
        if AGENCY in _labels(o) or any(str(g).startswith("agency:") for g in groups):
            return ["ClusterRoleBinding is not allowed for a tenant; use a RoleBinding in its namespace"]
        return []
    if kind != "RoleBinding" or not _is_tenant(o, ctx):
        return []
    ref = o.get("roleRef") or {}
    if ref.get("kind") == "ClusterRole" and ref.get("name") not in TENANT_CLUSTER_ROLES:
        return [f"RoleBinding to ClusterRole {ref.get('name')!r}; tenants may bind only {TENANT_CLUSTER_ROLES}"]
    return []


def service_types(o: Obj, ctx: PolicyContext) -> list[str]:
    """Tenants are reached through the national portal: ClusterIP Services only (headless too),
    never a load balancer, node port, external IP or ExternalName alias to somewhere else."""
    if o.get("kind") != "Service" or not _is_tenant(o, ctx):
        return []
    spec, out = o.get("spec") or {}, []
    if spec.get("type", "ClusterIP") != "ClusterIP":
        out.append(f"Service type {spec['type']} is not allowed in a tenant; use ClusterIP behind the portal")
    out += [f"Service must not set {k}" for k in ("externalIPs", "externalName") if spec.get(k)]
    return out


def _namespace(o: Obj) -> str:
    return str((o.get("metadata") or {}).get("namespace") or "")


def ingress_hosts(o: Obj, ctx: PolicyContext) -> list[str]:
    """A tenant Ingress uses the portal's class, only its own apps' hostnames, and TLS for each."""
    if o.get("kind") != "Ingress" or not _is_tenant(o, ctx):
        return []
    spec, out = o.get("spec") or {}, []
    if spec.get("ingressClassName") != ctx.ingress_class:
        out.append(f"ingressClassName must be {ctx.ingress_class!r}, got {spec.get('ingressClassName')!r}")
    if spec.get("defaultBackend"):
        out.append("a tenant Ingress must not set a defaultBackend")
    own = ctx.tenant_hosts.get(_namespace(o), frozenset())
    hosts = [r.get("host") for r in spec.get("rules") or []]
    tls = {h for t in spec.get("tls") or [] for h in t.get("hosts") or []}
    out += [f"host {h!r} is not a hostname of this tenant's apps" for h in hosts if h not in own]
    out += [f"host {h!r} has no TLS entry" for h in hosts if h not in tls]
    notes = (o.get("metadata") or {}).get("annotations") or {}
    out += [f"annotation {k!r}: configuration snippets are not allowed" for k in notes if k.endswith("-snippet")]
    return out


def image_pull_policy(o: Obj, ctx: PolicyContext) -> list[str]:
    """Tenant containers pull Always, so the registry checks each pod's right to the image
    (a cached private image of another agency is not reused)."""
    if not _is_tenant(o, ctx):
        return []
    return [f"container {c.get('name')!r} must set imagePullPolicy: Always" for c in containers(o)
            if c.get("imagePullPolicy") != "Always"]


def registry_allowed(o: Obj, ctx: PolicyContext) -> list[str]:
    """Tenant images come from the national registry, under the tenant's own project."""
    if not _is_tenant(o, ctx):
        return []
    prefix = f"{ctx.registry}/{_namespace(o)}/"
    return [f"container {c.get('name')!r}: image {c.get('image')!r} is not under {prefix}" for c in containers(o)
            if not str(c.get("image", "")).startswith(prefix)]


def image_problem(image: str) -> str | None:
    """Why an image reference is not pinned, or None when it is (tag or digest)."""
    if "@sha256:" in image:
        return None
    name, _, tag = image.rpartition(":")
    if not name or "/" in tag:
        return f"image {image!r} has no tag"
    if tag == "latest":
        return f"image {image!r} uses 'latest'"
    return None


def pinned_images(o: Obj, ctx: PolicyContext) -> list[str]:
    return [f"container {c.get('name')!r}: {p}" for c in containers(o) if (p := image_problem(str(c.get("image", ""))))]


def container_limits(o: Obj, ctx: PolicyContext) -> list[str]:
    """Every container declares cpu and memory limits (the quota depends on it)."""
    out = []
    for c in containers(o):
        limits = (c.get("resources") or {}).get("limits") or {}
        out += [f"container {c.get('name')!r} has no {r} limit" for r in ("cpu", "memory") if r not in limits]
    return out


def _container_security(c: Mapping[str, Any], pod_sc: Mapping[str, Any]) -> list[str]:
    sc, name, out = c.get("securityContext") or {}, c.get("name"), []
    if not (sc.get("runAsNonRoot", pod_sc.get("runAsNonRoot")) is True):
        out.append(f"container {name!r} must set runAsNonRoot: true")
    seccomp = (sc.get("seccompProfile") or pod_sc.get("seccompProfile") or {}).get("type")
    if seccomp not in ("RuntimeDefault", "Localhost"):
        out.append(f"container {name!r} needs seccompProfile RuntimeDefault, got {seccomp!r}")
    if sc.get("allowPrivilegeEscalation") is not False:
        out.append(f"container {name!r} must set allowPrivilegeEscalation: false")
    if "ALL" not in ((sc.get("capabilities") or {}).get("drop") or []):
        out.append(f"container {name!r} must drop ALL capabilities")
    if sc.get("privileged"):
        out.append(f"container {name!r} must not be privileged")
    if sc.get("readOnlyRootFilesystem") is not True:
        out.append(f"container {name!r} must set readOnlyRootFilesystem: true")
    return out


def restricted_pods(o: Obj, ctx: PolicyContext) -> list[str]:
    """The Pod Security `restricted` profile, plus a read-only root filesystem."""
    ps = pod_spec(o)
    if ps is None:
        return []
    out = [f"pod must not set {k}" for k in ("hostNetwork", "hostPID", "hostIPC") if ps.get(k)]
    out += [f"volume {v.get('name')!r} must not be a hostPath" for v in ps.get("volumes") or [] if "hostPath" in v]
    for c in containers(o):
        out += _container_security(c, ps.get("securityContext") or {})
    return out


def no_new_apps(o: Obj, ctx: PolicyContext) -> list[str]:
    """Every workload belongs to an app of the inventory: the cloud hosts migrations, not new sprawl."""
    if o.get("kind") not in WORKLOAD_KINDS:
        return []
    out = []
    tmpl_labels = ((((o.get("spec") or {}).get("template") or {}).get("metadata") or {}).get("labels") or {})
    for where, lbls in (("metadata.labels", _labels(o)), ("pod template labels", tmpl_labels if o["kind"] != "Pod" else _labels(o))):
        app_id = lbls.get(APP_ID)
        if app_id is None:
            out.append(f"{where} lack {APP_ID}")
        elif app_id not in ctx.allowed_app_ids:
            out.append(f"{where} {APP_ID}={app_id!r} is not an app of the inventory")
    return out


def host_allowed(url: str, allow_list: Iterable[str]) -> bool:
    """True when the URL's host equals an allow-list entry or is a subdomain of one."""
    host = (urlparse(url if "//" in url else f"//{url}").hostname or "").lower()
    return any(host == a.lower() or host.endswith("." + a.lower()) for a in allow_list)


def storage_endpoints(node: Any, key: str = "") -> list[str]:
    """Every URL-like string under an endpoint key, anywhere in a (nested) value."""
    if isinstance(node, Mapping):
        return [u for k, v in node.items() for u in storage_endpoints(v, str(k))]
    if isinstance(node, list):
        return [u for v in node for u in storage_endpoints(v, key)]
    return [node] if key in ENDPOINT_KEYS and isinstance(node, str) and node else []


def data_residency(o: Obj, ctx: PolicyContext) -> list[str]:
    """Backups and object storage stay on allow-listed national endpoints."""
    if o.get("kind") not in ("BackupStorageLocation", "HelmRelease") and "chart" not in o:
        return []
    return [f"storage endpoint {u!r} is not on the allow-list {list(ctx.storage_allow_list)}"
            for u in storage_endpoints(o.get("spec") or o.get("values") or {})
            if not host_allowed(u, ctx.storage_allow_list)]


@dataclass(frozen=True)
class Policy:
    name: str
    description: str
    check: Callable[[Obj, PolicyContext], list[str]]


RESOURCE_POLICIES: tuple[Policy, ...] = (
    Policy("dcc-pss-restricted-labels", "Tenant namespaces enforce Pod Security restricted", pss_restricted_labels),
    Policy("dcc-rbac-least-privilege", "No wildcard, bind, escalate or impersonate in Roles", rbac_least_privilege),
    Policy("dcc-tenant-bindings", "Tenants use RoleBindings to view/edit or own Roles only", tenant_bindings),
    Policy("dcc-service-types", "Tenant Services are ClusterIP: no LoadBalancer, NodePort, ExternalName or externalIPs",
           service_types),
    Policy("dcc-ingress-hosts", "Tenant Ingresses: the portal class, own hostnames, TLS", ingress_hosts),
    Policy("dcc-image-pull-policy", "Tenant containers pull Always", image_pull_policy),
    Policy("dcc-registry", "Tenant images come from the national registry, own project", registry_allowed),
    Policy("dcc-pinned-images", "No 'latest' or untagged images", pinned_images),
    Policy("dcc-container-limits", "Every container has cpu and memory limits", container_limits),
    Policy("dcc-restricted-pods", "Pods meet the restricted profile", restricted_pods),
    Policy("dcc-no-new-apps", "Every workload carries an inventory app id", no_new_apps),
    Policy("dcc-data-residency", "Storage endpoints are on the allow-list", data_residency),
)


def _is_default_deny(o: Obj) -> bool:
    spec = o.get("spec") or {}
    return (o.get("kind") == "NetworkPolicy" and not (spec.get("podSelector") or {})
            and {"Ingress", "Egress"} <= set(spec.get("policyTypes") or [])
            and not spec.get("ingress") and not spec.get("egress"))


def _tenant_namespaces(objs: Iterable[Obj], ctx: PolicyContext) -> list[str]:
    return [o["metadata"]["name"] for o in objs
            if o.get("kind") == "Namespace" and o["metadata"].get("name") not in ctx.platform_namespaces]


def default_deny_present(objs: list[Obj], ctx: PolicyContext) -> list[tuple[str, str]]:
    """(namespace, message) for each tenant namespace without a default-deny ingress+egress policy."""
    covered = {(o.get("metadata") or {}).get("namespace") for o in objs if _is_default_deny(o)}
    return [(ns, "no default-deny NetworkPolicy (empty podSelector, Ingress and Egress, no rules)")
            for ns in _tenant_namespaces(objs, ctx) if ns not in covered]


def backup_present(objs: list[Obj], ctx: PolicyContext) -> list[tuple[str, str]]:
    """(namespace, message) for each tenant namespace no Velero Schedule backs up to a named location."""
    covered: set[str] = set()
    for o in objs:
        tmpl = ((o.get("spec") or {}).get("template") or {}) if o.get("kind") == "Schedule" else {}
        if tmpl.get("storageLocation"):
            covered.update(tmpl.get("includedNamespaces") or [])
    return [(ns, "no Velero Schedule backs this namespace up to a named storage location")
            for ns in _tenant_namespaces(objs, ctx) if ns not in covered]


def unique_hosts(objs: list[Obj], ctx: PolicyContext) -> list[tuple[str, str]]:
    """(namespace, message) for each hostname routed by Ingresses of two namespaces."""
    owner: dict[str, str] = {}
    out = []
    for o in objs:
        if o.get("kind") != "Ingress":
            continue
        ns = _namespace(o)
        for rule in (o.get("spec") or {}).get("rules") or []:
            host = rule.get("host")
            first = owner.setdefault(host, ns)
            if first != ns:
                out.append((ns, f"host {host!r} is already routed to namespace {first!r}"))
    return out


@dataclass(frozen=True)
class StackPolicy:
    name: str
    description: str
    check: Callable[[list[Obj], PolicyContext], list[tuple[str, str]]]


STACK_POLICIES: tuple[StackPolicy, ...] = (
    StackPolicy("dcc-default-deny", "Every tenant namespace has a default-deny policy", default_deny_present),
    StackPolicy("dcc-backup-schedule", "Every tenant namespace has a backup schedule", backup_present),
    StackPolicy("dcc-unique-hosts", "No hostname is routed to two namespaces", unique_hosts),
)


def check_object(o: Obj, ctx: PolicyContext) -> list[tuple[str, str]]:
    """(policy name, message) for every resource policy the object violates."""
    return [(p.name, msg) for p in RESOURCE_POLICIES for msg in p.check(o, ctx)]
