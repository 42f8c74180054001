"""Atomic file writes: a temp file in the same folder, then os.replace, so a reader never sees half a file."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from migration.errors import InputError


def write_text_atomic(path: Path, text: str) -> None:
    """Write `text` (UTF-8) to `path` atomically, mode 0644; the parent folder must exist."""
    path = Path(path)
    if not path.parent.is_dir():
        raise InputError("folder does not exist", where=str(path.parent))
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as stream:
            stream.write(text)
        os.chmod(tmp, 0o644)  # mkstemp's 0600 would hide the file from other users
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise
