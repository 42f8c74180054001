"""Parse and check a stack's `dcc:*` settings once: plain values in, typed settings out.

Pure (no Pulumi): `stacks/config.py` feeds it `pulumi.Config`, `dcc render` a `Pulumi.<stack>.yaml`.
A bad or missing key raises `ConfigProblem` naming the key.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from stacks.builders.specs import (
    EXPOSURES,
    BackupTarget,
    ChartSpec,
    IdentityDatabase,
    PlatformRefs,
    PlatformSpec,
)
from stacks.policy.policies import host_allowed

ROLES = ("all", "platform", "tenants")
CHART_KEYS = {  # key -> (release name, namespace field of PlatformSpec/PlatformRefs)
    "ingress": ("portal-ingress", "portal_namespace"),
    "identity": ("keycloak", "identity_namespace"),
    "gateway": ("data-exchange", "gateway_namespace"),
    "storage": ("minio", "storage_namespace"),
    "backup": ("velero", "backup_namespace"),
    "monitoring": ("kube-prometheus-stack", "monitoring_namespace"),
}
STRING_KEYS = ("inventory", "plan", "role", "platformStack", "portalHost", "registry", "pssVersion",
               "failureDomain", "storageEndpoint", "appVersion", "portalExposure", "acceptPlanMismatch")
OBJECT_KEYS = ("shard", "storageAllowList", "backupTarget", "charts", "chartValues", "identityDatabase")
_VERSION = re.compile(r"^v?\d+\.\d+\.\d+([-+][0-9A-Za-z.-]+)?$")


class ConfigProblem(Exception):
    """A stack setting is missing or wrong; `key` is the full config key, e.g. `dcc:shard`."""

    def __init__(self, key: str, message: str) -> None:
        self.key, self.message = f"dcc:{key}", message
        super().__init__(f"{self.key}: {message}")


@dataclass(frozen=True)
class Shard:
    """Which agencies a tenant stack holds: all, a named list, or partition `index` of `count`."""

    agencies: tuple[str, ...] = ()
    index: int = 0
    count: int = 1

    def selects(self, agency_ids: list[str]) -> list[str]:
        """The selected ids in input order; partitions deal sorted ids round-robin (stable, even)."""
        if self.agencies:
            return [a for a in agency_ids if a in self.agencies]
        mine = set(sorted(agency_ids)[self.index::self.count])
        return [a for a in agency_ids if a in mine]


@dataclass(frozen=True)
class StackSettings:
    inventory: str
    plan: str
    role: str
    shard: Shard
    platform_stack: str | None
    platform: PlatformSpec
    storage_allow_list: tuple[str, ...]
    failure_domain: str
    app_version: str
    accept_plan_mismatch: bool = False  # dcc:acceptPlanMismatch: use a plan made for another inventory, on purpose


def _need(values: Mapping[str, Any], key: str, kind: type, check: Callable[[Any], bool] = bool, what: str = "") -> Any:
    value = values.get(key)
    if value is None:
        raise ConfigProblem(key, "is required but not set")
    if not isinstance(value, kind) or not check(value):
        raise ConfigProblem(key, f"must be {what or kind.__name__}, got {value!r}")
    return value


def _shard(raw: Any) -> Shard:
    if raw is None or raw == "all":
        return Shard()
    if isinstance(raw, list) and raw and all(isinstance(a, str) for a in raw):
        return Shard(agencies=tuple(raw))
    if isinstance(raw, Mapping) and set(raw) == {"index", "count"}:
        i, n = raw["index"], raw["count"]
        if isinstance(i, int) and isinstance(n, int) and 0 <= i < n:
            return Shard(index=i, count=n)
    raise ConfigProblem("shard", f"must be 'all', a list of agency ids or {{index, count}} with 0 <= index < count, got {raw!r}")


def _backup(raw: Any, allow: tuple[str, ...], failure_domain: str) -> BackupTarget:
    fields = ("name", "bucket", "s3Url", "region", "failureDomain")
    if not isinstance(raw, Mapping) or any(not isinstance(raw.get(f), str) or not raw.get(f) for f in fields):
        raise ConfigProblem("backupTarget", f"must be a mapping with string fields {', '.join(fields)}")
    if not host_allowed(raw["s3Url"], allow):
        raise ConfigProblem("backupTarget", f"s3Url {raw['s3Url']!r} is not on dcc:storageAllowList (data residency)")
    if raw["failureDomain"] == failure_domain:
        raise ConfigProblem("backupTarget", f"failureDomain must differ from the cluster's ({failure_domain!r})")
    return BackupTarget(raw["name"], raw["bucket"], raw["s3Url"], raw["region"], raw["failureDomain"])


def _charts(raw: Any, values: Any, refs: PlatformRefs, names: Mapping[str, str]) -> tuple[ChartSpec, ...]:
    if not isinstance(raw, Mapping):
        raise ConfigProblem("charts", f"must map each of {', '.join(CHART_KEYS)} to {{chart, version, repo}}")
    extra = values if isinstance(values, Mapping) else {}
    out = []
    for key, (release, ns_field) in CHART_KEYS.items():
        c = raw.get(key)
        if not isinstance(c, Mapping) or not all(isinstance(c.get(f), str) for f in ("chart", "version", "repo")):
            raise ConfigProblem(f"charts.{key}", "must be a mapping with string chart, version and repo")
        if not _VERSION.match(c["version"]):
            raise ConfigProblem(f"charts.{key}.version", f"must pin an exact version like 1.2.3, got {c['version']!r}")
        ns = getattr(refs, ns_field, None) or names[ns_field]
        out.append(ChartSpec(key, release, c["chart"], c["version"], c["repo"], ns, dict(extra.get(key) or {})))
    return tuple(out)


def _identity_db(raw: Any) -> IdentityDatabase:
    if not isinstance(raw, Mapping) or not isinstance(raw.get("host"), str) or not raw["host"]:
        raise ConfigProblem("identityDatabase", "must be a mapping with a string host (and port, database, username)")
    port = raw.get("port", 5432)
    if not isinstance(port, int) or not 0 < port < 65536:
        raise ConfigProblem("identityDatabase.port", f"must be a TCP port, got {port!r}")
    return IdentityDatabase(raw["host"], port, str(raw.get("database", "keycloak")), str(raw.get("username", "keycloak")))


def parse_settings(values: Mapping[str, Any]) -> StackSettings:
    """Typed settings from raw `dcc:*` values (keys without the `dcc:` prefix)."""
    role = values.get("role", "all")
    if role not in ROLES:
        raise ConfigProblem("role", f"must be one of {', '.join(ROLES)}, got {role!r}")
    allow = tuple(_need(values, "storageAllowList", list, lambda v: all(isinstance(x, str) and x for x in v) and v,
                        "a non-empty list of host names"))
    domain = _need(values, "failureDomain", str)
    storage = _need(values, "storageEndpoint", str, lambda v: v.startswith("https://"), "an https:// URL")
    if not host_allowed(storage, allow):
        raise ConfigProblem("storageEndpoint", f"{storage!r} is not on dcc:storageAllowList (data residency)")
    backup = _backup(values.get("backupTarget"), allow, domain)
    exposure = values.get("portalExposure", "LoadBalancer")
    if exposure not in EXPOSURES:
        raise ConfigProblem("portalExposure", f"must be one of {', '.join(EXPOSURES)}, got {exposure!r}")
    refs = PlatformRefs(portal_host=values.get("portalHost", "portal.go.id"),
                        registry=values.get("registry", "registry.pdn.go.id"),
                        pss_version=values.get("pssVersion", "v1.30"), backup_location=backup.name,
                        await_ingress=exposure == "LoadBalancer")
    if not re.fullmatch(r"v1\.\d+", refs.pss_version):
        raise ConfigProblem("pssVersion", f"must pin a version like v1.30, got {refs.pss_version!r}")
    names = {"identity_namespace": "dcc-identity", "storage_namespace": "dcc-storage", "monitoring_namespace": "dcc-monitoring"}
    charts = _charts(values.get("charts"), values.get("chartValues"), refs, names)
    platform_stack = values.get("platformStack")
    if role == "tenants" and not platform_stack:
        raise ConfigProblem("platformStack", "is required when dcc:role is 'tenants' (org/project/stack of the platform)")
    version = values.get("appVersion", "1.0.0")
    if not _VERSION.match(str(version)):
        raise ConfigProblem("appVersion", f"must be an exact version like 1.2.3, got {version!r}")
    accept = values.get("acceptPlanMismatch") or "false"
    if accept not in ("true", "false"):
        raise ConfigProblem("acceptPlanMismatch", f"must be true or false, got {accept!r}")
    return StackSettings(
        accept_plan_mismatch=accept == "true",
        inventory=_need(values, "inventory", str), plan=_need(values, "plan", str), role=role,
        shard=_shard(values.get("shard")), platform_stack=platform_stack,
        platform=PlatformSpec(refs=refs, backup=backup, charts=charts, storage_endpoint=storage,
                              storage_allow_list=allow, identity_db=_identity_db(values.get("identityDatabase")),
                              exposure=exposure),
        storage_allow_list=allow, failure_domain=domain, app_version=str(version))
