"""Assessment: decide per app rehost | replatform | retire | replace | retain, and why.

Pure and table-driven (`rules.RULES`, first match wins); `rationalize` groups the
estate's duplicated functions and names the national service that replaces them.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from migration.assess.rules import RULES, Facts, Rule
from migration.assess.services import SharedService, service_for
from migration.inventory import Application, Dependency, Estate
from migration.inventory.frozen import builder

STRATEGIES = ("rehost", "replatform", "retire", "replace", "retain")
_RANK = {"high": 3, "medium": 2, "low": 1}


@dataclass(frozen=True, slots=True)
class Assessment:
    app: str
    strategy: str
    rule: str  # rule id
    why: str
    shared_service: str | None = None

    @property
    def moves(self) -> bool:
        """True when the app is migrated in a wave (rehost or replatform)."""
        return self.strategy in ("rehost", "replatform")

    @property
    def rule_line(self) -> str:
        return f"{self.rule}: {self.why}"


_ASSESSMENT = builder(Assessment)


def assess(estate: Estate, dependencies: tuple[Dependency, ...] | None = None) -> dict[str, Assessment]:
    """App id -> assessment, in the estate's app order. `dependencies` defaults to the declared ones."""
    deps = estate.dependencies if dependencies is None else dependencies
    callers = Counter(d.to_app for d in deps)
    callees = Counter(d.from_app for d in deps)
    primaries = _primaries(estate, callers)
    results = {}
    facts = builder(Facts)  # 27,000 apps: the frozen __init__ would cost more than the rules
    for app in estate.apps.values():
        results[app.id] = decide(facts(app, estate.agencies[app.agency].kind, callers.get(app.id, 0),
                                       callees.get(app.id, 0), service_for(app.function),
                                       primaries[(app.agency, app.function)]))
    return results


def decide(facts: Facts, rules: tuple[Rule, ...] = RULES) -> Assessment:
    """The first rule whose test holds decides."""
    for rule in rules:
        if rule.test(facts):
            service = facts.service.id if facts.service and rule.strategy == "replace" else None
            return _ASSESSMENT(facts.app.id, rule.strategy, rule.id, rule.why(facts), service)
    raise AssertionError("the last rule matches every app")


def _primaries(estate: Estate, callers: Counter[str]) -> dict[tuple[str, str], str]:
    """(agency, function) -> the copy an agency keeps: most critical, most called, most data, then id."""
    best: dict[tuple[str, str], tuple[tuple[object, ...], Application]] = {}
    for app in estate.apps.values():
        key = (app.agency, app.function)
        weight = (_RANK[app.criticality], callers.get(app.id, 0), app.data_gb)
        other = best.get(key)
        if other is None or weight > other[0] or (weight == other[0] and _id_rank(app) > _id_rank(other[1])):
            best[key] = (weight, app)
    return {key: app.id for key, (_, app) in best.items()}


def _id_rank(app: Application) -> list[int]:
    # Negated id, only built on a tie of the rest: the alphabetically first id wins, whatever the file order.
    return [-ord(c) for c in app.id]


@dataclass(frozen=True, slots=True)
class FunctionSummary:
    """One duplicated function across the estate and what assessment does with its copies."""

    function: str
    apps: int
    agencies: int
    shared_service: SharedService | None
    strategies: dict[str, int]
    candidates: int  # copies a shared service covers that move now and are replaced later


def rationalize(estate: Estate, results: dict[str, Assessment]) -> list[FunctionSummary]:
    """Functions run by more than one agency, most duplicated first."""
    apps: dict[str, list[Application]] = {}
    for app in estate.apps.values():
        apps.setdefault(app.function, []).append(app)
    summaries = [
        FunctionSummary(function, len(group), len({a.agency for a in group}), service_for(function),
                        dict(sorted(Counter(results[a.id].strategy for a in group).items())),
                        _candidates(estate, group, results))
        for function, group in apps.items() if len({a.agency for a in group}) > 1
    ]
    return sorted(summaries, key=lambda s: (-s.apps, s.function))


__all__ = ["STRATEGIES", "Assessment", "FunctionSummary", "assess", "decide", "rationalize"]


def _candidates(estate: Estate, group: list[Application], results: dict[str, Assessment]) -> int:
    service = service_for(group[0].function)
    if service is None:
        return 0
    kinds = {"province", "regency", "city"} if service.regional_only else None
    return sum(1 for a in group
               if results[a.id].moves and (kinds is None or estate.agencies[a.agency].kind in kinds))
