"""Mark a proposal reviewed: every entry's status becomes reviewed and the profile's version
moves on; refused while any entry still needs review (each is named)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from migration.errors import InputError
from migration.profile.model import HostLayout, Profile
from migration.profile.walk import HOST_SECTIONS


def reviewed(proposal: Profile, previous: Profile | None, *, where: str) -> Profile:
    """The proposal as a reviewed profile, version after `previous`'s."""
    questions = proposal.open_questions()
    if questions:
        field, reason = questions[0]
        more = f" ({len(questions)} in all)" if len(questions) > 1 else ""
        raise InputError(f"{field}: still needs review: {reason}{more}; edit the proposal, set status: reviewed",
                         where=where)
    if not proposal.layouts:
        raise InputError("hosts: discovery found nothing of the app on its hosts (is it running?); discover "
                         "again once it is, or write what runs where", where=where)
    layouts = tuple(_layout(layout) for layout in proposal.layouts)
    return replace(proposal, layouts=layouts, databases_=tuple(map(_done, proposal.databases_)),
                   health=_done(proposal.health) if proposal.health else None,
                   rewrites_=tuple(map(_done, proposal.rewrites_)), reviewed=True,
                   version=(previous.version + 1) if previous else proposal.version)


def _layout(layout: HostLayout) -> HostLayout:
    sections: dict[str, Any] = {name: tuple(map(_done, getattr(layout, name))) for name in HOST_SECTIONS}
    return replace(layout, **sections)


def _done(item: Any) -> Any:
    return replace(item, prov=replace(item.prov, status="reviewed", reason=""))
