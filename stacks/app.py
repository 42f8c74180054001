"""MigratedApp: the Kubernetes workload of one replatformed app, as a ComponentResource.

Secret values are derived per app from the stack's secret seed and stay Pulumi secrets
(encrypted in state); the manifest shape comes from `stacks.builders.app`.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pulumi

from stacks.builders.app import app_objects, secret_keys
from stacks.builders.specs import AppSpec, PlatformRefs
from stacks.resources import k8s_resource


@dataclass(frozen=True)
class MigratedAppArgs:
    spec: AppSpec
    refs: PlatformRefs
    secret_seed: pulumi.Input[str]
    namespace: pulumi.Resource | None = None
    waits_for: tuple[pulumi.Resource, ...] = ()  # e.g. the tenant's admission parameters


def derive_secret(seed: str, app_id: str, key: str) -> str:
    """A stable per-app, per-key value: rotating the seed rotates every app's secrets."""
    return hmac.new(seed.encode(), f"{app_id}/{key}".encode(), hashlib.sha256).hexdigest()


def deriver(scope: str, key: str) -> Callable[[str], str]:
    """`derive_secret` for one scope and key, as an `apply` callback."""
    return lambda seed: derive_secret(seed, scope, key)


class MigratedApp(pulumi.ComponentResource):
    """Workload, Service, volume, portal Ingress and Secret of one app."""

    def __init__(self, name: str, args: MigratedAppArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("dcc:stacks:MigratedApp", name, None, opts)
        seed: pulumi.Output[str] = pulumi.Output.from_input(args.secret_seed)
        values: dict[str, Any] = {k: pulumi.Output.secret(seed.apply(deriver(args.spec.id, k)))
                                  for k in secret_keys(args.spec)}
        waits = [*([args.namespace] if args.namespace else []), *args.waits_for]
        child = pulumi.ResourceOptions(parent=self, depends_on=waits or None)
        self.children = [k8s_resource(o, child) for o in app_objects(args.spec, args.refs, values)]
        self.url = f"https://{args.spec.service}/"
        self.register_outputs({"url": self.url, "appId": args.spec.id, "objects": len(self.children)})
