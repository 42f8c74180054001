"""PlatformServices: the shared services every tenant relies on, as a ComponentResource.

Portal ingress, identity (Keycloak OIDC), data-exchange gateway, S3 storage with object lock,
Velero backups and monitoring: pinned Helm releases plus the backup storage location.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from stacks.app import deriver
from stacks.builders.platform import RELEASE_API, SECRETS, platform_objects
from stacks.builders.specs import PlatformSpec
from stacks.resources import k8s_resource, logical_name


@dataclass(frozen=True)
class PlatformArgs:
    spec: PlatformSpec
    # (Secret name, key) -> value, every one a Pulumi secret (see `secret_values`)
    secrets: Mapping[tuple[str, str], pulumi.Input[str]] = field(default_factory=dict)


def secret_values(seed: pulumi.Input[str], config_secret: Callable[[str], pulumi.Output[str]]) -> dict[tuple[str, str], Any]:
    """Generated admin passwords (derived from the seed) and credentials from stack secrets."""
    seed_out: pulumi.Output[str] = pulumi.Output.from_input(seed)
    out: dict[tuple[str, str], Any] = {}
    for name, _, key, source in SECRETS:
        if source == "generated":
            out[(name, key)] = pulumi.Output.secret(seed_out.apply(deriver(f"_platform/{name}", key)))
        elif source.startswith("config:"):
            parts = [config_secret(k) for k in source.removeprefix("config:").split(",")]
            out[(name, key)] = parts[0] if len(parts) == 1 else pulumi.Output.secret(
                pulumi.Output.all(*parts).apply(_aws_credentials))
    return out


def _aws_credentials(v: list[Any]) -> str:
    """Velero's `cloud` credentials file (the AWS plugin's shared-credentials format)."""
    return f"[default]\naws_access_key_id={v[0]}\naws_secret_access_key={v[1]}\n"


def _release(o: dict[str, Any], opts: pulumi.ResourceOptions) -> k8s.helm.v3.Release:
    spec, meta = o["spec"], o["metadata"]
    return k8s.helm.v3.Release(logical_name(o), name=meta["name"], namespace=meta["namespace"], chart=spec["chart"],
                               version=spec["version"], repository_opts={"repo": spec["repo"]},
                               values=spec["values"], atomic=True, opts=opts)


class PlatformServices(pulumi.ComponentResource):
    """Namespaces, then Helm releases, then the backup location (its CRD comes with Velero)."""

    def __init__(self, name: str, args: PlatformArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("dcc:stacks:PlatformServices", name, None, opts)
        objs = platform_objects(args.spec, args.secrets or None)
        namespaces = [k8s_resource(o, pulumi.ResourceOptions(parent=self)) for o in objs if o["kind"] == "Namespace"]
        after_ns = pulumi.ResourceOptions(parent=self, depends_on=namespaces)
        secrets = [k8s_resource(o, after_ns) for o in objs if o["kind"] == "Secret"]
        after_secrets = pulumi.ResourceOptions(parent=self, depends_on=[*namespaces, *secrets])
        self.releases = [_release(o, after_secrets) for o in objs if o["apiVersion"] == RELEASE_API]
        after_releases = pulumi.ResourceOptions(parent=self, depends_on=self.releases)
        self.others = [k8s_resource(o, after_releases) for o in objs
                       if o["kind"] not in ("Namespace", "Secret") and o["apiVersion"] != RELEASE_API]
        refs = args.spec.refs
        self.outputs = {
            "portalNamespace": refs.portal_namespace, "gatewayNamespace": refs.gateway_namespace,
            "backupNamespace": refs.backup_namespace, "backupLocation": refs.backup_location,
            "storageEndpoint": args.spec.storage_endpoint,
        }
        self.register_outputs(self.outputs)
