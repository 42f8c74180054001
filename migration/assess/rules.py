"""The assessment rule table: ordered rules, first match wins, each with an id and a why.

A rule is data (id, strategy, test, why template) so the table reads like the policy it
encodes and tests can walk it row by row. `Facts` holds what a rule may look at.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from migration.assess.services import SharedService
from migration.inventory import Application

REGIONAL = frozenset({"province", "regency", "city"})
REPLACE_MAX_GB = 5.0  # small enough to import into the shared service in one go
API_MAX_GB = 10.0
WEB_DB_MAX_GB = 50.0  # a managed PostgreSQL restore of this size fits one cutover window


@dataclass(frozen=True, slots=True)
class Facts:
    """What the rules know about one app beyond its own fields."""

    app: Application
    agency_kind: str
    dependents: int  # apps that call this one
    dependencies: int  # apps this one calls
    service: SharedService | None
    primary: str  # id of the agency's main app for this function (itself when unique)


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    strategy: str
    test: Callable[[Facts], bool]
    why: Callable[[Facts], str]


def _standalone(f: Facts) -> bool:
    return f.dependents == 0 and f.dependencies == 0


RULES: tuple[Rule, ...] = (
    Rule("R1-secret-retain", "retain",
         lambda f: f.app.data_class == "secret",
         lambda f: "secret data stays in the agency's accredited facility"),
    Rule("R2-internal-duplicate-retire", "retire",
         lambda f: f.primary != f.app.id and f.dependents == 0,
         lambda f: f"{f.app.agency} also runs {f.primary} for {f.app.function}; nothing calls this copy"),
    Rule("R3-shared-service-replace", "replace",
         lambda f: (f.service is not None and f.agency_kind in REGIONAL and f.app.criticality != "high"
                    and f.app.data_gb <= REPLACE_MAX_GB and _standalone(f)),
         lambda f: (f"regional duplicate of {f.app.function}, standalone and small "
                    f"({f.app.data_gb:g} GB): route its users to {f.service.id if f.service else '?'}")),
    Rule("R4-stateless-api-replatform", "replatform",
         lambda f: f.app.archetype == "api" and f.app.data_gb <= API_MAX_GB,
         lambda f: f"stateless API with {f.app.data_gb:g} GB: runs as a container on the shared cloud"),
    Rule("R5-small-web-db-replatform", "replatform",
         lambda f: f.app.archetype == "web-db" and f.app.data_gb <= WEB_DB_MAX_GB,
         lambda f: f"web app with a {f.app.data_gb:g} GB database: container plus managed PostgreSQL"),
    Rule("R6-default-rehost", "rehost",
         lambda f: True,
         lambda f: "moved as it is onto target hosts in the national data center"),
)
