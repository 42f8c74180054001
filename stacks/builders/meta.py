"""Labels and metadata shared by every builder, so policies can find what they guard."""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache
from typing import Any

AGENCY = "dcc.go.id/agency"
APP_ID = "dcc.go.id/app-id"
MANAGED = "app.kubernetes.io/managed-by"
PSS = "pod-security.kubernetes.io"
GUARDRAIL = "dcc.go.id/guardrail"  # set on objects only the platform may change


@lru_cache(maxsize=1 << 16)
def short_name(value: str, limit: int) -> str:
    """`value` if it is a DNS label within `limit`, else a prefix plus 8 hex of its hash:
    unique, stable, and valid as an object name or a label value."""
    if len(value) <= limit and re.fullmatch(r"[a-z]([-a-z0-9]*[a-z0-9])?", value):
        return value
    stem = re.sub(r"[^a-z0-9-]+", "-", value.lower())[: limit - 9].strip("-")
    return f"{stem}-{hashlib.sha256(value.encode()).hexdigest()[:8]}"


def app_label(app_id: str) -> str:
    """The `dcc.go.id/app-id` label value of an inventory app id (label values stop at 63)."""
    return short_name(app_id, 63)


def labels(agency: str, app_id: str | None = None) -> dict[str, str]:
    """The labels every tenant object carries; `app_id` marks a workload of an inventory app."""
    out = {MANAGED: "dcc", AGENCY: agency}
    if app_id is not None:
        out[APP_ID] = app_label(app_id)
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
