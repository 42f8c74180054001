"""Objects of the shared platform: namespaces, admin secrets, Helm releases, the backup location
and the in-cluster admission policies.

Releases are described as `HelmRelease` summaries (apiVersion `helm.dcc.go.id/v1`, our own
kind, not a cluster object): the stack turns each into a `k8s.helm.v3.Release`. Chart values
make every platform pod meet its namespace's Pod Security level (docs/stacks.md has the review).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from stacks.builders.admission import admission_objects
from stacks.builders.meta import MANAGED, PSS, meta, obj
from stacks.builders.platform_values import chart_values
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


# (Secret, namespace field, key, source): "generated" from the stack's secret seed, "config:<key>"
# from a Pulumi secret, or a plain value. Charts read them by name (existingSecret), never inline.
SECRETS = (
    ("keycloak-admin", "identity_namespace", "KC_BOOTSTRAP_ADMIN_USERNAME", "plain:admin"),
    ("keycloak-admin", "identity_namespace", "KC_BOOTSTRAP_ADMIN_PASSWORD", "generated"),
    ("keycloak-db", "identity_namespace", "password", "config:identityDatabasePassword"),
    ("grafana-admin", "monitoring_namespace", "admin-user", "plain:admin"),
    ("grafana-admin", "monitoring_namespace", "admin-password", "generated"),
    ("minio-root", "storage_namespace", "rootUser", "plain:dcc-root"),
    ("minio-root", "storage_namespace", "rootPassword", "generated"),
    ("velero-credentials", "backup_namespace", "cloud", "config:backupAccessKeyId,backupSecretAccessKey"),
)


def _namespace_of(p: PlatformSpec, field: str) -> Any:
    return getattr(p.refs, field, None) or getattr(p, field)


def secret_placeholder(name: str, key: str) -> str:
    return f"secretref:dcc/_platform/{name}/{key}"


def platform_secrets(p: PlatformSpec, values: Mapping[tuple[str, str], Any] | None = None) -> list[dict[str, Any]]:
    """The admin and credential Secrets the charts use; `values` maps (secret, key) to a value
    (Pulumi secret Outputs), render writes references for every non-plain value."""
    out: dict[str, dict[str, Any]] = {}
    for name, ns_field, key, source in SECRETS:
        if name not in out:
            out[name] = obj("v1", "Secret", meta(name, _namespace_of(p, ns_field), dict(PLATFORM_LABELS)),
                            type="Opaque", stringData={})
        plain = source.removeprefix("plain:") if source.startswith("plain:") else None
        out[name]["stringData"][key] = plain if plain is not None else (
            values[(name, key)] if values else secret_placeholder(name, key))
    return list(out.values())


def _merge(base: dict[str, Any], over: Any) -> dict[str, Any]:
    out = dict(base)
    for k, v in (over or {}).items():
        out[k] = _merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


def release(c: ChartSpec, p: PlatformSpec) -> dict[str, Any]:
    values = _merge(chart_values(c.key, p), c.values)
    spec = {"chart": c.chart, "version": c.version, "repo": c.repo, "values": values}
    return obj(RELEASE_API, "HelmRelease", meta(c.release, c.namespace, dict(PLATFORM_LABELS)), spec=spec)


def platform_objects(p: PlatformSpec, secret_values: Mapping[tuple[str, str], Any] | None = None) -> list[dict[str, Any]]:
    """Namespaces, the charts' Secrets, releases (which install the CRDs), the backup location,
    then the admission policies and their bindings."""
    return [*namespaces(p), *platform_secrets(p, secret_values), *(release(c, p) for c in p.charts),
            backup_location(p), *admission_objects(p)]
