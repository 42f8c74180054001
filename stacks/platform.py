"""PlatformServices: the shared services every tenant relies on, as a ComponentResource.

Portal ingress, identity (Keycloak OIDC), data-exchange gateway, S3 storage with object lock,
Velero backups and monitoring: pinned Helm releases plus the backup storage location.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_kubernetes as k8s

from stacks.builders.platform import RELEASE_API, platform_objects
from stacks.builders.specs import PlatformSpec
from stacks.resources import k8s_resource, logical_name


@dataclass(frozen=True)
class PlatformArgs:
    spec: PlatformSpec


def _release(o: dict, opts: pulumi.ResourceOptions) -> k8s.helm.v3.Release:
    spec, meta = o["spec"], o["metadata"]
    return k8s.helm.v3.Release(logical_name(o), name=meta["name"], namespace=meta["namespace"], chart=spec["chart"],
                               version=spec["version"], repository_opts={"repo": spec["repo"]},
                               values=spec["values"], atomic=True, opts=opts)


class PlatformServices(pulumi.ComponentResource):
    """Namespaces, then Helm releases, then the backup location (its CRD comes with Velero)."""

    def __init__(self, name: str, args: PlatformArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("dcc:stacks:PlatformServices", name, None, opts)
        objs = platform_objects(args.spec)
        namespaces = [k8s_resource(o, pulumi.ResourceOptions(parent=self)) for o in objs if o["kind"] == "Namespace"]
        after_ns = pulumi.ResourceOptions(parent=self, depends_on=namespaces)
        self.releases = [_release(o, after_ns) for o in objs if o["apiVersion"] == RELEASE_API]
        after_releases = pulumi.ResourceOptions(parent=self, depends_on=self.releases)
        self.others = [k8s_resource(o, after_releases) for o in objs
                       if o["kind"] != "Namespace" and o["apiVersion"] != RELEASE_API]
        refs = args.spec.refs
        self.outputs = {
            "portalNamespace": refs.portal_namespace, "gatewayNamespace": refs.gateway_namespace,
            "backupNamespace": refs.backup_namespace, "backupLocation": refs.backup_location,
            "storageEndpoint": args.spec.storage_endpoint,
        }
        self.register_outputs(self.outputs)
