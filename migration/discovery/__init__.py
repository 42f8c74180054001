"""Agentless discovery: read-only facts over one SSH connection per host, and observed dependencies.

`discover_all` collects, `store` writes `<estate>/facts/<host>.json`, `diff` compares declared with
observed dependencies, and `merged_dependencies(estate, facts_dir)` is the graph the planner uses.
"""

from __future__ import annotations

from migration.discovery.collect import HostOutcome, Settings, discover_all, store
from migration.discovery.depdiff import DependencyDiff, diff, facts_dir_of, merged_dependencies
from migration.discovery.facts import SCHEMA, HostFacts, load_all, read_facts, write_facts
from migration.discovery.listeners import ListenerFinding, listener_findings
from migration.discovery.targets import select_targets

__all__ = [
    "SCHEMA", "DependencyDiff", "HostFacts", "HostOutcome", "ListenerFinding", "Settings", "diff",
    "discover_all", "facts_dir_of", "listener_findings", "load_all", "merged_dependencies", "read_facts",
    "select_targets", "store", "write_facts",
]
