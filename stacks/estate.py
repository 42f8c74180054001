"""The estate-to-stacks adapter: inventory model + plan strategies -> typed tenant and app specs.

`stacks` depends on `migration.inventory` here, never the reverse: `dcc render` and the Pulumi
program both call `specs_from_estate`, so both build the same tenants and apps.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Mapping
from pathlib import Path

from migration.errors import InputError
from migration.inventory import Application, Estate
from stacks.builders.meta import app_label
from stacks.builders.specs import AppSpec, EstateSpecs, TenantSpec
from stacks.policy.policies import PolicyContext
from stacks.settings import StackSettings

STRATEGIES = ("rehost", "replatform", "retire", "replace", "retain")
_DNS_LABEL = re.compile(r"^[a-z]([-a-z0-9]{0,50}[a-z0-9])?$")


def read_strategies(path: str | Path, estate: Estate | None = None, *, accept_mismatch: bool = False,
                    on_accept: Callable[[str], None] | None = None, option: str | None = None) -> dict[str, str]:
    """App id -> strategy from a plan file, through the project's one plan reader: every key checked
    (errors name the file and key) and, given the estate, bound to it (a plan made for another
    estate or an older inventory is refused unless `accept_mismatch`)."""
    from migration.plan.reader import ACCEPT_OPTION, read_plan

    plan = read_plan(path, estate, accept_mismatch=accept_mismatch, on_accept=on_accept, option=option or ACCEPT_OPTION)
    return {app_id: app.strategy for app_id, app in plan.apps.items()}


def _dns_name(value: str, where: str) -> str:
    if not _DNS_LABEL.match(value):
        raise InputError(f"{value!r} cannot name a namespace (lowercase letters, digits, '-', <= 52)", where=where)
    return value


def _app_spec(app: Application, estate: Estate, version: str, depends_on: tuple[str, ...]) -> AppSpec:
    hosts = [estate.hosts[h] for h in app.all_hosts if h in estate.hosts]
    return AppSpec(
        id=app.id, agency=app.agency, name=app.name,
        archetype=app.archetype or "api", service=app.service or f"{app.id}.{estate.portal_host or 'portal.go.id'}",
        port=app.port or 8080, version=version,
        cpu=float(sum(h.cpu or 1 for h in hosts) or 1), memory_gb=float(sum(h.memory_gb or 2 for h in hosts) or 2),
        data_gb=float(app.data_gb), data_class=app.data_class, depends_on=depends_on)


def _calls(estate: Estate, cloud: set[str]) -> tuple[dict[str, list[str]], dict[str, set[str]], dict[str, set[str]]]:
    """(app -> replatformed apps it calls, agency -> agencies it calls, agency -> agencies calling it)."""
    deps: dict[str, list[str]] = defaultdict(list)
    calls: dict[str, set[str]] = defaultdict(set)
    for d in estate.dependencies:
        if d.from_app in cloud and d.to_app in cloud:
            deps[d.from_app].append(d.to_app)
            calls[estate.apps[d.from_app].agency].add(estate.apps[d.to_app].agency)
    called_by: dict[str, set[str]] = defaultdict(set)
    for caller, callees in calls.items():
        for callee in callees:
            called_by[callee].add(caller)
    return deps, calls, called_by


def specs_from_estate(estate: Estate, strategies: Mapping[str, str], settings: StackSettings) -> EstateSpecs:
    """A tenant per agency, with a MigratedApp for each app the plan replatforms.

    Network openings follow declared dependencies between replatformed apps; calls to apps
    left on VMs go through the data-exchange gateway, which every tenant may reach.
    """
    cloud = {a for a, s in strategies.items() if s == "replatform" and a in estate.apps}
    deps, calls, called_by = _calls(estate, cloud)
    apps_of: dict[str, list[AppSpec]] = defaultdict(list)
    for app in estate.apps.values():
        if app.id in cloud:
            apps_of[app.agency].append(_app_spec(app, estate, settings.app_version, tuple(deps[app.id])))
    tenants = tuple(
        TenantSpec(agency=_dns_name(a.id, f"agencies: {a.id}"), name=a.name, apps=tuple(apps_of[a.id]),
                   calls_agencies=tuple(sorted(calls[a.id])), called_by_agencies=tuple(sorted(called_by[a.id])))
        for a in estate.agencies.values())
    return EstateSpecs(estate=estate.name, platform=settings.platform, tenants=tenants,
                       inventory_app_ids=frozenset(estate.apps))


def policy_context(specs: EstateSpecs, settings: StackSettings) -> PolicyContext:
    """What the policy pack needs to judge this estate's objects."""
    refs = specs.platform.refs
    hosts = {t.namespace: frozenset(a.service for a in t.apps) for t in specs.tenants}
    return PolicyContext(allowed_app_ids=frozenset(app_label(a) for a in specs.inventory_app_ids),
                         storage_allow_list=settings.storage_allow_list,
                         platform_namespaces=frozenset(specs.platform.namespaces()),
                         registry=refs.registry, ingress_class=refs.ingress_class, tenant_hosts=hosts)
