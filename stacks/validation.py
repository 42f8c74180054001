"""Check manifests: strict official Kubernetes schemas (kubernetes-validate), our CRD schemas,
and every guardrail of the policy pack. Pure: objects in, findings out.

Validators are built once per (apiVersion, kind): building one costs milliseconds, using it microseconds.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

from stacks.crd_schemas import BY_KIND
from stacks.policy.policies import STACK_POLICIES, PolicyContext, check_object

K8S_VERSION = "1.30.0"


@dataclass(frozen=True)
class Finding:
    """One problem with one object: `source` is the file (or stack), `ref` names the object."""

    source: str
    ref: str
    check: str
    message: str


def object_ref(o: Mapping[str, Any]) -> str:
    """kind/namespace/name, the way an operator searches for an object."""
    meta = o.get("metadata") or {}
    ns = meta.get("namespace")
    return f"{o.get('kind')}/{ns + '/' if ns else ''}{meta.get('name')}"


def _schema_dir() -> str:
    return f"v{K8S_VERSION}-local-strict"


@lru_cache(maxsize=1)
def _definitions() -> dict[str, Any]:
    from kubernetes_validate.utils import schema_contents

    defs: dict[str, Any] = schema_contents(f"kubernetes-json-schema/{_schema_dir()}/_definitions.json",
                                           K8S_VERSION)["$defs"]
    return defs


def _inline(node: Any, seen: tuple[str, ...] = ()) -> Any:
    """Replace `$ref`s into _definitions.json by their target (recursive ones stay refs), so the
    validator never resolves a reference at run time."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and "#/$defs/" in ref:
            name = ref.rsplit("/", 1)[1]
            return node if name in seen else _inline(_definitions()[name], (*seen, name))
        return {k: _inline(v, seen) for k, v in node.items()}
    if isinstance(node, list):
        return [_inline(v, seen) for v in node]
    return node


@cache
def validator(api_version: str, kind: str) -> Any | None:
    """A cached strict validator for the kind, or None when no schema knows it.

    Schemas are kubernetes-validate's strict ones (or ours for CRDs); the engine is jsonschema-rs,
    which validates national-scale renders in seconds where pure Python needs minutes.
    """
    import jsonschema_rs

    if (api_version, kind) in BY_KIND:
        return jsonschema_rs.Draft202012Validator(BY_KIND[(api_version, kind)])
    from kubernetes_validate.utils import schema_contents

    group = re.sub(r"^([^./]*)(?:\.[^/]*)?/", r"\1-", api_version)
    try:
        schema = schema_contents(f"kubernetes-json-schema/{_schema_dir()}/{kind.lower()}-{group}.json", K8S_VERSION)
    except FileNotFoundError:
        return None
    return jsonschema_rs.Draft202012Validator(_inline(schema))


def schema_findings(o: Mapping[str, Any], source: str) -> list[Finding]:
    """Schema errors of one object (at most the first 3: one usually explains the rest)."""
    v = validator(str(o.get("apiVersion")), str(o.get("kind")))
    if v is None:
        return [Finding(source, object_ref(o), "schema", f"no schema for {o.get('apiVersion')} {o.get('kind')}")]
    if v.is_valid(o):
        return []
    errors = sorted(v.iter_errors(o), key=lambda e: list(map(str, e.instance_path)))[:3]
    return [Finding(source, object_ref(o), "schema", f"{'.'.join(map(str, e.instance_path)) or '(root)'}: {e.message}")
            for e in errors]


def check_objects(objs: Iterable[tuple[str, Mapping[str, Any]]], ctx: PolicyContext) -> tuple[int, list[Finding]]:
    """(objects checked, findings) over (source, object) pairs: schema, then every policy."""
    pairs = list(objs)
    findings: list[Finding] = []
    for source, o in pairs:
        findings += schema_findings(o, source)
        findings += [Finding(source, object_ref(o), name, msg) for name, msg in check_object(o, ctx)]
    sources = {(o.get("metadata") or {}).get("name"): src for src, o in pairs if o.get("kind") == "Namespace"}
    everything = [o for _, o in pairs]
    for policy in STACK_POLICIES:
        findings += [Finding(sources.get(ns, "?"), f"Namespace/{ns}", policy.name, msg)
                     for ns, msg in policy.check(everything, ctx)]
    return len(pairs), findings
