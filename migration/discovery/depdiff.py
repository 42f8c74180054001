"""Declared versus observed dependencies, and the merged graph the planner uses.

`merged_dependencies` keeps every declared dependency (origin "declared") and adds each
app-to-app dependency seen on the wire but never declared (origin "observed").
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from migration.discovery.facts import HostFacts, load_all
from migration.discovery.mapping import Observation, observe
from migration.errors import InputError
from migration.inventory.model import Dependency, Estate

Pair = tuple[str, str]


@dataclass(frozen=True)
class DependencyDiff:
    confirmed: tuple[Dependency, ...]  # declared and seen
    undeclared: tuple[Dependency, ...]  # seen between two apps, never declared
    unseen: tuple[Dependency, ...]  # declared, never seen although an end was discovered
    unverifiable: tuple[Dependency, ...]  # declared, neither end's hosts were discovered
    intra_app: tuple[Pair, ...]  # (app, kind): an app talking to its own database or host
    other: tuple[Observation, ...]  # connections with an end that is not an inventory app


def facts_dir_of(estate: Estate) -> Path:
    """Where discovery stores facts: `<estate dir>/facts/`."""
    if estate.source_dir is None:
        raise ValueError("estate was not loaded from a folder")
    return estate.source_dir / "facts"


def diff(estate: Estate, facts: dict[str, HostFacts]) -> DependencyDiff:
    """Compare the estate's declared dependencies with the connections in `facts`."""
    observations = observe(estate, facts)
    seen = _observed_pairs(observations)
    declared = {(d.from_app, d.to_app): d for d in estate.dependencies}
    verifiable = {d for d in declared if _discovered(estate, facts, d)}
    return DependencyDiff(
        confirmed=tuple(declared[p] for p in declared if p in seen),
        undeclared=tuple(seen[p] for p in sorted(seen) if p not in declared),
        unseen=tuple(declared[p] for p in declared if p not in seen and p in verifiable),
        unverifiable=tuple(declared[p] for p in declared if p not in verifiable),
        intra_app=tuple(sorted({(o.from_app, o.kind) for o in observations
                                if o.from_app and o.from_app == o.to_app})),
        other=tuple(_dedupe(o for o in observations if not (o.from_app and o.to_app))),
    )


def merged_dependencies(estate: Estate, facts_dir: Path | None = None) -> list[Dependency]:
    """Declared dependencies plus observed undeclared ones, each tagged by `origin`.

    `facts_dir` defaults to `<estate>/facts` (missing: declared only); a given folder must exist.
    """
    if facts_dir is not None and not facts_dir.is_dir():
        raise InputError("facts folder not found; run `dcc discover` first", where=str(facts_dir))
    facts = load_all(facts_dir if facts_dir is not None else facts_dir_of(estate))
    result = diff(estate, facts)
    return list(estate.dependencies) + list(result.undeclared)


def _observed_pairs(observations: Iterable[Observation]) -> dict[Pair, Dependency]:
    pairs: dict[Pair, Dependency] = {}
    for o in observations:
        if o.is_app_edge and o.from_app and o.to_app:
            pairs.setdefault((o.from_app, o.to_app), Dependency(o.from_app, o.to_app, o.kind, origin="observed"))
    return pairs


def _discovered(estate: Estate, facts: dict[str, HostFacts], pair: Pair) -> bool:
    hosts = [h for app in pair if app in estate.apps for h in estate.apps[app].hosts]
    return any(h in facts for h in hosts)


def _dedupe(observations: Iterable[Observation]) -> list[Observation]:
    unique: dict[tuple[str | None, ...], Observation] = {}
    for o in observations:
        unique.setdefault((o.from_host, o.from_app, o.to_host, o.to_app, str(o.to_port)), o)
    return list(unique.values())
