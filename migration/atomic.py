"""Atomic file writes shared by every module: temp file in the same folder, fsync, os.replace.

A reader (or a crash) never sees half a file: the old content or the new, nothing between.
An output path that cannot be written is one `InputError` naming the path and the OS's reason.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from migration.errors import InputError
from migration.untrusted.files import write_problem


def write_text_atomic(path: Path, text: str, *, mode: int | None = None, make_parents: bool = True,
                      private: bool = False) -> Path:
    """Write `text` (UTF-8) to `path`; parents are created unless `make_parents` is False, where a
    missing folder is a user's typo in an output path and raises InputError naming it.

    `private` (facts, anything holding a host's data): the file is 0600 and its folder 0700.
    Else `mode` wins; else an existing file keeps its mode; else 0644 (mkstemp's 0600 would hide
    shared files such as reports from other users).
    """
    path = Path(path)
    try:
        _prepare(path, make_parents, private)
        if mode is None:
            mode = 0o600 if private else path.stat().st_mode & 0o7777 if path.exists() else 0o644
        _replace(path, text, mode)
    except OSError as exc:
        raise write_problem(path, exc) from None
    return path


def _prepare(path: Path, make_parents: bool, private: bool) -> None:
    if path.is_dir():
        raise IsADirectoryError(21, "Is a directory", str(path))
    if path.exists() and not path.is_file():  # a FIFO or a device: never replaced by a file
        raise InputError("not a regular file (give a file name)", where=str(path))
    if make_parents:
        path.parent.mkdir(mode=0o700 if private else 0o777, parents=True, exist_ok=True)
    elif not path.parent.is_dir():
        raise InputError("not a folder" if path.parent.exists() else "folder does not exist",
                         where=str(path.parent))
    if private:
        path.parent.chmod(0o700)


def _replace(path: Path, text: str, mode: int) -> None:
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
