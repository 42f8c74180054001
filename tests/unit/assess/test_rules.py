"""The assessment rule table, one row per rule (first match wins), and the lab's expected outcome."""

from __future__ import annotations

from pathlib import Path

import pytest

from migration.assess import assess, decide, rationalize
from migration.assess.rules import RULES, Facts
from migration.assess.services import service_for
from migration.inventory import Application, load_estate

LAB = Path(__file__).resolve().parents[3] / "inventory" / "lab"


def facts(*, function: str = "health-data-api", kind: str = "regency", data_class: str = "internal",
          criticality: str = "medium", archetype: str | None = "web-db", data_gb: float = 10.0,
          dependents: int = 0, dependencies: int = 0, primary: str = "app-x") -> Facts:
    app = Application(id="app-x", name="X", agency="ag", function=function, criticality=criticality,
                      data_class=data_class, data_gb=data_gb, hosts=("h1",), archetype=archetype)
    return Facts(app=app, agency_kind=kind, dependents=dependents, dependencies=dependencies,
                 service=service_for(function), primary=primary)


# (case, facts, expected strategy, expected rule id)
CASES = [
    ("secret data stays", facts(data_class="secret", function="complaint-handling", archetype="api"),
     "retain", "R1-secret-retain"),
    ("second copy in one agency is retired", facts(primary="app-main"), "retire", "R2-internal-duplicate-retire"),
    ("a called second copy is not retired", facts(primary="app-main", dependents=1, archetype="files"),
     "rehost", "R6-default-rehost"),
    ("standalone small regional duplicate is replaced", facts(function="complaint-handling", data_gb=0.1),
     "replace", "R3-shared-service-replace"),
    ("ministry copy is not replaced", facts(function="complaint-handling", kind="ministry", archetype="api",
                                             data_gb=0.1), "replatform", "R4-stateless-api-replatform"),
    ("high criticality is not replaced", facts(function="payroll", criticality="high", data_gb=1),
     "replatform", "R5-small-web-db-replatform"),
    ("an app others call is not replaced yet", facts(function="e-office", dependents=2, archetype="files", data_gb=1),
     "rehost", "R6-default-rehost"),
    ("an app that calls others is not replaced yet", facts(function="e-office", dependencies=1, archetype="api",
                                                           data_gb=1), "replatform", "R4-stateless-api-replatform"),
    ("big data is not replaced", facts(function="licensing", data_gb=6, archetype="files"), "rehost",
     "R6-default-rehost"),
    ("function without a shared service is not replaced", facts(function="tourism", data_gb=0.1, archetype="files"),
     "rehost", "R6-default-rehost"),
    ("small api is replatformed", facts(archetype="api", data_gb=10), "replatform", "R4-stateless-api-replatform"),
    ("api with data is rehosted", facts(archetype="api", data_gb=10.5), "rehost", "R6-default-rehost"),
    ("small web-db is replatformed", facts(archetype="web-db", data_gb=50), "replatform", "R5-small-web-db-replatform"),
    ("big web-db is rehosted", facts(archetype="web-db", data_gb=51), "rehost", "R6-default-rehost"),
    ("files are rehosted", facts(archetype="files", data_gb=1), "rehost", "R6-default-rehost"),
    ("unknown archetype is rehosted", facts(archetype=None, data_gb=1), "rehost", "R6-default-rehost"),
]


@pytest.mark.parametrize(("case", "given", "strategy", "rule"), CASES, ids=[c[0] for c in CASES])
def test_rule_table(case: str, given: Facts, strategy: str, rule: str) -> None:
    result = decide(given)
    assert (result.strategy, result.rule) == (strategy, rule), f"{case}: got {result}"
    assert result.why and "\n" not in result.why


def test_every_rule_is_exercised_by_the_table() -> None:
    used = {rule for *_, rule in CASES}
    assert used == {r.id for r in RULES}, f"rules without a test row: {({r.id for r in RULES}) - used}"


def test_replace_names_the_shared_service() -> None:
    result = decide(facts(function="complaint-handling", data_gb=0.1))
    assert result.shared_service == "SP4N-LAPOR"
    assert "SP4N-LAPOR" in result.why
    assert decide(facts(archetype="files")).shared_service is None


def test_lab_outcome() -> None:
    results = assess(load_estate(LAB))
    assert results["lapor-bogor"].strategy == "replace"
    assert results["lapor-bogor"].shared_service == "SP4N-LAPOR"
    moving = [r.app for r in results.values() if r.moves]
    assert len(moving) >= 7, f"most lab apps must be migrated, got {moving}"
    assert {r.strategy for r in results.values()} <= {"rehost", "replatform", "replace"}


def test_rationalization_counts_duplicates() -> None:
    estate = load_estate(LAB)
    summaries = {s.function: s for s in rationalize(estate, assess(estate))}
    assert set(summaries) == {"payroll", "e-office", "complaint-handling"}  # run by 2 agencies each
    lapor = summaries["complaint-handling"]
    assert (lapor.apps, lapor.agencies, lapor.shared_service.id) == (2, 2, "SP4N-LAPOR")  # type: ignore[union-attr]
    assert lapor.strategies == {"replace": 1, "replatform": 1}
    assert lapor.candidates == 1  # lapor-jabar moves now and is replaced once its integrations are rebuilt
