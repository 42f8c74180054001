"""Objects of one replatformed app: workload, Service, volume, Ingress at the portal, Secret.

Pods run under the `restricted` profile with pinned images pulled Always, sized requests/limits
and probes; two-replica Deployments get a disruption budget and spread over nodes.
The Secret's values come from the caller: Pulumi passes secret Outputs, render a placeholder.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from stacks.builders import sizing
from stacks.builders.meta import app_label, labels, meta, obj, short_name
from stacks.builders.specs import AppSpec, PlatformRefs


def secret_keys(app: AppSpec) -> tuple[str, ...]:
    """Names of the secret values an app needs (a database password only for web-db)."""
    return ("APP_SECRET_KEY", "DB_PASSWORD") if app.archetype == "web-db" else ("APP_SECRET_KEY",)


def placeholder(app: AppSpec, key: str) -> str:
    """What render writes instead of a secret: a reference, never a value."""
    return f"secretref:dcc/{app.agency}/{app.id}/{key}"


def image(app: AppSpec, refs: PlatformRefs) -> str:
    return f"{refs.registry}/{app.agency}/{app.id}:{app.version}"


def _container(app: AppSpec, refs: PlatformRefs) -> dict[str, Any]:
    req, lim = sizing.app_requests(app), sizing.app_limits(app)
    data_dir = f"/srv/{app.id}/data"  # the app layout convention of the legacy hosts
    mounts = [{"name": "tmp", "mountPath": "/tmp"}]
    if sizing.app_storage_gi(app):
        mounts.append({"name": "data", "mountPath": data_dir})
    return {
        "name": "app", "image": image(app, refs), "imagePullPolicy": "Always",
        "ports": [{"name": "http", "containerPort": app.port}],
        "envFrom": [{"secretRef": {"name": f"{app.object_name}-secrets"}}],
        "env": [{"name": "DATA_DIR", "value": data_dir}, {"name": "PORT", "value": str(app.port)}],
        "resources": {"requests": {"cpu": sizing.cpu(req.cpu_m), "memory": sizing.mem(req.memory_mi)},
                      "limits": {"cpu": sizing.cpu(lim.cpu_m), "memory": sizing.mem(lim.memory_mi)}},
        "securityContext": {"runAsNonRoot": True, "allowPrivilegeEscalation": False, "readOnlyRootFilesystem": True,
                            "capabilities": {"drop": ["ALL"]}, "seccompProfile": {"type": "RuntimeDefault"}},
        "readinessProbe": {"httpGet": {"path": "/health", "port": "http"}, "periodSeconds": 10},
        # Generous: a legacy app that is slow to start must not be killed in a restart loop.
        "livenessProbe": {"httpGet": {"path": "/health", "port": "http"}, "initialDelaySeconds": 30,
                          "periodSeconds": 20, "timeoutSeconds": 5, "failureThreshold": 6},
        "volumeMounts": mounts,
    }


def _selector(app: AppSpec) -> dict[str, Any]:
    return {"matchLabels": {"dcc.go.id/app-id": app_label(app.id)}}


def _spread(app: AppSpec) -> list[dict[str, Any]]:
    """Replicas on different nodes (hard) and zones (soft): one node lost never takes the app."""
    return [{"maxSkew": 1, "topologyKey": key, "whenUnsatisfiable": when, "labelSelector": _selector(app)}
            for key, when in (("kubernetes.io/hostname", "DoNotSchedule"),
                              ("topology.kubernetes.io/zone", "ScheduleAnyway"))]


def _pod_template(app: AppSpec, refs: PlatformRefs, with_claim: bool) -> dict[str, Any]:
    volumes: list[dict[str, Any]] = [{"name": "tmp", "emptyDir": {"sizeLimit": "256Mi"}}]
    if with_claim:
        volumes.append({"name": "data", "persistentVolumeClaim": {"claimName": f"{app.object_name}-data"}})
    spec: dict[str, Any] = {
        "automountServiceAccountToken": False, "containers": [_container(app, refs)], "volumes": volumes,
        "securityContext": {"runAsNonRoot": True, "runAsUser": 10001, "runAsGroup": 10001, "fsGroup": 10001,
                            "seccompProfile": {"type": "RuntimeDefault"}}}
    if sizing.replicas(app) > 1:
        spec["topologySpreadConstraints"] = _spread(app)
    return {"metadata": {"labels": labels(app.agency, app.id)}, "spec": spec}


def _claim_spec(app: AppSpec) -> dict[str, Any]:
    return {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": sizing.disk(sizing.app_storage_gi(app))}}}


def _workload_meta(app: AppSpec, lbls: dict[str, str]) -> dict[str, Any]:
    """Labels stop at 63 characters; the annotation keeps the full inventory id for tracing."""
    return {**meta(app.object_name, app.agency, lbls), "annotations": {"dcc.go.id/inventory-id": app.id}}


def workload(app: AppSpec, refs: PlatformRefs) -> dict[str, Any]:
    """A StatefulSet for web-db apps with data (volume per replica), else a Deployment."""
    lbls = labels(app.agency, app.id)
    selector = _selector(app)
    has_data = sizing.app_storage_gi(app) > 0
    if is_stateful(app):
        template = _pod_template(app, refs, with_claim=False)
        claim = {"metadata": {"name": "data", "labels": lbls}, "spec": _claim_spec(app)}
        spec = {"replicas": 1, "serviceName": headless_name(app), "selector": selector, "template": template,
                "volumeClaimTemplates": [claim]}
        return obj("apps/v1", "StatefulSet", _workload_meta(app, lbls), spec=spec)
    # A single writer on a ReadWriteOnce volume: replace, never overlap, the old pod. Two
    # replicas roll one at a time without a surge pod, which the tenant quota may not fit.
    strategy = {"type": "Recreate"} if has_data else {
        "type": "RollingUpdate", "rollingUpdate": {"maxSurge": 0, "maxUnavailable": 1}}
    spec = {"replicas": sizing.replicas(app), "selector": selector, "strategy": strategy,
            "template": _pod_template(app, refs, with_claim=has_data)}
    return obj("apps/v1", "Deployment", _workload_meta(app, lbls), spec=spec)


def volume_claim(app: AppSpec) -> dict[str, Any] | None:
    """A standalone PVC for non-StatefulSet apps that keep data."""
    if not sizing.app_storage_gi(app) or app.archetype == "web-db":
        return None
    return obj("v1", "PersistentVolumeClaim", meta(f"{app.object_name}-data", app.agency, labels(app.agency, app.id)),
               spec=_claim_spec(app))


def is_stateful(app: AppSpec) -> bool:
    return app.archetype == "web-db" and sizing.app_storage_gi(app) > 0


def headless_name(app: AppSpec) -> str:
    return short_name(f"{app.object_name}-pods", 63)


def service(app: AppSpec, headless: bool = False) -> dict[str, Any]:
    """The app's ClusterIP Service; `headless` gives the StatefulSet's governing Service."""
    spec: dict[str, Any] = {"type": "ClusterIP", "selector": {"dcc.go.id/app-id": app_label(app.id)},
                            "ports": [{"name": "http", "port": 80, "targetPort": "http", "protocol": "TCP"}]}
    if headless:
        spec = {**spec, "clusterIP": "None", "publishNotReadyAddresses": True}
    name = headless_name(app) if headless else app.object_name
    return obj("v1", "Service", meta(name, app.agency, labels(app.agency, app.id)), spec=spec)


def disruption_budget(app: AppSpec) -> dict[str, Any] | None:
    """At most one pod of a replicated app down at a time for node drains."""
    if sizing.replicas(app) < 2:
        return None
    return obj("policy/v1", "PodDisruptionBudget", meta(app.object_name, app.agency, labels(app.agency, app.id)),
               spec={"maxUnavailable": 1, "selector": _selector(app)})


def ingress(app: AppSpec, refs: PlatformRefs) -> dict[str, Any]:
    """The national portal routes the app's own service name (as the legacy nginx did), over TLS
    (the portal's default certificate unless the host gets its own). Without a load balancer
    nothing fills the Ingress status, so Pulumi is told not to wait for it."""
    backend = {"service": {"name": app.object_name, "port": {"name": "http"}}}
    rule = {"host": app.service, "http": {"paths": [{"path": "/", "pathType": "Prefix", "backend": backend}]}}
    m = meta(app.object_name, app.agency, labels(app.agency, app.id))
    if not refs.await_ingress:
        m["annotations"] = {"pulumi.com/skipAwait": "true"}
    return obj("networking.k8s.io/v1", "Ingress", m,
               spec={"ingressClassName": refs.ingress_class, "tls": [{"hosts": [app.service]}], "rules": [rule]})


def secret(app: AppSpec, values: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Opaque Secret; `values` maps each key of `secret_keys` (placeholders when omitted)."""
    data = {k: (values[k] if values else placeholder(app, k)) for k in secret_keys(app)}
    return obj("v1", "Secret", meta(f"{app.object_name}-secrets", app.agency, labels(app.agency, app.id)),
               type="Opaque", stringData=data)


def app_objects(app: AppSpec, refs: PlatformRefs, secret_values: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
    """Every object of one app, in apply order (secret and volume before the workload)."""
    optional = [volume_claim(app), disruption_budget(app), service(app, headless=True) if is_stateful(app) else None]
    claim, budget, headless = optional
    return [secret(app, secret_values), *([claim] if claim else []), workload(app, refs), service(app),
            *([headless] if headless else []), *([budget] if budget else []), ingress(app, refs)]
