"""What changed between a reviewed profile and a newer proposal: entries added, removed or changed,
compared by what they say (paths, names, commands), never by their evidence or status.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from migration.profile.model import Profile
from migration.profile.walk import entries

_IDENTITY = {"services": "name", "code": "path", "config": "path", "data": "path", "logs": "path", "users": "name",
             "groups": "name", "packages": "name", "ports": "port"}


@dataclass(frozen=True)
class Change:
    field: str  # e.g. hosts.web1.data, databases, health
    kind: str  # added | removed | changed
    before: str
    after: str
    evidence: str = ""  # the proposal's evidence for an added or changed entry


def pipeline_fields(profile: Profile) -> tuple[Any, ...]:
    """What the pipeline reads, without evidence, status, users or packages: per host the
    services, code, config, data and log paths, cron files and ports; the databases; the health
    check's path, port and status. Two profiles equal here move an app the same way."""
    hosts = tuple((h, tuple((s.name, s.init, s.start, s.stop, s.check, s.file) for s in profile.services(h)),
                   profile.code_paths(h), profile.config_paths(h), profile.data_paths(h), profile.log_paths(h),
                   profile.cron_files(h), profile.ports(h))
                  for h in profile.hosts)
    dbs = tuple((d.engine, d.host, d.names, d.owner, d.port, d.path) for d in profile.databases())
    health = (profile.health.path, profile.health.port, profile.health.expect_status) if profile.health else None
    return hosts, dbs, health


def diff(reviewed: Profile, proposed: Profile) -> list[Change]:
    """Changes from `reviewed` to `proposed`, in field order."""
    old, new = _keyed(reviewed), _keyed(proposed)
    changes: list[Change] = []
    for key in dict.fromkeys([*old, *new]):
        before, after = old.get(key), new.get(key)
        section = key[0]
        if before is None and after is not None:
            changes.append(Change(section, "added", "", describe(after), after.prov.evidence))
        elif after is None and before is not None:
            changes.append(Change(section, "removed", describe(before), ""))
        elif before is not None and after is not None and describe(before) != describe(after):
            changes.append(Change(section, "changed", describe(before), describe(after), after.prov.evidence))
    return changes


def _keyed(profile: Profile) -> dict[tuple[str, str], Any]:
    """(section, identity) -> entry; an entry without a natural identity is keyed by what it says."""
    keyed: dict[tuple[str, str], Any] = {}
    for where, item in entries(profile):
        section = where.rsplit("[", 1)[0]
        name = section.rsplit(".", 1)[-1]
        attr = _IDENTITY.get(name)
        if section == "health":
            identity = "health"
        elif section == "databases":
            identity = f"{item.engine}@{item.host}:{','.join(item.names) or item.path}"
        else:
            identity = str(getattr(item, attr)) if attr else describe(item)
        keyed[(section, identity)] = item
    return keyed


def describe(item: Any) -> str:
    parts = [f"{k}={_value(v)}" for k, v in vars(item).items() if k != "prov" and v not in ("", None, ())]
    return " ".join(parts)


def _value(value: Any) -> str:
    return ",".join(map(str, value)) if isinstance(value, tuple) else str(value)
