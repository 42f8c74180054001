"""The data path outside Ansible's module loop: rsync over the lab's pinned SSH, then S3.

backup: pull the app's tree (code, config, init script, data) and its DB dump to a local staging
dir, upload it with a SHA-256 manifest. restore: download and verify EVERY object first, then
push to temp paths on the targets; the restore playbook renames them into place.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from migration.errors import RemoteError
from migration.execution.access import LabAccess
from migration.execution.wave import AppMove

STAGING_REMOTE = "/var/lib/dcc/staging"
INCOMING_REMOTE = "/var/lib/dcc/incoming"
RSYNC_TIMEOUT = 30  # seconds without progress before rsync gives up (a dead link fails, not hangs)


@dataclass(frozen=True)
class BackupResult:
    prefix: str
    digest: str
    objects: int
    bytes: int


def rsync(access: LabAccess, sources: list[str], dest: str, *extra: str) -> None:
    """One rsync over the lab's ssh_config (pinned known_hosts, shared connection)."""
    ssh = " ".join(access.ssh_command())
    cmd = ["rsync", "-a", "--numeric-ids", f"--timeout={RSYNC_TIMEOUT}", "--partial-dir=.rsync-partial",
           "-e", ssh, *extra, *sources, dest]
    proc = subprocess.run(cmd, check=False, capture_output=True, text=True, timeout=600)
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or [f"rc {proc.returncode}"])[-1]
        raise RemoteError(f"rsync failed (rc {proc.returncode}): {last}", where=dest if ":" in dest else sources[0])


def app_paths(app: str) -> list[str]:
    """What the app layout convention names, in the order a restore needs it."""
    return [f"/opt/{app}/", f"/etc/{app}/", f"/etc/init.d/{app}", f"/srv/{app}/data/"]


def pull(move: AppMove, access: LabAccess, staging: Path) -> Path:
    """Mirror the app's tree and its DB dump from the sources into `staging/<app>`."""
    local = staging / move.app
    files = local / "files"
    files.mkdir(parents=True, exist_ok=True)
    src = move.primary[0].id
    remote = [f"{src}:{p}" for p in app_paths(move.app)]
    # Bytecode caches are rebuilt by the app itself; shipping them only makes noise.
    rsync(access, remote, f"{files}/", "-R", "--delete", "--ignore-missing-args", "--exclude=__pycache__/")
    if move.db:
        db_dir = local / "db"
        db_dir.mkdir(exist_ok=True)
        rsync(access, [f"{move.db[0].id}:{STAGING_REMOTE}/{move.app}/db/"], f"{db_dir}/", "--delete")
    return local


def push(move: AppMove, access: LabAccess, restored: Path, hook=None) -> None:
    """Push a verified restore tree to temp paths on the targets (never the live paths)."""
    files = restored / "files"
    data = files / "srv" / move.app / "data"
    data.mkdir(parents=True, exist_ok=True)  # apps without data still get an (empty) data dir
    tgt = move.primary[1].id
    rsync(access, [f"{data}/"], f"{tgt}:/srv/{move.app}/.dcc-incoming/", "--delete", "--mkpath")
    if hook:
        hook("transfer:data-pushed", move)
    rsync(access, [f"{files}/"], f"{tgt}:{INCOMING_REMOTE}/{move.app}/", "--delete", "--mkpath", "--exclude=/srv/")
    if move.db:
        rsync(access, [f"{restored / 'db'}/"], f"{move.db[1].id}:{INCOMING_REMOTE}/{move.app}/db/",
              "--delete", "--mkpath")


def fresh_dir(path: Path) -> Path:
    """A scratch dir emptied first (download_tree renames into an absent or empty dest)."""
    if path.exists():
        shutil.rmtree(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    return path
