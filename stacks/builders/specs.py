"""Typed specs the pure builders turn into Kubernetes objects.

They are the boundary between the estate (inventory + plan) and the cloud: the stack
program and `dcc render` both build from these, so both produce the same objects.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from stacks.builders.meta import short_name

ARCHETYPES = ("web-db", "files", "api")


@dataclass(frozen=True)
class AppSpec:
    """One replatformed app: sized from its legacy hosts, reachable at its service name."""

    id: str
    agency: str
    name: str
    archetype: str
    service: str
    port: int
    version: str
    cpu: float
    memory_gb: float
    data_gb: float
    data_class: str = "internal"
    depends_on: tuple[str, ...] = ()

    @property
    def object_name(self) -> str:
        """The app's Kubernetes object name: its id, or, when too long for a StatefulSet's pods
        (52), a prefix plus a hash of the id, so it stays unique and stable."""
        return short_name(self.id, 52)


@dataclass(frozen=True)
class TenantSpec:
    """One agency: its namespace, groups, apps and the agencies its apps call."""

    agency: str
    name: str
    apps: tuple[AppSpec, ...] = ()
    calls_agencies: tuple[str, ...] = ()
    called_by_agencies: tuple[str, ...] = ()

    @property
    def namespace(self) -> str:
        """A tenant's namespace is named after its agency id (a DNS label, checked at the edge)."""
        return self.agency


@dataclass(frozen=True)
class BackupTarget:
    """Object storage for backups; must sit in another failure domain than the cluster."""

    name: str
    bucket: str
    s3_url: str
    region: str
    failure_domain: str


@dataclass(frozen=True)
class ChartSpec:
    """One pinned Helm chart of the platform."""

    key: str
    release: str
    chart: str
    version: str
    repo: str
    namespace: str
    values: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class PlatformRefs:
    """What tenants need from the platform. Values may be plain strings (render) or
    Pulumi Outputs from a StackReference (sharded stacks): builders only place them."""

    portal_namespace: Any = "dcc-portal"
    gateway_namespace: Any = "dcc-exchange"
    backup_namespace: Any = "velero"
    backup_location: Any = "drc-secondary"
    portal_host: str = "portal.go.id"
    registry: str = "registry.pdn.go.id"
    pss_version: str = "v1.30"
    ingress_class: str = "portal"
    await_ingress: bool = True  # False where nothing fills an Ingress's load-balancer status


@dataclass(frozen=True)
class IdentityDatabase:
    """The PostgreSQL database Keycloak keeps its realms in (its password is a stack secret)."""

    host: str
    port: int = 5432
    database: str = "keycloak"
    username: str = "keycloak"


EXPOSURES = ("LoadBalancer", "NodePort", "HostPort")


@dataclass(frozen=True)
class PlatformSpec:
    """The shared services every tenant relies on."""

    refs: PlatformRefs
    backup: BackupTarget
    charts: tuple[ChartSpec, ...]
    storage_endpoint: str
    storage_allow_list: tuple[str, ...] = ()
    identity_db: IdentityDatabase = IdentityDatabase("keycloak-db.pdn.go.id")
    exposure: str = "LoadBalancer"  # how the portal is reached: a cloud LB, node ports, or host ports
    identity_namespace: str = "dcc-identity"
    storage_namespace: str = "dcc-storage"
    monitoring_namespace: str = "dcc-monitoring"

    def namespaces(self) -> tuple[str, ...]:
        """Every platform namespace, tenants excluded."""
        r = self.refs
        names = (r.portal_namespace, r.gateway_namespace, r.backup_namespace, self.identity_namespace,
                 self.storage_namespace, self.monitoring_namespace)
        return tuple(dict.fromkeys(str(n) for n in names))


@dataclass(frozen=True)
class EstateSpecs:
    """Everything one estate needs in the cloud: the platform and a tenant per agency."""

    estate: str
    platform: PlatformSpec
    tenants: tuple[TenantSpec, ...]
    inventory_app_ids: frozenset[str] = frozenset()
