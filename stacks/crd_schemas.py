"""Small strict JSON schemas for the kinds the official Kubernetes schemas lack.

Velero's CRDs and our HelmRelease summary are checked for shape (no unknown keys)
so a typo fails `dcc validate` as loudly as it would fail for a core kind.
"""

from __future__ import annotations

from typing import Any


def _strict(properties: dict[str, Any], required: list[str]) -> dict[str, Any]:
    return {"type": "object", "additionalProperties": False, "properties": properties, "required": required}


_STR = {"type": "string", "minLength": 1}
_LABELS = {"type": "object", "additionalProperties": {"type": "string"}}
_META = _strict({"name": _STR, "namespace": _STR, "labels": _LABELS, "annotations": _LABELS}, ["name", "namespace"])


def _kind(api_version: str, kind: str, spec: dict[str, Any]) -> dict[str, Any]:
    return _strict({"apiVersion": {"const": api_version}, "kind": {"const": kind}, "metadata": _META, "spec": spec},
                   ["apiVersion", "kind", "metadata", "spec"])


_BACKUP_TEMPLATE = _strict({
    "includedNamespaces": {"type": "array", "items": _STR, "minItems": 1},
    "storageLocation": _STR, "ttl": {"type": "string", "pattern": r"^(\d+h)?(\d+m)?(\d+s)?$"},
    "defaultVolumesToFsBackup": {"type": "boolean"}, "snapshotVolumes": {"type": "boolean"},
}, ["includedNamespaces", "storageLocation", "ttl"])

SCHEDULE = _kind("velero.io/v1", "Schedule", _strict({
    "schedule": {"type": "string", "pattern": r"^(\S+\s+){4}\S+$"},
    "useOwnerReferencesInBackup": {"type": "boolean"}, "template": _BACKUP_TEMPLATE,
}, ["schedule", "template"]))

BACKUP_STORAGE_LOCATION = _kind("velero.io/v1", "BackupStorageLocation", _strict({
    "provider": _STR, "default": {"type": "boolean"}, "accessMode": {"enum": ["ReadWrite", "ReadOnly"]},
    "objectStorage": _strict({"bucket": _STR, "prefix": {"type": "string"}}, ["bucket"]),
    "config": {"type": "object", "additionalProperties": {"type": "string"}},
}, ["provider", "objectStorage"]))

HELM_RELEASE = _kind("helm.dcc.go.id/v1", "HelmRelease", _strict({
    "chart": _STR, "version": {"type": "string", "pattern": r"^v?\d+\.\d+\.\d+"},
    "repo": {"type": "string", "pattern": "^(https|oci)://"}, "values": {"type": "object"},
}, ["chart", "version", "repo", "values"]))

BY_KIND: dict[tuple[str, str], dict[str, Any]] = {
    ("velero.io/v1", "Schedule"): SCHEDULE,
    ("velero.io/v1", "BackupStorageLocation"): BACKUP_STORAGE_LOCATION,
    ("helm.dcc.go.id/v1", "HelmRelease"): HELM_RELEASE,
}
