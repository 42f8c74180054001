"""CrossGuard wrappers: each plain policy function becomes a mandatory Pulumi policy.

Config (`pulumi preview --policy-pack-config`, written by `dcc render` as policy-config.json)
gives the inventory's app ids, the storage allow-list and the platform namespaces.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    ResourceValidationPolicy,
    StackValidationPolicy,
)

try:  # inside the project (tests, dcc validate)
    from stacks.policy import policies as P
except ImportError:  # run by Pulumi from this folder
    import policies as P  # type: ignore[no-redef,import-not-found]

DEFAULT_PLATFORM_NAMESPACES = ["dcc-portal", "dcc-exchange", "velero", "dcc-identity", "dcc-storage", "dcc-monitoring"]
NEEDS = {  # policy -> config keys it reads
    "dcc-no-new-apps": ("allowedAppIds",),
    "dcc-data-residency": ("storageAllowList",),
    "dcc-ingress-hosts": ("ingressClass", "tenantHosts"),
    "dcc-registry": ("registry",),
}
SCHEMA: dict[str, Any] = {
    "allowedAppIds": {"type": "array", "items": {"type": "string"}},
    "storageAllowList": {"type": "array", "items": {"type": "string"}, "default": ["pdn.go.id"]},
    "platformNamespaces": {"type": "array", "items": {"type": "string"}, "default": DEFAULT_PLATFORM_NAMESPACES},
    "registry": {"type": "string"},
    "ingressClass": {"type": "string"},
    "tenantHosts": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}},
}


def context(config: dict[str, Any] | None) -> P.PolicyContext:
    """The policy context from one policy's config (missing keys: the safe defaults)."""
    c = config or {}
    defaults = P.PolicyContext(frozenset(), ())
    return P.PolicyContext(allowed_app_ids=frozenset(c.get("allowedAppIds") or ()),
                           storage_allow_list=tuple(c.get("storageAllowList") or SCHEMA["storageAllowList"]["default"]),
                           platform_namespaces=frozenset(c.get("platformNamespaces") or DEFAULT_PLATFORM_NAMESPACES),
                           registry=c.get("registry") or defaults.registry,
                           ingress_class=c.get("ingressClass") or defaults.ingress_class,
                           tenant_hosts={ns: frozenset(h) for ns, h in (c.get("tenantHosts") or {}).items()})


def _schema(name: str) -> PolicyConfigSchema:
    keys = (*NEEDS.get(name, ()), "platformNamespaces")
    return PolicyConfigSchema(properties={k: SCHEMA[k] for k in keys}, required=list(NEEDS.get(name, ())))


def _resource_validator(policy: P.Policy) -> Callable[[Any, Callable[..., None]], None]:
    def validate(args: Any, report_violation: Callable[..., None]) -> None:
        if not str(args.resource_type).startswith("kubernetes:"):
            return
        for message in policy.check(args.props, context(args.get_config())):
            report_violation(message, None)
    return validate


def _stack_validator(policy: P.StackPolicy) -> Callable[[Any, Callable[..., None]], None]:
    def validate(args: Any, report_violation: Callable[..., None]) -> None:
        objs = [r.props for r in args.resources if str(r.resource_type).startswith("kubernetes:") and "kind" in r.props]
        for namespace, message in policy.check(objs, context(args.get_config())):
            report_violation(f"namespace {namespace}: {message}", None)
    return validate


def build_policies() -> list[Any]:
    """Every guardrail, mandatory: a violation blocks `pulumi up`."""
    mandatory = EnforcementLevel.MANDATORY
    out: list[Any] = [ResourceValidationPolicy(name=p.name, description=p.description, validate=_resource_validator(p),
                                               enforcement_level=mandatory, config_schema=_schema(p.name))
                      for p in P.RESOURCE_POLICIES]
    out += [StackValidationPolicy(name=p.name, description=p.description, validate=_stack_validator(p),
                                  enforcement_level=mandatory, config_schema=_schema(p.name))
            for p in P.STACK_POLICIES]
    return out
