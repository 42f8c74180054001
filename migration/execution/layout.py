"""What moves of one app, from its profile: the tree deploy installs, the data folders placed
apart, the config rewrites, and where transferred data waits next to its destination.

Pure: every phase takes its paths from here, never from the app's id.
"""

from __future__ import annotations

import posixpath
from collections.abc import Mapping
from dataclasses import dataclass

from migration.errors import InputError
from migration.execution.wave import AppMove

PLACED_REMOTE = "/var/lib/dcc/placed"  # per app and data folder: the digest placed there last


@dataclass(frozen=True)
class Layout:
    """One app's paths on its primary pair (the legacy host's layout, the same on its target)."""

    tree: tuple[str, ...]  # code, config and the services' own files: installed by deploy
    data: tuple[str, ...]  # data folders: moved apart, placed with one rename each

    @property
    def all(self) -> tuple[str, ...]:
        return self.tree + self.data


def layout_of(move: AppMove) -> Layout:
    profile, host = move.profile, move.legacy_primary
    if profile is None:
        raise InputError(f"no profile for {move.app!r}", where=move.app)
    files = tuple(s.file for s in profile.services(host) if s.file)
    for i, cron in enumerate(profile.cron(host)):
        if cron.file == "/etc/crontab":
            raise InputError("a job in /etc/crontab cannot move without the host's other jobs; move it into "
                             "/etc/cron.d/<file> first", where=f"profiles/{move.app}.yaml: hosts.{host}.cron[{i}].source")
    # The files of its cron jobs move with the app, as config does (turned off on the source by the freeze).
    tree = tuple(dict.fromkeys(profile.code_paths(host) + profile.config_paths(host) + files
                               + profile.cron_files(host) + profile.log_paths(host)))
    return Layout(tree=tree, data=profile.data_paths(host))


def incoming_of(path: str) -> str:
    """Where a data folder's transferred copy waits: beside it, so placing it is one rename."""
    parent, name = posixpath.split(path.rstrip("/"))
    return posixpath.join(parent, f".dcc-incoming-{name}")


def rewrites_for(move: AppMove, values: Mapping[str, str]) -> list[tuple[str, str, str]]:
    """(file, line as found, line wanted) for deploy, from the profile's config rewrites whose
    placeholders all have values (a peer that has not moved yet keeps its line). A failback
    undoes them: the target's rewritten line becomes the legacy one again."""
    profile, host = move.profile, move.legacy_primary
    out = []
    for rewrite in profile.rewrites(host) if profile else ():
        try:
            new = rewrite.render(values)
        except KeyError:
            continue
        out.append((rewrite.file, new, rewrite.old) if move.failback else (rewrite.file, rewrite.old, new))
    return out


def placeholder_values(move: AppMove, moved: Mapping[str, str], ips: Mapping[str, str]) -> dict[str, str]:
    """The values a rewrite may use, for the forward move (a failback renders the same, then undoes)."""
    fwd = move.reversed() if move.failback else move
    target = fwd.primary[1]
    values = {"app_host": target.id, "app_ip": target.ip}
    servers = fwd.servers
    if servers:  # the first server database: where the app's config points
        target_db = servers[0].pair[1]
        values |= {"db_host": target_db.id, "db_ip": target_db.ip}
        dbs = [d for d in fwd.profile.databases() if not d.is_file] if fwd.profile else []
        if dbs and dbs[0].port:
            values["db_port"] = str(dbs[0].port)
    for legacy, new in moved.items():
        values[f"target:{legacy}"] = new
        if new in ips:
            values[f"target_ip:{legacy}"] = ips[new]
    return values
