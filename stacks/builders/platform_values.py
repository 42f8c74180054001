"""The values each platform chart gets here; `dcc:chartValues` overrides per key.

Reviewed against the pinned charts' own templates (docs/stacks.md, "Chart values review"):
pods in `restricted` namespaces get restricted security contexts, admin passwords come from
the Secrets of `platform.SECRETS` (existingSecret), nothing is exposed that tenants do not need.
"""

from __future__ import annotations

from typing import Any

from stacks.builders.specs import PlatformSpec

RUNTIME_DEFAULT = {"type": "RuntimeDefault"}
POD_RESTRICTED = {"runAsNonRoot": True, "seccompProfile": RUNTIME_DEFAULT}
CONTAINER_RESTRICTED = {"runAsNonRoot": True, "allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]},
                        "seccompProfile": RUNTIME_DEFAULT}
PORTAL_TLS = "portal-tls"  # the portal's default certificate, a kubernetes.io/tls Secret in the portal namespace
NODE_PORTS = {"http": 30080, "https": 30443}


def _ingress(p: PlatformSpec) -> dict[str, Any]:
    """The portal. Exposure follows the cluster: a load balancer where one exists, else node or host ports."""
    cls = p.refs.ingress_class
    service: dict[str, Any] = {"type": "LoadBalancer"}
    controller: dict[str, Any] = {
        "ingressClass": cls, "replicaCount": 3, "ingressClassResource": {"name": cls, "default": False},
        "allowSnippetAnnotations": False,
        "extraArgs": {"default-ssl-certificate": f"{p.refs.portal_namespace}/{PORTAL_TLS}"}}
    if p.exposure == "NodePort":
        service = {"type": "NodePort", "nodePorts": dict(NODE_PORTS)}
    elif p.exposure == "HostPort":
        service = {"type": "ClusterIP"}
        controller.update(kind="DaemonSet", hostPort={"enabled": True, "ports": {"http": 80, "https": 443}})
    return {"controller": {**controller, "service": service}}


def _identity(p: PlatformSpec) -> dict[str, Any]:
    """Keycloak in production mode on PostgreSQL; two replicas share it (no embedded H2)."""
    db = p.identity_db
    return {
        "replicas": 2, "http": {"relativePath": "/auth"},
        "command": ["/opt/keycloak/bin/kc.sh", "start", "--http-enabled=true", "--http-port=8080",
                    "--hostname-strict=false"],
        "database": {"vendor": "postgres", "hostname": db.host, "port": db.port, "database": db.database,
                     "username": db.username, "existingSecret": "keycloak-db", "existingSecretKey": "password"},
        "extraEnvFrom": "- secretRef:\n    name: keycloak-admin\n",
        "podSecurityContext": {"fsGroup": 1000, **POD_RESTRICTED},
        "securityContext": {"runAsUser": 1000, **CONTAINER_RESTRICTED},
    }


def _gateway(p: PlatformSpec) -> dict[str, Any]:
    """Kong configured by its ingress controller from the exchange's own routes (class `exchange`,
    its namespace only); reached inside the cluster, never exposed, admin API closed."""
    return {
        "replicaCount": 2, "env": {"database": "off"},
        "ingressController": {"enabled": True, "ingressClass": "exchange",
                              "watchNamespaces": [str(p.refs.gateway_namespace)]},
        "proxy": {"type": "ClusterIP"}, "admin": {"enabled": False},
        "securityContext": dict(POD_RESTRICTED),
        "containerSecurityContext": {"readOnlyRootFilesystem": True, **CONTAINER_RESTRICTED},
    }


def _storage(p: PlatformSpec) -> dict[str, Any]:
    """MinIO and every job of its chart (post-install, buckets, users, policies) restricted."""
    job = {"securityContext": {"enabled": True, "runAsUser": 1000, "runAsGroup": 1000, **POD_RESTRICTED},
           "containerSecurityContext": dict(CONTAINER_RESTRICTED)}
    jobs = ("makeBucketJob", "makePolicyJob", "makeUserJob", "makeServiceAccountJob", "customCommandJob")
    return {
        "mode": "distributed", "replicas": 4, "persistence": {"size": "1Ti"}, "existingSecret": "minio-root",
        "buckets": [{"name": "dcc-objects", "objectlocking": True, "versioning": True}],
        "securityContext": {"enabled": True, "runAsUser": 1000, "runAsGroup": 1000, "fsGroup": 1000,
                            "fsGroupChangePolicy": "OnRootMismatch", **POD_RESTRICTED},
        "containerSecurityContext": {"readOnlyRootFilesystem": False, **CONTAINER_RESTRICTED},
        "postJob": {"securityContext": {"enabled": True, "runAsUser": 1000, "runAsGroup": 1000, "fsGroup": 1000,
                                        **POD_RESTRICTED}},
        **{name: {k: dict(v) for k, v in job.items()} for name in jobs},
    }


def _backup(p: PlatformSpec) -> dict[str, Any]:
    """Velero with the object store's credentials from the `velero-credentials` Secret."""
    return {"deployNodeAgent": True, "snapshotsEnabled": False,
            "credentials": {"useSecret": True, "existingSecret": "velero-credentials"},
            "configuration": {"backupStorageLocation": [], "volumeSnapshotLocation": [],
                              "defaultVolumesToFsBackup": True},
            "initContainers": [{"name": "velero-plugin-for-aws", "image": "velero/velero-plugin-for-aws:v1.10.0",
                                "volumeMounts": [{"mountPath": "/target", "name": "plugins"}]}]}


def _monitoring(p: PlatformSpec) -> dict[str, Any]:
    return {"prometheus": {"prometheusSpec": {"retention": "15d"}},
            "grafana": {"enabled": True, "admin": {"existingSecret": "grafana-admin", "userKey": "admin-user",
                                                   "passwordKey": "admin-password"}}}


VALUES = {"ingress": _ingress, "identity": _identity, "gateway": _gateway, "storage": _storage, "backup": _backup,
          "monitoring": _monitoring}


def chart_values(key: str, p: PlatformSpec) -> dict[str, Any]:
    build = VALUES.get(key)
    return build(p) if build else {}
