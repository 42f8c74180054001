"""The KPI definitions, versioned, in one table with their history.

A KPI's figure is only comparable with an earlier one measured under the same definition;
every figure carries its `definition_version`, and a change here must add a history row.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Definition:
    """One version of one KPI's definition."""

    kpi: str
    version: int
    since: str  # ISO date the version took effect
    label: str
    unit: str  # "count" | "ratio" | "idr"
    text: str
    change: str  # why this version differs from the previous one


HISTORY: tuple[Definition, ...] = (
    Definition(
        "datacenters_closed", 1, "2026-11-22", "Data centers closed", "count",
        "A legacy data center counts as closed when every legacy host it holds has a latest journaled "
        "`decommission` step of ok or changed. Plan: the data centers named in the waves' "
        "closes_datacenters.",
        "first definition",
    ),
    Definition(
        "apps_migrated", 1, "2026-11-22", "Apps migrated", "count",
        "An app with strategy rehost or replatform counts as migrated when its newest journaled "
        "`cutover` step (on any host) is ok or changed and no rollback of it came later. "
        "Plan: the apps the plan moves (rehost, replatform).",
        "first definition",
    ),
    Definition(
        "apps_retired", 1, "2026-11-22", "Apps retired", "count",
        "An app with strategy retire (a duplicate) counts as retired when every host of it has a newest "
        "journaled `decommission` step of ok or changed. Plan: the apps the plan retires.",
        "first definition",
    ),
    Definition(
        "apps_replaced", 1, "2026-11-22", "Apps replaced by shared services", "count",
        "An app with strategy replace counts as replaced when every host of it has a newest journaled "
        "`decommission` step of ok or changed (its route then points at the shared service). "
        "Plan: the apps the plan replaces.",
        "first definition",
    ),
    Definition(
        "servers_retired", 1, "2026-11-22", "Servers retired", "count",
        "Legacy hosts whose latest journaled `decommission` step is ok or changed. Plan: the legacy "
        "hosts of apps the plan migrates, retires or replaces.",
        "first definition",
    ),
    Definition(
        "shared_cloud_share", 1, "2026-11-22", "Apps on the shared cloud", "ratio",
        "(apps migrated + apps replaced) / all apps in the inventory. Retired apps are gone, not on the "
        "cloud, and retained apps stay where they are. Plan: the same ratio once the plan is done.",
        "first definition",
    ),
    Definition(
        "annual_savings_idr", 1, "2026-11-22", "Estimated annual savings", "idr",
        "Cost model (config/cost-model.yaml): annual cost of the closed data centers (inventory "
        "annual_cost_idr, else the tier default) + per-server cost of servers retired in data centers "
        "still open - shared-cloud cost of apps migrated - shared-service cost of apps replaced. "
        "Plan: the same once the plan is done.",
        "first definition",
    ),
    Definition(
        "backups_restorable", 1, "2026-11-22", "Backups proven restorable", "ratio",
        "Per tenant (agency): of the apps the plan moves, the share with at least one backup whose "
        "restore was verified (BackupRecord.restore_verified_at set). Shown per tenant and overall; "
        "with no plan, of the apps that have any backup.",
        "first definition",
    ),
)


def current(history: tuple[Definition, ...] = HISTORY) -> dict[str, Definition]:
    """The newest definition of each KPI, keyed by KPI id, in table order."""
    newest: dict[str, Definition] = {}
    for d in history:
        if d.kpi not in newest or d.version > newest[d.kpi].version:
            newest[d.kpi] = d
    return newest
