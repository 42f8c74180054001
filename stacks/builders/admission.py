"""The guardrails in the cluster: ValidatingAdmissionPolicy objects and their bindings.

CrossGuard (`stacks/policy/`) judges what `pulumi up` applies; these judge every request the
API server admits, so nothing applied with kubectl or by a controller escapes them. Each is
the CEL twin of a CrossGuard policy of the same name (tests run both on the same objects).
Expressions keep to standard CEL (no Kubernetes-only libraries), so they evaluate offline too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from stacks.builders.meta import AGENCY, APP_ID, MANAGED, PSS, meta, obj
from stacks.builders.specs import PlatformSpec
from stacks.builders.tenant import PARAMS_NAME

ADMISSION_API = "admissionregistration.k8s.io/v1"
LABELS = {MANAGED: "dcc", "dcc.go.id/platform": "true"}
TENANTS = {"matchExpressions": [{"key": AGENCY, "operator": "Exists"}]}
PLATFORM_GROUP = "dcc:platform-admins"  # the OIDC group of the platform team (and Pulumi's identity)
WRITES = ["CREATE", "UPDATE"]


def rule(group: str, resources: list[str], operations: list[str] = WRITES) -> dict[str, Any]:
    return {"apiGroups": [group], "apiVersions": ["*"], "operations": list(operations), "resources": resources}


WORKLOAD_RULES = (rule("", ["pods"]), rule("apps", ["deployments", "statefulsets", "daemonsets", "replicasets"]),
                  rule("batch", ["jobs", "cronjobs"]))
# The pod spec and pod metadata inside any workload kind (Pod, CronJob, or a kind with a template).
POD_VARIABLES = (
    ("podSpec", ("object.kind == 'Pod' ? object.spec : (object.kind == 'CronJob' ? "
                "object.spec.jobTemplate.spec.template.spec : object.spec.template.spec)")),
    ("podMeta", ("object.kind == 'Pod' ? object.metadata : (object.kind == 'CronJob' ? "
                "object.spec.jobTemplate.spec.template.metadata : object.spec.template.metadata)")),
    ("containers", ("variables.podSpec.containers + "
                   "(has(variables.podSpec.initContainers) ? variables.podSpec.initContainers : [])")),
)


def has(root: str, path: str) -> str:
    """`has()` for every step of a dotted path: CEL's `has` tests one field, not a chain."""
    parts = path.split(".")
    return " && ".join(f"has({root}.{'.'.join(parts[: i + 1])})" for i in range(len(parts)))


def _either(field: str, test: str) -> str:
    """The container's security setting if set, else the pod's (as Pod Security reads them)."""
    c, p = f"c.securityContext.{field}", f"variables.podSpec.securityContext.{field}"
    return (f"variables.containers.all(c, ({has('c', 'securityContext.' + field)}) ? {test.format(v=c)} : "
            f"({has('variables.podSpec', 'securityContext.' + field)} && {test.format(v=p)}))")


def _each(test: str) -> str:
    return f"variables.containers.all(c, {test})"


@dataclass(frozen=True)
class Guard:
    """One admission policy: what it matches, its checks, and whether it reads the tenant's params."""

    name: str
    rules: tuple[dict[str, Any], ...]
    validations: tuple[tuple[str, str], ...]
    variables: tuple[tuple[str, str], ...] = ()
    conditions: tuple[tuple[str, str], ...] = ()
    params: bool = False
    tenants_only: bool = True


SECCOMP = "{v}.type in ['RuntimeDefault', 'Localhost']"
RESTRICTED = (
    (("!(has(variables.podSpec.hostNetwork) && variables.podSpec.hostNetwork) && "
     "!(has(variables.podSpec.hostPID) && variables.podSpec.hostPID) && "
     "!(has(variables.podSpec.hostIPC) && variables.podSpec.hostIPC)"), "pods must not share the host's namespaces"),
    ("!has(variables.podSpec.volumes) || variables.podSpec.volumes.all(v, !has(v.hostPath))",
     "hostPath volumes are not allowed"),
    (_either("runAsNonRoot", "{v} == true"), "every container must run as non-root (runAsNonRoot: true)"),
    (_either("seccompProfile", SECCOMP), "every container needs seccompProfile RuntimeDefault or Localhost"),
    (_each(f"{has('c', 'securityContext.allowPrivilegeEscalation')} && "
           "c.securityContext.allowPrivilegeEscalation == false"), "allowPrivilegeEscalation must be false"),
    (_each(f"{has('c', 'securityContext.capabilities.drop')} && 'ALL' in c.securityContext.capabilities.drop"),
     "every container must drop ALL capabilities"),
    (_each(f"!({has('c', 'securityContext.privileged')} && c.securityContext.privileged)"),
     "privileged containers are not allowed"),
    (_each(f"{has('c', 'securityContext.readOnlyRootFilesystem')} && c.securityContext.readOnlyRootFilesystem == true"),
     "every container must set readOnlyRootFilesystem: true"),
)


def _app_label_allowed(meta_expr: str) -> str:
    return (f"has({meta_expr}.labels) && '{APP_ID}' in {meta_expr}.labels && "
            f"('app.' + {meta_expr}.labels['{APP_ID}']) in params.data")


def _pss_labels() -> str:
    lbl = "object.metadata.labels"
    one = (f"('{PSS}/' + m) in {lbl} && {lbl}['{PSS}/' + m] == 'restricted' && "
           f"('{PSS}/' + m + '-version') in {lbl} && {lbl}['{PSS}/' + m + '-version'].startsWith('v1.')")
    return f"has({lbl}) && ['enforce', 'audit', 'warn'].all(m, {one})"


def endpoint_pattern(allow_list: tuple[str, ...]) -> str:
    """A regex for URLs whose host is an allow-list entry or under one (as `host_allowed`)."""
    hosts = "|".join(re.escape(h.lower()).replace("\\.", "[.]") for h in allow_list)
    return f"^(https?://)?([a-z0-9-]+[.])*({hosts})(:[0-9]+)?(/.*)?$"


def _residency(p: PlatformSpec) -> str:
    pattern = endpoint_pattern(p.storage_allow_list).replace("\\", "\\\\")
    return ("!has(object.spec.config) || ['s3Url', 'publicUrl'].all(k, !(k in object.spec.config) || "
            f"object.spec.config[k].matches('{pattern}'))")


def _exempt(p: PlatformSpec) -> str:
    """Who may change a tenant's guardrails: the platform team, the control plane's own controllers
    (namespace deletion, garbage collection) and Velero restoring a namespace."""
    groups = ["system:masters", PLATFORM_GROUP, "system:serviceaccounts:kube-system",
              f"system:serviceaccounts:{p.refs.backup_namespace}"]
    listed = ", ".join(f"'{g}'" for g in groups)
    return (f"(has(request.userInfo.groups) && request.userInfo.groups.exists(g, g in [{listed}])) || "
            "request.userInfo.username == 'system:kube-controller-manager'")


def _not_restores(p: PlatformSpec) -> tuple[tuple[str, str], ...]:
    """Velero restores a pod as it was backed up (when it passed these policies) plus its own
    restore-helper init container, which would fail the registry and pull checks."""
    group = f"system:serviceaccounts:{p.refs.backup_namespace}"
    return (("not-a-velero-restore", f"!(has(request.userInfo.groups) && '{group}' in request.userInfo.groups)"),)


def guards(p: PlatformSpec) -> tuple[Guard, ...]:
    """Every in-cluster guardrail, named as its CrossGuard twin."""
    ingress_class = p.refs.ingress_class
    rbac = "rbac.authorization.k8s.io"
    pods: dict[str, Any] = {"variables": POD_VARIABLES, "conditions": _not_restores(p)}
    return (
        Guard("dcc-pss-restricted-labels", (rule("", ["namespaces"]),), ((_pss_labels(),
              "a tenant namespace must enforce, audit and warn Pod Security 'restricted' with a pinned v1.x version"),)),
        Guard("dcc-restricted-pods", WORKLOAD_RULES, RESTRICTED, **pods),
        Guard("dcc-container-limits", WORKLOAD_RULES, ((_each(
            "has(c.resources) && has(c.resources.limits) && 'cpu' in c.resources.limits && "
            "'memory' in c.resources.limits"), "every container needs cpu and memory limits (the quota counts them)"),),
            **pods),
        Guard("dcc-pinned-images", WORKLOAD_RULES, ((_each(
            "c.image.contains('@sha256:') || (c.image.matches(':[^/:]+$') && !c.image.endsWith(':latest'))"),
            "every image needs a digest or a tag other than 'latest'"),), **pods),
        Guard("dcc-image-pull-policy", WORKLOAD_RULES, ((_each(
            "has(c.imagePullPolicy) && c.imagePullPolicy == 'Always'"),
            "tenant containers must pull Always (the registry checks the agency's right to each image)"),),
            **pods),
        Guard("dcc-registry", WORKLOAD_RULES, ((_each("c.image.startsWith(params.data.registryPrefix)"),
              "images must come from the tenant's own project in the national registry"),), **pods,
              params=True),
        Guard("dcc-no-new-apps", WORKLOAD_RULES, (
            (_app_label_allowed("object.metadata"), f"the workload's {APP_ID} label must name an app of this tenant"),
            (_app_label_allowed("variables.podMeta"), (f"the pod template's {APP_ID} label must name an app of this "
                                                      "tenant")),), **pods, params=True),
        Guard("dcc-service-types", (rule("", ["services"]),), (
            (("(!has(object.spec.type) || object.spec.type == 'ClusterIP') && "
             "(!has(object.spec.externalIPs) || size(object.spec.externalIPs) == 0) && !has(object.spec.externalName)"),
             "tenant Services are ClusterIP only: no LoadBalancer, NodePort, ExternalName or externalIPs"),)),
        Guard("dcc-ingress-hosts", (rule("networking.k8s.io", ["ingresses"]),), (
            (f"has(object.spec.ingressClassName) && object.spec.ingressClassName == '{ingress_class}'",
             f"tenant Ingresses must use the portal's ingress class '{ingress_class}'"),
            ("!has(object.spec.defaultBackend)", "a tenant Ingress must not set a defaultBackend"),
            ("!has(object.spec.rules) || object.spec.rules.all(r, has(r.host) && ('host.' + r.host) in params.data)",
             "every host must be a hostname of this tenant's apps"),
            (("!has(object.spec.rules) || object.spec.rules.all(r, has(r.host) && has(object.spec.tls) && "
             "object.spec.tls.exists(t, has(t.hosts) && r.host in t.hosts))"), "every host needs a TLS entry"),
            ("!has(object.metadata.annotations) || !object.metadata.annotations.exists(k, k.endsWith('-snippet'))",
             "configuration snippet annotations are not allowed"),
        ), params=True),
        Guard("dcc-data-residency", (rule("velero.io", ["backupstoragelocations"]),), ((_residency(p),
              "backup storage endpoints must be on the storage allow-list (data residency)"),), tenants_only=False),
        Guard("dcc-rbac-least-privilege", (rule(rbac, ["roles"]),), ((
            ("!has(object.rules) || object.rules.all(r, !('*' in r.verbs) && !(has(r.resources) && '*' in r.resources) "
            "&& !(has(r.apiGroups) && '*' in r.apiGroups) && !r.verbs.exists(v, v in ['bind', 'escalate', "
            "'impersonate']))"), "Roles name verbs and resources explicitly; no bind, escalate or impersonate"),)),
        Guard("dcc-tenant-bindings", (rule(rbac, ["rolebindings"]),), ((
            "object.roleRef.kind != 'ClusterRole' || object.roleRef.name in ['view']",
            "tenants may bind only the 'view' ClusterRole or their own Roles"),)),
        Guard("dcc-tenant-guardrails", (
            rule("networking.k8s.io", ["networkpolicies"], ["CREATE", "UPDATE", "DELETE"]),
            rule("", ["resourcequotas", "limitranges", "configmaps"], ["CREATE", "UPDATE", "DELETE"]),
            rule(rbac, ["roles", "rolebindings"], ["CREATE", "UPDATE", "DELETE"])),
            ((_exempt(p), ("only the platform may change a tenant's network policies, quota, limits, RBAC or "
                          "admission parameters")),),
            conditions=(("guardrail-configmap-only",
                         f"request.resource.resource != 'configmaps' || request.name == '{PARAMS_NAME}'"),)),
    )


def policy(g: Guard) -> dict[str, Any]:
    spec: dict[str, Any] = {"failurePolicy": "Fail"}
    if g.params:
        spec["paramKind"] = {"apiVersion": "v1", "kind": "ConfigMap"}
    spec["matchConstraints"] = {"resourceRules": [dict(r) for r in g.rules]}
    if g.conditions:
        spec["matchConditions"] = [{"name": n, "expression": e} for n, e in g.conditions]
    if g.variables:
        spec["variables"] = [{"name": n, "expression": e} for n, e in g.variables]
    spec["validations"] = [{"expression": e, "message": m} for e, m in g.validations]
    return obj(ADMISSION_API, "ValidatingAdmissionPolicy", meta(g.name, None, dict(LABELS)), spec=spec)


def binding(g: Guard) -> dict[str, Any]:
    """Deny on violation; tenant namespaces only; params from the namespace's own ConfigMap."""
    spec: dict[str, Any] = {"policyName": g.name, "validationActions": ["Deny"]}
    if g.params:
        spec["paramRef"] = {"name": PARAMS_NAME, "parameterNotFoundAction": "Deny"}
    if g.tenants_only:
        spec["matchResources"] = {"namespaceSelector": TENANTS}
    return obj(ADMISSION_API, "ValidatingAdmissionPolicyBinding", meta(g.name, None, dict(LABELS)), spec=spec)


def admission_objects(p: PlatformSpec) -> list[dict[str, Any]]:
    """Every policy, then every binding (a binding to a missing policy is refused)."""
    gs = guards(p)
    return [*(policy(g) for g in gs), *(binding(g) for g in gs)]
