"""Write discovery's profile proposals beside the inventory, never over a reviewed profile.

`<estate>/profiles/<app>.proposed.yaml` is rewritten on every discovery; `<app>.yaml` (what
the team reviewed) is only read, to show how the new proposal differs from it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from migration.discovery.facts import HostFacts
from migration.discovery.propose import propose_all
from migration.inventory.model import Estate
from migration.profile import Change, diff, load_profile, profile_path, write_profile


@dataclass(frozen=True)
class ProposalOutcome:
    app: str
    path: Path  # the proposal written
    questions: int  # entries marked needs-review
    reviewed: Path | None  # the team's reviewed profile, when there is one (never written here)
    changes: tuple[Change, ...]  # reviewed -> proposal
    notes: tuple[str, ...]


def write_proposals(estate: Estate, estate_dir: Path, facts: dict[str, HostFacts]) -> list[ProposalOutcome]:
    """Propose a profile for every app with at least one discovered host; returns what was written."""
    outcomes = []
    for app, proposal in propose_all(estate, facts).items():
        path = write_profile(profile_path(estate_dir, app, proposed=True), proposal.profile, proposal.notes)
        current = profile_path(estate_dir, app)
        changes: tuple[Change, ...] = ()
        if current.exists():
            changes = tuple(diff(load_profile(current, estate), proposal.profile))
        outcomes.append(ProposalOutcome(app, path, len(proposal.profile.open_questions()),
                                        current if current.exists() else None, changes, proposal.notes))
    return outcomes
