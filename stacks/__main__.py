"""The stack program (`main: stacks/` in Pulumi.yaml): platform, tenants and migrated apps.

`dcc:role` picks what this stack holds: `all` (the lab), `platform` (national shared services),
or `tenants` (one national shard, joined to the platform stack by a StackReference).
"""

from __future__ import annotations

import os
import sys

# Pulumi runs this folder as a script, putting it first on sys.path, where our platform.py
# would shadow the standard library's `platform`. Import from the project root instead.
_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != _HERE]
if os.path.dirname(_HERE) not in sys.path:
    sys.path.insert(0, os.path.dirname(_HERE))

from dataclasses import replace
from pathlib import Path

import pulumi

from stacks import config
from stacks.app import MigratedApp, MigratedAppArgs
from stacks.builders.specs import EstateSpecs, PlatformRefs
from stacks.platform import PlatformArgs, PlatformServices, secret_values
from stacks.settings import StackSettings
from stacks.tenant import Tenant, TenantArgs

ROOT = Path(_HERE).parent


def platform_refs(settings: StackSettings) -> PlatformRefs:
    """Tenant shards take the platform's names from its stack outputs, not from their own config."""
    refs = settings.platform.refs
    if settings.role != "tenants":
        return refs
    ref = pulumi.StackReference(str(settings.platform_stack))  # required for role tenants (settings)
    return replace(refs, portal_namespace=ref.require_output("portalNamespace"),
                   gateway_namespace=ref.require_output("gatewayNamespace"),
                   backup_namespace=ref.require_output("backupNamespace"),
                   backup_location=ref.require_output("backupLocation"))


def build_platform(settings: StackSettings) -> PlatformServices:
    secrets = secret_values(config.secret_seed(), config.required_secret)
    platform = PlatformServices("platform", PlatformArgs(settings.platform, secrets))
    for key, value in platform.outputs.items():
        pulumi.export(key, value)
    return platform


def load_specs(settings: StackSettings) -> EstateSpecs:
    """Estate + plan -> specs; an inventory or plan mistake stops the program with one line."""
    from migration.errors import DccError
    from migration.inventory import load_estate
    from stacks.estate import read_strategies, specs_from_estate

    try:
        estate = load_estate(ROOT / settings.inventory)
        # Bound to the estate: a plan made for another estate or an older inventory stops `pulumi up`.
        strategies = read_strategies(ROOT / settings.plan, estate, accept_mismatch=settings.accept_plan_mismatch,
                                     on_accept=pulumi.log.warn, option="dcc:acceptPlanMismatch true")
        return specs_from_estate(estate, strategies, settings)
    except DccError as exc:
        raise pulumi.RunError(exc.line()) from None


def build_tenants(settings: StackSettings, specs: EstateSpecs, refs: PlatformRefs,
                  platform: PlatformServices | None) -> None:
    """A Tenant per selected agency and a MigratedApp per replatformed app. In a stack that also
    holds the platform, tenants wait for it: their backup Schedules need Velero's CRDs."""
    selected = set(settings.shard.selects([t.agency for t in specs.tenants]))
    seed = config.secret_seed()
    tenants, apps = [], 0
    for spec in specs.tenants:
        if spec.agency not in selected:
            continue
        tenant = Tenant(spec.agency, TenantArgs(spec, refs),
                        pulumi.ResourceOptions(depends_on=[platform]) if platform else None)
        for app in spec.apps:
            MigratedApp(app.id, MigratedAppArgs(app, refs, seed, tenant.namespace_resource, (tenant.params_resource,)),
                        pulumi.ResourceOptions(parent=tenant))
        tenants.append(spec.agency)
        apps += len(spec.apps)
    pulumi.export("tenants", tenants)
    pulumi.export("migratedApps", apps)


def main() -> None:
    settings = config.load()
    # Estate and plan first: a refused plan (or inventory) stops the program before it registers
    # anything, so `pulumi up` leaves the stack as it was, platform included.
    specs = load_specs(settings) if settings.role in ("all", "tenants") else None
    platform = build_platform(settings) if settings.role in ("all", "platform") else None
    if specs is not None:
        build_tenants(settings, specs, platform_refs(settings), platform)


main()
