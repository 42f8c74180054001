"""Discovery proposes the lab apps' profiles on a real lab copy (estate `prof`, 10.91.x.y; with
DCC_TEST_LAB_SHIFT, octet + shift): each proposal says what the layout convention says in the
fields the pipeline reads, and equals the reviewed profile committed in inventory/lab/profiles,
which discovery leaves untouched. So the lab apps migrate from discovered, reviewed profiles.
"""

from __future__ import annotations

import time

import pytest

from migration.discovery import Settings, discover_all, load_all, select_targets
from migration.discovery.proposals import write_proposals
from migration.inventory import load_estate
from migration.profile import conventional, load_profile, profile_path
from migration.profile.diff import pipeline_fields
from tests.support.lab import LAB_INVENTORY, shifted

pytestmark = pytest.mark.integration
NAME, OCTET = shifted("prof", 91)


@pytest.fixture(scope="module")
def discovered(make_lab):
    from migration.lab import status

    lab = make_lab(NAME, OCTET)
    estate_dir = lab.run_dir / "estate"
    deadline = time.monotonic() + 90  # every app answering, so the web-db apps hold their sessions
    while time.monotonic() < deadline and not all(health in ("ok", "db ok") for h in status(NAME)
                                                  for _, health in h.apps):
        time.sleep(1)
    time.sleep(3)
    estate = load_estate(estate_dir)
    settings = Settings(known_hosts=lab.known_hosts, identity=lab.identity, connect_timeout=5, command_timeout=60)
    outcomes = discover_all(select_targets(estate), settings, facts_dir=estate_dir / "facts")
    assert all(o.ok for o in outcomes), [(o.host, o.status, o.message) for o in outcomes if not o.ok]
    committed = {p.name: p.read_bytes() for p in (estate_dir / "profiles").glob("*.yaml")}
    written = write_proposals(estate, estate_dir, load_all(estate_dir / "facts"))
    return estate, estate_dir, {o.app: o for o in written}, committed


def test_every_lab_app_gets_a_proposal_without_open_questions(discovered) -> None:
    estate, _, outcomes, _ = discovered
    assert set(outcomes) == set(estate.apps)
    assert {app: o.questions for app, o in outcomes.items() if o.questions} == {}


@pytest.mark.parametrize("app", sorted(load_estate(LAB_INVENTORY).apps))
def test_proposal_equals_the_convention_in_what_the_pipeline_reads(discovered, app: str) -> None:
    estate, estate_dir, _, _ = discovered
    proposal = load_profile(profile_path(estate_dir, app, proposed=True), estate)
    expected = conventional(app, estate)
    assert pipeline_fields(proposal) == pipeline_fields(expected)
    wanted = {(r.host, r.file, r.old, r.new) for r in expected.rewrites()}
    assert wanted <= {(r.host, r.file, r.old, r.new) for r in proposal.rewrites()}


def test_committed_reviewed_profiles_are_untouched_and_unchanged(discovered) -> None:
    estate, estate_dir, outcomes, committed = discovered
    assert len(committed) == len(estate.apps)
    after = {p.name: p.read_bytes() for p in (estate_dir / "profiles").glob("*.yaml")
             if not p.name.endswith(".proposed.yaml")}
    assert after == committed, "discovery rewrote a reviewed profile"
    changed = {app: [(c.field, c.kind, c.before, c.after) for c in o.changes]
               for app, o in outcomes.items() if o.changes}
    assert changed == {}, "rediscovery differs from the reviewed profiles"
    for app, outcome in outcomes.items():
        assert outcome.reviewed == profile_path(estate_dir, app)
        assert load_profile(outcome.reviewed, estate).reviewed
