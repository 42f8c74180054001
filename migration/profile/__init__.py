"""The app profile: the one description of how an app lives on its hosts (docs/profile.md).

`load_profile(path)` / `load_profiles(estate_dir)` read and validate; `write_profile` writes;
`conventional(app, estate)` builds the profile the lab's layout convention implies; `diff`
compares a reviewed profile with a newer proposal.
"""

from __future__ import annotations

from migration.profile.conventional import conventional
from migration.profile.diff import Change, diff
from migration.profile.model import (
    FORMAT,
    CronEntry,
    Database,
    GroupEntry,
    HealthCheck,
    HostLayout,
    PackageEntry,
    PathEntry,
    PortEntry,
    Profile,
    Provenance,
    Rewrite,
    Service,
    UserEntry,
)
from migration.profile.store import (
    ProfileInvalid,
    check,
    load_profile,
    load_profiles,
    profile_path,
    profiles_dir,
)
from migration.profile.write import to_yaml, write_profile

__all__ = [
    "FORMAT", "Change", "CronEntry", "Database", "GroupEntry", "HealthCheck", "HostLayout", "PackageEntry",
    "PathEntry", "PortEntry", "Profile", "ProfileInvalid", "Provenance", "Rewrite", "Service", "UserEntry",
    "check", "conventional", "diff", "load_profile", "load_profiles", "profile_path", "profiles_dir",
    "to_yaml", "write_profile",
]
