"""Putting a verified tree in place: one rename, so a destination holds the old tree or the new one.

Pure file-system work beside the destination (same file system, so rename is atomic); also sweeps
temp trees that a dead process left behind.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import glob
import os
import shutil
from pathlib import Path
from typing import Any

from migration.backupstore.manifest import Manifest
from migration.backupstore.packing import own
from migration.errors import InputError


def sweep_dead_partials(dest: Path) -> None:
    """Remove temp trees beside `dest` left by a download whose process died (kill -9, power cut)."""
    for kind in ("partial", "old"):
        for path in dest.parent.glob(f".{glob.escape(dest.name)}.dcc-{kind}-*"):
            pid = path.name.removeprefix(f".{dest.name}.dcc-{kind}-").split("-")[0]
            if pid.isdigit() and not _alive(int(pid)):
                shutil.rmtree(path, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's live process
    return True


def make_links(manifest: Manifest, staging: Path) -> None:
    """Symlinks go in last: no file is ever written through one (the manifest forbids nesting)."""
    for e in manifest.entries:
        if e.link is not None:
            (staging / e.path).parent.mkdir(parents=True, exist_ok=True)
            os.symlink(e.link, staging / e.path)
            own(staging / e.path, e.uid, e.gid, link=True)


def make_durable(tree: Path) -> None:
    """Flush every file written under `tree` to disk before it is renamed into place.

    One syncfs(2) of the tree's file system instead of an fsync per file: hundreds of small files
    cost one flush, not hundreds. Falls back to fsync per file where syncfs is missing.
    """
    fd = os.open(tree, os.O_RDONLY | os.O_DIRECTORY)
    try:
        if _syncfs is not None and _syncfs(fd) == 0:
            return
    finally:
        os.close(fd)
    for path in sorted(p for p in tree.rglob("*") if p.is_file() and not p.is_symlink()):
        with open(path, "rb") as handle:
            os.fsync(handle.fileno())


def _load_syncfs() -> Any:
    name = ctypes.util.find_library("c")
    libc = ctypes.CDLL(name, use_errno=True) if name else None
    return getattr(libc, "syncfs", None)


_syncfs = _load_syncfs()


def place(staging: Path, dest: Path) -> None:
    """Put the verified tree at `dest` by rename: atomically if `dest` is absent or empty,
    otherwise swap atomically (renameat2 RENAME_EXCHANGE) and drop the old tree afterwards."""
    if dest.is_symlink() or (dest.exists() and not dest.is_dir()):
        raise InputError("destination exists and is not a directory", where=str(dest))
    # mkdtemp made the staging dir 0700; the restored root keeps the old one's mode, else 0755.
    os.chmod(staging, dest.stat().st_mode & 0o777 if dest.is_dir() else 0o755)
    if dest.is_dir() and any(dest.iterdir()):
        _exchange(staging, dest)  # staging now holds the old tree; the caller's rmtree removes it
        return
    os.replace(staging, dest)  # rename(2) replaces an empty directory atomically
    staging.mkdir()  # keep the caller's cleanup path valid


def _exchange(staging: Path, dest: Path) -> None:
    import ctypes
    import errno

    libc = ctypes.CDLL(None, use_errno=True)
    at_fdcwd, rename_exchange = -100, 2
    if libc.renameat2(at_fdcwd, os.fsencode(staging), at_fdcwd, os.fsencode(dest), rename_exchange) == 0:
        return
    err = ctypes.get_errno()
    if err not in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):
        raise InputError(f"cannot replace the destination: {os.strerror(err)}", where=str(dest))
    _swap_by_renames(staging, dest)


def _swap_by_renames(staging: Path, dest: Path) -> None:
    """For file systems without RENAME_EXCHANGE: three renames; `dest` is missing only between the
    first two, and the old tree is never deleted before the new one is in place."""
    aside = dest.with_name(f".{dest.name}.dcc-old-{os.getpid()}")
    os.rename(dest, aside)
    try:
        os.rename(staging, dest)
    except OSError:
        os.rename(aside, dest)
        raise
    os.rename(aside, staging)
