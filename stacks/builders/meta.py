"""Labels and metadata shared by every builder, so policies can find what they guard."""

from __future__ import annotations

from typing import Any

AGENCY = "dcc.go.id/agency"
APP_ID = "dcc.go.id/app-id"
MANAGED = "app.kubernetes.io/managed-by"
PSS = "pod-security.kubernetes.io"


def labels(agency: str, app_id: str | None = None) -> dict[str, str]:
    """The labels every tenant object carries; `app_id` marks a workload of an inventory app."""
    out = {MANAGED: "dcc", AGENCY: agency}
    if app_id is not None:
        out[APP_ID] = app_id
    return out


def meta(name: str, namespace: Any | None, lbls: dict[str, str]) -> dict[str, Any]:
    """ObjectMeta with a stable key order (namespace omitted for cluster-scoped kinds)."""
    out: dict[str, Any] = {"name": name}
    if namespace is not None:
        out["namespace"] = namespace
    out["labels"] = dict(lbls)
    return out


def obj(api_version: str, kind: str, metadata: dict[str, Any], **fields: Any) -> dict[str, Any]:
    """A manifest: apiVersion, kind, metadata, then the kind's own top-level fields."""
    return {"apiVersion": api_version, "kind": kind, "metadata": metadata, **fields}


def ns_selector(namespace: Any) -> dict[str, Any]:
    """Select a namespace by the name label Kubernetes sets on every namespace."""
    return {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": namespace}}}
