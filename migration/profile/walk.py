"""Every entry of a profile with its field path (`hosts.web1.data[0]`), for review and diffs."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from migration.profile.model import Profile

HOST_SECTIONS = ("services", "code", "config", "data", "logs", "users", "groups", "cron", "packages", "ports")


def entries(profile: Profile) -> Iterator[tuple[str, Any]]:
    """(field path, entry) for each entry that carries a `prov`, in file order."""
    for layout in profile.layouts:
        for section in HOST_SECTIONS:
            for index, item in enumerate(getattr(layout, section)):
                yield f"hosts.{layout.host}.{section}[{index}]", item
    for index, db in enumerate(profile.databases_):
        yield f"databases[{index}]", db
    if profile.health is not None:
        yield "health", profile.health
    for index, rewrite in enumerate(profile.rewrites_):
        yield f"rewrites[{index}]", rewrite
