"""Where profiles live beside the inventory, and loading them with the estate's cross-checks.

`<estate>/profiles/<app>.yaml` is the profile the team reviewed (or wrote); discovery writes its
proposal to `<estate>/profiles/<app>.proposed.yaml` and never touches a reviewed one.
"""

from __future__ import annotations

import re
from pathlib import Path

from migration.errors import InputError, InventoryInvalid
from migration.inventory.model import Estate
from migration.inventory.readers import Problems
from migration.profile.model import Profile
from migration.profile.read import check_profile

FOLDER = "profiles"
PROPOSED = ".proposed.yaml"
_SAFE = re.compile(r"[a-z0-9][a-z0-9._-]{0,127}\Z")


class ProfileInvalid(InventoryInvalid):
    """A profile failed validation; `problems` holds every `file:line: field: problem`."""


def profiles_dir(estate_dir: Path) -> Path:
    return Path(estate_dir) / FOLDER


def profile_path(estate_dir: Path, app: str, *, proposed: bool = False) -> Path:
    if not _SAFE.match(app):
        raise InputError(f"app id {app!r} is not a safe file name", where="app")
    return profiles_dir(estate_dir) / (f"{app}{PROPOSED}" if proposed else f"{app}.yaml")


def load_profile(path: Path, estate: Estate | None = None) -> Profile:
    """The validated profile in `path`; raises `ProfileInvalid` listing every problem."""
    profile, problems = check(path, estate)
    if problems:
        raise ProfileInvalid(problems)
    assert profile is not None
    return profile


def check(path: Path, estate: Estate | None = None) -> tuple[Profile | None, list[str]]:
    """(profile or None, problems): the file's own checks, then the estate's when given."""
    path = Path(path)
    if not path.is_file():
        return None, [f"{path}: profile file not found"]
    profile, problems = check_profile(path)
    if profile is None:
        return None, problems
    found = Problems()
    expected = path.name.removesuffix(PROPOSED).removesuffix(".yaml")
    if profile.app != expected:
        found.add(path, None, "app", f"{profile.app!r} does not match the file name ({expected}.yaml)")
    if estate is not None:
        _against_estate(path, profile, estate, found)
    return (None, found.lines) if found else (profile, [])


def _against_estate(path: Path, profile: Profile, estate: Estate, found: Problems) -> None:
    app = estate.apps.get(profile.app)
    if app is None:
        found.add(path, None, "app", f"unknown app {profile.app!r} (not in the estate's apps)")
        return
    named = [(f"hosts.{h}", h) for h in profile.hosts]
    named += [(f"databases[{i}].host", d.host) for i, d in enumerate(profile.databases_)]
    named += [(f"rewrites[{i}].host", r.host) for i, r in enumerate(profile.rewrites_)]
    for where, host in named:
        if host not in app.all_hosts:
            found.add(path, None, where, f"host {host!r} is not one of {profile.app}'s hosts "
                      f"({', '.join(app.all_hosts)})")


def load_profiles(estate_dir: Path, estate: Estate | None = None) -> dict[str, Profile]:
    """App id -> profile for every `<app>.yaml` in `<estate>/profiles/` (proposals left out).

    Every problem in every file is collected before one `ProfileInvalid` is raised.
    """
    folder = profiles_dir(estate_dir)
    if not folder.is_dir():
        return {}
    profiles: dict[str, Profile] = {}
    problems: list[str] = []
    for path in sorted(folder.glob("*.yaml")):
        if path.name.endswith(PROPOSED):
            continue
        profile, found = check(path, estate)
        problems += found
        if profile is not None:
            profiles[profile.app] = profile
    if problems:
        raise ProfileInvalid(problems)
    return profiles
