"""Atomic writes for user-named outputs: refuse a missing folder (a typo), then write atomically."""

from __future__ import annotations

from pathlib import Path

from migration.atomic import write_text_atomic as _write
from migration.errors import InputError


def write_text_atomic(path: Path, text: str) -> None:
    """Write `text` to `path` atomically; a missing parent folder is the user's mistake, named."""
    path = Path(path)
    if not path.parent.is_dir():
        raise InputError("folder does not exist", where=str(path.parent))
    _write(path, text)
