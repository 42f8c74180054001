"""Objects of one replatformed app: workload, Service, volume, Ingress at the portal, Secret.

Pods run under the `restricted` profile with pinned images and sized requests/limits.
The Secret's values come from the caller: Pulumi passes secret Outputs, render a placeholder.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from stacks.builders import sizing
from stacks.builders.meta import app_label, labels, meta, obj
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
        "name": "app", "image": image(app, refs), "ports": [{"name": "http", "containerPort": app.port}],
        "envFrom": [{"secretRef": {"name": f"{app.object_name}-secrets"}}],
        "env": [{"name": "DATA_DIR", "value": data_dir}, {"name": "PORT", "value": str(app.port)}],
        "resources": {"requests": {"cpu": sizing.cpu(req.cpu_m), "memory": sizing.mem(req.memory_mi)},
                      "limits": {"cpu": sizing.cpu(lim.cpu_m), "memory": sizing.mem(lim.memory_mi)}},
        "securityContext": {"runAsNonRoot": True, "allowPrivilegeEscalation": False, "readOnlyRootFilesystem": True,
                            "capabilities": {"drop": ["ALL"]}, "seccompProfile": {"type": "RuntimeDefault"}},
        "readinessProbe": {"httpGet": {"path": "/health", "port": "http"}, "periodSeconds": 10},
        "volumeMounts": mounts,
    }


def _pod_template(app: AppSpec, refs: PlatformRefs, with_claim: bool) -> dict[str, Any]:
    volumes: list[dict[str, Any]] = [{"name": "tmp", "emptyDir": {"sizeLimit": "256Mi"}}]
    if with_claim:
        volumes.append({"name": "data", "persistentVolumeClaim": {"claimName": f"{app.object_name}-data"}})
    spec = {"automountServiceAccountToken": False, "containers": [_container(app, refs)], "volumes": volumes,
            "securityContext": {"runAsNonRoot": True, "runAsUser": 10001, "runAsGroup": 10001, "fsGroup": 10001,
                                "seccompProfile": {"type": "RuntimeDefault"}}}
    return {"metadata": {"labels": labels(app.agency, app.id)}, "spec": spec}


def _claim_spec(app: AppSpec) -> dict[str, Any]:
    return {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": sizing.disk(sizing.app_storage_gi(app))}}}


def _workload_meta(app: AppSpec, lbls: dict[str, str]) -> dict[str, Any]:
    """Labels stop at 63 characters; the annotation keeps the full inventory id for tracing."""
    return {**meta(app.object_name, app.agency, lbls), "annotations": {"dcc.go.id/inventory-id": app.id}}


def workload(app: AppSpec, refs: PlatformRefs) -> dict[str, Any]:
    """A StatefulSet for web-db apps with data (volume per replica), else a Deployment."""
    lbls = labels(app.agency, app.id)
    selector = {"matchLabels": {"dcc.go.id/app-id": app_label(app.id)}}
    has_data = sizing.app_storage_gi(app) > 0
    if app.archetype == "web-db" and has_data:
        template = _pod_template(app, refs, with_claim=False)
        claim = {"metadata": {"name": "data", "labels": lbls}, "spec": _claim_spec(app)}
        spec = {"replicas": 1, "serviceName": app.object_name, "selector": selector, "template": template,
                "volumeClaimTemplates": [claim]}
        return obj("apps/v1", "StatefulSet", _workload_meta(app, lbls), spec=spec)
    # A single writer on a ReadWriteOnce volume: replace, never overlap, the old pod.
    strategy = {"type": "Recreate"} if has_data else {"type": "RollingUpdate"}
    spec = {"replicas": sizing.replicas(app), "selector": selector, "strategy": strategy,
            "template": _pod_template(app, refs, with_claim=has_data)}
    return obj("apps/v1", "Deployment", _workload_meta(app, lbls), spec=spec)


def volume_claim(app: AppSpec) -> dict[str, Any] | None:
    """A standalone PVC for non-StatefulSet apps that keep data."""
    if not sizing.app_storage_gi(app) or app.archetype == "web-db":
        return None
    return obj("v1", "PersistentVolumeClaim", meta(f"{app.object_name}-data", app.agency, labels(app.agency, app.id)),
               spec=_claim_spec(app))


def service(app: AppSpec) -> dict[str, Any]:
    spec = {"type": "ClusterIP", "selector": {"dcc.go.id/app-id": app_label(app.id)},
            "ports": [{"name": "http", "port": 80, "targetPort": "http", "protocol": "TCP"}]}
    return obj("v1", "Service", meta(app.object_name, app.agency, labels(app.agency, app.id)), spec=spec)


def ingress(app: AppSpec, refs: PlatformRefs) -> dict[str, Any]:
    """The national portal routes the app's own service name (as the legacy nginx did)."""
    backend = {"service": {"name": app.object_name, "port": {"name": "http"}}}
    rule = {"host": app.service, "http": {"paths": [{"path": "/", "pathType": "Prefix", "backend": backend}]}}
    return obj("networking.k8s.io/v1", "Ingress", meta(app.object_name, app.agency, labels(app.agency, app.id)),
               spec={"ingressClassName": refs.ingress_class, "rules": [rule]})


def secret(app: AppSpec, values: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Opaque Secret; `values` maps each key of `secret_keys` (placeholders when omitted)."""
    data = {k: (values[k] if values else placeholder(app, k)) for k in secret_keys(app)}
    return obj("v1", "Secret", meta(f"{app.object_name}-secrets", app.agency, labels(app.agency, app.id)),
               type="Opaque", stringData=data)


def app_objects(app: AppSpec, refs: PlatformRefs, secret_values: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
    """Every object of one app, in apply order (secret and volume before the workload)."""
    claim = volume_claim(app)
    return [secret(app, secret_values), *([claim] if claim else []), workload(app, refs), service(app), ingress(app, refs)]
