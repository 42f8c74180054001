"""Read a file the user named, whatever it turns out to be, into text or one clear error.

Every OS error becomes `path: reason`; a folder, a FIFO or a device is refused before it is
opened (a FIFO would block); size is bounded; bytes that are not UTF-8 are named with their line.
Used by every reader of user files (inventory tables, plans, previous reports, cost models).
"""

from __future__ import annotations

import errno
import json
import stat
import sys
from pathlib import Path
from typing import Any

from migration.errors import InputError

MAX_FILE = 512 << 20  # bytes: far above a national inventory (~10 MB), far below the memory of a laptop


def reason(exc: OSError) -> str:
    """The OS's words for an error ('Permission denied', 'Is a directory')."""
    return exc.strerror or (errno.errorcode.get(exc.errno or 0, "") if exc.errno else "") or str(exc)


def file_problem(path: Path, what: str = "file") -> str | None:
    """Why `path` cannot be read as a regular file, or None."""
    try:
        info = path.stat()
    except FileNotFoundError:
        return f"{what} not found" + (" (a broken symbolic link)" if path.is_symlink() else "")
    except OSError as exc:
        return f"cannot read: {reason(exc)}"
    if not stat.S_ISREG(info.st_mode):
        return "not a regular file" + (" (a folder)" if stat.S_ISDIR(info.st_mode) else "")
    if info.st_size > MAX_FILE:
        return f"{info.st_size:,} bytes: larger than the {MAX_FILE >> 20} MiB limit"
    return None


def read_bytes(path: Path, what: str = "file", *, max_line: int | None = None) -> bytes:
    """The file's bytes; InputError naming the path and the reason otherwise. With `max_line`, a line
    longer than that many bytes stops the reading at once (a 200 MB file without a newline costs 1 MiB)."""
    problem = file_problem(path, what)
    if problem is None:
        try:
            with path.open("rb") as stream:
                data = _read_lines(stream, max_line) if max_line else stream.read(MAX_FILE + 1)
        except OSError as exc:
            problem = f"cannot read: {reason(exc)}"
        except _LongLine as exc:
            raise InputError(f"line longer than {max_line:,} bytes (is this the right file?)",
                             where=f"{path}:{exc.line}") from None
        else:
            if len(data) <= MAX_FILE:
                return data
            problem = f"larger than the {MAX_FILE >> 20} MiB limit"
    raise InputError(problem, where=str(path))


class _LongLine(Exception):
    def __init__(self, line: int) -> None:
        super().__init__(line)
        self.line = line


def _read_lines(stream: Any, limit: int) -> bytes:
    """Read in chunks of `limit` bytes (so no line can hide inside one chunk), tracking the line in
    progress; linear, and stops at the first line over `limit`."""
    chunks: list[bytes] = []
    run = lines = size = 0
    while size <= MAX_FILE:
        chunk = stream.read(limit)
        if not chunk:
            break
        first = chunk.find(b"\n")
        if first == -1:
            run += len(chunk)
        else:
            if run + first > limit:
                raise _LongLine(lines + 1)
            lines += chunk.count(b"\n")
            run = len(chunk) - chunk.rfind(b"\n") - 1
        if run > limit:
            raise _LongLine(lines + 1)
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


def decode(data: bytes, where: str) -> str:
    """UTF-8 text (a leading BOM dropped); InputError `where:line: not UTF-8 text` otherwise."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        hint = " (it looks like UTF-16: save as 'CSV UTF-8')" if data[:2] in (b"\xff\xfe", b"\xfe\xff") else ""
        raise InputError(f"not UTF-8 text: byte 0x{data[exc.start]:02x} at byte {exc.start}{hint}",
                         where=f"{where}:{line}") from None


def read_text(path: Path, what: str = "file") -> str:
    return decode(read_bytes(path, what), str(path))


def read_json(path: Path, what: str) -> Any:
    """A JSON document (bounded depth, no NaN or Infinity); InputError naming file:line otherwise."""
    text = read_text(path, what)
    try:
        return json.loads(text, parse_constant=_no_constant, object_pairs_hook=_unique)
    except RecursionError:  # the C scanner counts its depth: nothing deeper than Python's limit is built
        raise InputError(f"not a usable {what}: nested deeper than the {sys.getrecursionlimit()} levels a JSON "
                         "document may have here", where=str(path)) from None
    except json.JSONDecodeError as exc:
        raise InputError(f"malformed JSON: {exc.msg}", where=f"{path}:{exc.lineno}") from None
    except ValueError as exc:
        raise InputError(f"malformed JSON: {exc}", where=str(path)) from None


def _unique(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """An object; a key given twice is refused (json keeps the last in silence: an edit must not hide)."""
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen: set[str] = set()
        twice = next(k for k, _ in pairs if k in seen or seen.add(k))  # type: ignore[func-returns-value]
        raise ValueError(f"duplicate key {twice[:60]!r}")
    return obj


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number JSON allows (expected a finite number)")


def write_problem(path: Path, exc: OSError) -> InputError:
    """One line for an output path that cannot be written, naming the path the user gave."""
    if isinstance(exc, IsADirectoryError) or path.is_dir():
        return InputError("is a directory (give a file name)", where=str(path))
    if isinstance(exc, (NotADirectoryError, FileExistsError)):
        parent = next((p for p in (path, *path.parents) if p.exists() and not p.is_dir()), path.parent)
        return InputError("not a directory", where=str(parent))
    return InputError(f"cannot write: {reason(exc)}", where=str(path))


__all__ = ["MAX_FILE", "decode", "file_problem", "read_bytes", "read_json", "read_text", "reason", "write_problem"]
