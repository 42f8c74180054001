"""Objects of the shared platform: its namespaces, the backup location and the Helm releases.

Releases are described as `HelmRelease` summaries (apiVersion `helm.dcc.go.id/v1`, our own
kind, not a cluster object): the stack turns each into a `k8s.helm.v3.Release`.
"""

from __future__ import annotations

from typing import Any

from stacks.builders.meta import MANAGED, PSS, meta, obj
from stacks.builders.specs import ChartSpec, PlatformSpec

RELEASE_API = "helm.dcc.go.id/v1"
PLATFORM_LABELS = {MANAGED: "dcc", "dcc.go.id/platform": "true"}


def platform_namespace(name: str, enforce: str, pss_version: str) -> dict[str, Any]:
    lbls = dict(PLATFORM_LABELS)
    lbls[f"{PSS}/enforce"] = enforce
    lbls[f"{PSS}/enforce-version"] = pss_version
    for mode in ("audit", "warn"):
        lbls[f"{PSS}/{mode}"] = "restricted"
        lbls[f"{PSS}/{mode}-version"] = pss_version
    return obj("v1", "Namespace", meta(name, None, lbls))


def namespaces(p: PlatformSpec) -> list[dict[str, Any]]:
    """Platform namespaces; node-level agents get `privileged`/`baseline`, the rest `restricted`."""
    r = p.refs
    level = {str(r.backup_namespace): "privileged", str(p.monitoring_namespace): "privileged",
             str(r.portal_namespace): "baseline"}
    return [platform_namespace(n, level.get(n, "restricted"), r.pss_version) for n in p.namespaces()]


def backup_location(p: PlatformSpec) -> dict[str, Any]:
    """Velero's BackupStorageLocation in the other failure domain, S3 with object lock."""
    b = p.backup
    spec = {"provider": "aws", "default": True, "accessMode": "ReadWrite",
            "objectStorage": {"bucket": b.bucket},
            "config": {"region": b.region, "s3Url": b.s3_url, "s3ForcePathStyle": "true"}}
    lbls = {**PLATFORM_LABELS, "dcc.go.id/failure-domain": b.failure_domain}
    return obj("velero.io/v1", "BackupStorageLocation", meta(b.name, p.refs.backup_namespace, lbls), spec=spec)


def default_values(key: str, p: PlatformSpec) -> dict[str, Any]:
    """What each service needs from its chart here; `dcc:chartValues` overrides per key."""
    ingress_class = p.refs.ingress_class
    return {
        "ingress": {"controller": {"ingressClass": ingress_class, "replicaCount": 3,
                                   "ingressClassResource": {"name": ingress_class, "default": False}}},
        "identity": {"replicas": 2, "http": {"relativePath": "/auth"}},
        "gateway": {"replicaCount": 2, "ingressController": {"enabled": False}},
        "storage": {"mode": "distributed", "replicas": 4, "persistence": {"size": "1Ti"},
                    "buckets": [{"name": "dcc-objects", "objectlocking": True, "versioning": True}]},
        "backup": {"deployNodeAgent": True, "snapshotsEnabled": False,
                   "configuration": {"backupStorageLocation": [], "volumeSnapshotLocation": [],
                                     "defaultVolumesToFsBackup": True},
                   "initContainers": [{"name": "velero-plugin-for-aws", "image": "velero/velero-plugin-for-aws:v1.10.0",
                                       "volumeMounts": [{"mountPath": "/target", "name": "plugins"}]}]},
        "monitoring": {"prometheus": {"prometheusSpec": {"retention": "15d"}}, "grafana": {"enabled": True}},
    }.get(key, {})


def _merge(base: dict[str, Any], over: Any) -> dict[str, Any]:
    out = dict(base)
    for k, v in (over or {}).items():
        out[k] = _merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


def release(c: ChartSpec, p: PlatformSpec) -> dict[str, Any]:
    values = _merge(default_values(c.key, p), c.values)
    spec = {"chart": c.chart, "version": c.version, "repo": c.repo, "values": values}
    return obj(RELEASE_API, "HelmRelease", meta(c.release, c.namespace, dict(PLATFORM_LABELS)), spec=spec)


def platform_objects(p: PlatformSpec) -> list[dict[str, Any]]:
    """Namespaces first, then releases (which install the CRDs), then the backup location."""
    return [*namespaces(p), *(release(c, p) for c in p.charts), backup_location(p)]
