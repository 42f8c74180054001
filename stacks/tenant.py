"""Tenant: one agency's namespace and guardrails as a Pulumi ComponentResource.

The objects come from `stacks.builders.tenant`; this class only registers them.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi

from stacks.builders.specs import PlatformRefs, TenantSpec
from stacks.builders.tenant import PARAMS_NAME, tenant_objects
from stacks.resources import k8s_resource


@dataclass(frozen=True)
class TenantArgs:
    spec: TenantSpec
    refs: PlatformRefs


class Tenant(pulumi.ComponentResource):
    """Namespace (PSS restricted), quota, limits, network policies, RBAC and backup schedule."""

    def __init__(self, name: str, args: TenantArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("dcc:stacks:Tenant", name, None, opts)
        ns_obj, *rest = tenant_objects(args.spec, args.refs)
        # Children do not inherit the component's depends_on; the namespace carries it, and every
        # other child waits for the namespace.
        waits_for = opts.depends_on if opts is not None else None
        self.namespace_resource = k8s_resource(ns_obj, pulumi.ResourceOptions(parent=self, depends_on=waits_for))
        after_ns = pulumi.ResourceOptions(parent=self, depends_on=[self.namespace_resource])
        self.children = [k8s_resource(o, after_ns) for o in rest]
        # Workloads wait for the admission policies' parameters: without them the policies deny.
        self.params_resource = next(c for c, o in zip(self.children, rest, strict=True)
                                    if o["kind"] == "ConfigMap" and o["metadata"]["name"] == PARAMS_NAME)
        self.namespace: pulumi.Output[str] = self.namespace_resource.metadata.apply(  # type: ignore[attr-defined]
            lambda m: m["name"])
        self.register_outputs({"namespace": self.namespace, "objects": 1 + len(self.children)})
