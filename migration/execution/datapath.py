"""The data path between the hosts and object storage.

backup: pull the app's tree (code, config, init script, data) and its DB dump to a local staging
dir, upload it with a SHA-256 manifest. restore: download and verify EVERY object first, then
push to temp paths on the targets; the restore playbook renames them into place.

Two ways to move the bytes between hosts and the controller (`DATA_PATHS`):
- `rsync` (default): outside Ansible's module loop, rsync over the lab's pinned SSH connection;
- `ansible`: through Ansible's own modules only (tar archives, `fetch`, `unarchive`; the
  `collect` and `deliver` phases), for hosts without rsync. The bench's baseline uses it: it is
  what a plain ansible-playbook chain does.
Both leave the same trees in the same places, so S3, the manifest and the restore are shared.
"""

from __future__ import annotations

import shutil
import subprocess
import tarfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from migration.access.files import AccessFiles
from migration.errors import RemoteError
from migration.execution.layout import incoming_of, layout_of
from migration.execution.wave import AppMove

STAGING_REMOTE = "/var/lib/dcc/staging"
INCOMING_REMOTE = "/var/lib/dcc/incoming"
DATA_PATHS = ("rsync", "ansible")
COLLECTED = ".collected"  # under the staging dir: archives the collect phase fetched (not uploaded)
RSYNC_TIMEOUT = 30  # seconds without progress before rsync gives up (a dead link fails, not hangs)


@dataclass(frozen=True)
class BackupResult:
    prefix: str
    digest: str
    objects: int
    bytes: int


def rsync(access: AccessFiles, sources: list[str], dest: str, *extra: str) -> None:
    """One rsync over the lab's ssh_config (pinned known_hosts, shared connection)."""
    ssh = " ".join(access.ssh_command())
    cmd = ["rsync", "-a", "--numeric-ids", f"--timeout={RSYNC_TIMEOUT}", "--partial-dir=.rsync-partial",
           "-e", ssh, *extra, *sources, dest]
    proc = subprocess.run(cmd, check=False, capture_output=True, text=True, timeout=600)
    if proc.returncode != 0:
        raise RemoteError(f"rsync failed (rc {proc.returncode}): {_rsync_reason(proc.stderr, proc.returncode)}",
                          where=dest if ":" in dest else sources[0])


def _rsync_reason(stderr: str, rc: int) -> str:
    """The line that says what went wrong: rsync's summary ("some files/attrs were not
    transferred (see previous errors)") comes last, the cause before it."""
    lines = [line.strip() for line in stderr.strip().splitlines() if line.strip()]
    causes = [line for line in lines if not line.startswith("rsync error:")]
    return (causes or lines or [f"rc {rc}"])[0][:300]


def pull(move: AppMove, access: AccessFiles, staging: Path) -> Path:
    """Mirror the app's tree and data (its profile's paths) and its DB dump from the sources into
    `staging/<app>`, each path under `files/` at its own absolute path."""
    local = staging / move.app
    files = local / "files"
    files.mkdir(parents=True, exist_ok=True)
    src = move.primary[0].id
    remote = [f"{src}:{p}" for p in layout_of(move).all]
    # Bytecode caches are rebuilt by the app itself; shipping them only makes noise.
    rsync(access, remote, f"{files}/", "-R", "--delete", "--ignore-missing-args", "--exclude=__pycache__/")
    for d in move.databases:  # each database's dump folder, from the host that holds it
        db_dir = local / "db" / d.key
        db_dir.mkdir(parents=True, exist_ok=True)
        rsync(access, [f"{d.pair[0].id}:{STAGING_REMOTE}/{move.app}/db/{d.key}/"], f"{db_dir}/", "--delete")
    return local


def push(move: AppMove, access: AccessFiles, restored: Path,
         hook: Callable[[str, AppMove], None] | None = None) -> None:
    """Push a verified restore tree to temp paths on the targets (never the live paths): each data
    folder beside its destination, the rest (what deploy installs) to the incoming folder."""
    files = restored / "files"
    tgt = move.primary[1].id
    layout = layout_of(move)
    for path in layout.data:
        data = files / path.lstrip("/")
        data.mkdir(parents=True, exist_ok=True)  # a data folder the backup found empty still gets made
        rsync(access, [f"{data}/"], f"{tgt}:{incoming_of(path)}/", "--delete", "--mkpath")
    if hook:
        hook("transfer:data-pushed", move)
    excluded = [f"--exclude=/{p.strip('/')}" for p in layout.data]
    rsync(access, [f"{files}/"], f"{tgt}:{INCOMING_REMOTE}/{move.app}/", "--delete", "--mkpath", *excluded)
    for d in move.databases:
        # The dump and the role's password hash: root only on the target too.
        rsync(access, [f"{restored / 'db' / d.key}/"], f"{d.pair[1].id}:{INCOMING_REMOTE}/{move.app}/db/{d.key}/",
              "--delete", "--mkpath", "--chmod=D700,F600")


def forget(work_dir: Path, app: str) -> None:
    """Remove the app's plaintext copies from the controller (pulled tree, restore tree, archives):
    object storage holds the backup; a later check downloads and verifies it again."""
    for part in (work_dir / "staging" / app, work_dir / "staging" / COLLECTED / app,
                 work_dir / "restore" / app, work_dir / "outbox" / app):
        shutil.rmtree(part, ignore_errors=True)


def fresh_dir(path: Path) -> Path:
    """A scratch dir emptied first (download_tree renames into an absent or empty dest)."""
    if path.exists():
        shutil.rmtree(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


# -- the `ansible` data path: archives moved by the collect and deliver phases ---------------


def collected_dir(staging: Path, app: str) -> Path:
    """Where the collect phase fetches an app's archives (`files.tar`, `db.tar`) to."""
    return staging / COLLECTED / app


def unpack_collected(move: AppMove, staging: Path) -> Path:
    """Turn the fetched archives into `staging/<app>/{files,db/<key>}`, as `pull` leaves them."""
    local = fresh_dir(staging / move.app)
    archives = collected_dir(staging, move.app)
    _extract(archives / "files.tar", local / "files")
    for host in dict.fromkeys(d.pair[0].id for d in move.databases):
        _extract(archives / f"db-{host}.tar", local / "db")
    return local


def pack(move: AppMove, restored: Path, outbox: Path) -> Path:
    """Archives of a verified restore tree for the deliver phase: each data folder (`data-<i>.tar`),
    the rest of the tree (code, config, service files) and the dump; owners (by number, as the
    manifest records them and the target's tar unpacks them), modes and links kept. An empty part
    gets no archive."""
    out = fresh_dir(outbox)
    out.mkdir()
    files = restored / "files"
    layout = layout_of(move)
    for i, path in enumerate(layout.data):
        data = files / path.lstrip("/")
        _archive(out / f"data-{i}.tar", data, _children(data))
    skip = {files / p.lstrip("/") for p in layout.data}
    _archive(out / "files.tar", files, _children(files), skip)
    for host in dict.fromkeys(d.pair[1].id for d in move.databases):
        keys = [restored / "db" / d.key for d in move.databases if d.pair[1].id == host]
        _archive(out / f"db-{host}.tar", restored / "db", [k for k in keys if k.exists()])
    return out


def _children(folder: Path) -> list[Path]:
    return sorted(folder.iterdir()) if folder.is_dir() else []


def _by_number(info: tarfile.TarInfo) -> tarfile.TarInfo:
    # Only the numbers: a name is this controller's, which may mean another id on the target.
    info.uname = info.gname = ""
    return info


def _archive(path: Path, root: Path, members: list[Path], skip: set[Path] | None = None) -> None:
    """Write the archive, leaving out the folders in `skip`; none for nothing (unarchive refuses an
    empty one: the deliver phase then only makes the empty temp path)."""
    if not members:
        return
    left_out = {p.relative_to(root).as_posix() for p in skip or ()}

    def keep(info: tarfile.TarInfo) -> tarfile.TarInfo | None:
        return None if info.name in left_out else _by_number(info)
    with tarfile.open(path, "w") as tar:
        for member in members:
            tar.add(member, arcname=member.relative_to(root).as_posix(), filter=keep)


def _keep_modes(member: tarfile.TarInfo, dest: str) -> tarfile.TarInfo | None:
    """tarfile's `tar` filter (no absolute path, nothing outside `dest`, no setuid/setgid/sticky),
    but group and other write bits kept, as rsync -a keeps them: the manifest records modes."""
    checked = tarfile.tar_filter(member, dest)
    if checked is None or member.mode is None:
        return checked
    return checked.replace(mode=member.mode & 0o777, deep=False)


def _extract(archive: Path, dest: Path) -> None:
    if not archive.is_file():
        raise RemoteError("the collect phase fetched no archive", where=str(archive))
    dest.mkdir(parents=True, exist_ok=True)
    try:
        with tarfile.open(archive) as tar:
            tar.extractall(dest, filter=_keep_modes)
    except (tarfile.TarError, OSError) as exc:
        raise RemoteError(f"cannot unpack the fetched archive: {exc}", where=str(archive)) from exc
