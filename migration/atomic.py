"""Atomic file writes shared by every module: temp file in the same folder, fsync, os.replace.

A reader (or a crash) never sees half a file: the old content or the new, nothing between.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from migration.errors import InputError


def write_text_atomic(path: Path, text: str, *, mode: int | None = None, make_parents: bool = True) -> Path:
    """Write `text` (UTF-8) to `path`; parents are created unless `make_parents` is False, where a
    missing folder is a user's typo in an output path and raises InputError naming it.

    `mode` wins; else an existing file keeps its mode; else 0644 (mkstemp's 0600 would hide
    shared files such as reports from other users).
    """
    path = Path(path)
    if make_parents:
        path.parent.mkdir(parents=True, exist_ok=True)
    elif not path.parent.is_dir():
        raise InputError("folder does not exist", where=str(path.parent))
    if mode is None:
        mode = path.stat().st_mode & 0o7777 if path.exists() else 0o644
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
