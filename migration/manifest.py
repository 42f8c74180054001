"""Our own SHA-256 manifest of a directory tree: what a backup holds, checked byte for byte.

Pure (files only, no network): hashing streams in 1 MiB chunks; a manifest read back from storage
is validated so that no path can leave the tree. `migration.transfer` stores and restores by it.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from migration.errors import CorruptObject, InputError

CHUNK = 1024 * 1024
DEFAULT_MODE = 0o644
MANIFEST_FORMAT = 1
MANIFEST_NAME = "manifest.json"


@dataclass(frozen=True)
class ManifestEntry:
    """One file of a tree: POSIX path relative to the tree root, size in bytes, SHA-256 hex, and
    permission bits (an init script must come back executable). A symlink has `link` (its target,
    kept verbatim, as tar and rsync -a do); its size and sha256 are those of the target string."""

    path: str
    size: int
    sha256: str
    mode: int = DEFAULT_MODE
    link: str | None = None


@dataclass(frozen=True)
class Manifest:
    """Every file of a tree, sorted by path; its canonical JSON is what we store and hash."""

    entries: tuple[ManifestEntry, ...]

    @property
    def total_bytes(self) -> int:
        """Bytes of file content (what is stored as objects)."""
        return sum(e.size for e in self.entries if e.link is None)

    def to_json(self) -> str:
        """Canonical JSON: sorted keys, no spaces, so equal manifests give equal bytes."""
        body = {"format": MANIFEST_FORMAT, "entries": [_raw(e) for e in self.entries]}
        return json.dumps(body, sort_keys=True, separators=(",", ":"))

    def digest(self) -> str:
        """SHA-256 of the canonical JSON: the backup's identity in the state store."""
        return hashlib.sha256(self.to_json().encode()).hexdigest()

    @classmethod
    def from_json(cls, text: str | bytes, *, where: str = MANIFEST_NAME) -> Manifest:
        """Parse and check a manifest; a malformed or unsafe one raises CorruptObject naming `where`."""
        try:
            body = json.loads(text)
            if body.get("format") != MANIFEST_FORMAT:
                raise ValueError(f"unknown manifest format {body.get('format')!r}")
            entries = tuple(_entry(raw) for raw in body["entries"])
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise CorruptObject(f"not a valid dcc manifest: {exc}", key=where)
        if [e.path for e in entries] != sorted({e.path for e in entries}):
            raise CorruptObject("manifest entries are not unique and sorted", key=where)
        _check_nesting(entries, where)
        return cls(entries)


def _raw(e: ManifestEntry) -> dict[str, Any]:
    raw: dict[str, Any] = {"path": e.path, "size": e.size, "sha256": e.sha256, "mode": e.mode}
    if e.link is not None:
        raw["link"] = e.link
    return raw


def _check_nesting(entries: tuple[ManifestEntry, ...], where: str) -> None:
    """No entry may sit inside another: writing below a restored symlink could leave the tree."""
    paths = {e.path for e in entries}
    for e in entries:
        parts = e.path.split("/")
        for depth in range(1, len(parts)):
            if "/".join(parts[:depth]) in paths:
                raise CorruptObject(
                    f"{e.path!r} lies inside the file or link {'/'.join(parts[:depth])!r}", key=where
                )


def _entry(raw: dict[str, Any]) -> ManifestEntry:
    path, size, sha, mode = raw["path"], raw["size"], raw["sha256"], raw.get("mode", DEFAULT_MODE)
    link = raw.get("link")
    if not isinstance(path, str) or not safe_relpath(path):
        raise ValueError(f"unsafe path {path!r}")
    if not isinstance(size, int) or isinstance(size, bool) or size < 0:
        raise ValueError(f"bad size for {path!r}")
    if not isinstance(sha, str) or len(sha) != 64 or any(ch not in "0123456789abcdef" for ch in sha):
        raise ValueError(f"bad sha256 for {path!r}")
    if not isinstance(mode, int) or isinstance(mode, bool) or not 0 <= mode <= 0o777:
        raise ValueError(f"bad mode for {path!r}")  # no setuid/setgid/sticky from storage
    if link is not None and (
        not isinstance(link, str)
        or not link
        or "\x00" in link
        or _link_entry(path, link) != ManifestEntry(path, size, sha, mode, link)
    ):
        raise ValueError(f"bad link for {path!r}")
    return ManifestEntry(path, size, sha, mode, link)


def _link_entry(rel: str, target: str) -> ManifestEntry:
    data = os.fsencode(target)
    return ManifestEntry(rel, len(data), hashlib.sha256(data).hexdigest(), 0o777, target)


def safe_relpath(path: str) -> bool:
    """A manifest path must stay inside the tree: relative, no `..`, no empty parts."""
    parts = path.split("/")
    return (
        bool(path)
        and not path.startswith("/")
        and all(p not in ("", ".", "..") for p in parts)
        and "\x00" not in path
        and "\\" not in path
    )


def sha256_file(path: Path) -> tuple[int, str]:
    """(size, SHA-256 hex) of a file, read in 1 MiB chunks so memory stays constant."""
    digest, size = hashlib.sha256(), 0
    with open(path, "rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return size, digest.hexdigest()


def build_manifest(local_dir: Path) -> Manifest:
    """SHA-256, size and mode of every file (and every symlink's target) under `local_dir`, sorted."""
    return manifest_with_stamps(local_dir)[0]


Stamp = tuple[int, int]  # (size, mtime_ns) of a file just before it was hashed


def manifest_with_stamps(local_dir: Path) -> tuple[Manifest, dict[str, Stamp]]:
    """The manifest, plus each file's stamp taken before hashing: an uploader compares it after
    sending, so a file that changed at any moment after hashing is caught."""
    root = Path(local_dir)
    if not root.is_dir():
        raise InputError("not a directory", where=str(root))
    entries, stamps = [], {}
    for path in _walk_files(root):
        rel = path.relative_to(root).as_posix()
        if path.is_symlink():
            entries.append(_link_entry(rel, os.readlink(path)))
            continue
        before = path.stat()
        size, sha = sha256_file(path)
        stamps[rel] = (before.st_size, before.st_mtime_ns)
        entries.append(ManifestEntry(rel, size, sha, before.st_mode & 0o777))
    return Manifest(tuple(sorted(entries, key=lambda e: e.path))), stamps


def _walk_files(root: Path) -> Iterator[Path]:
    for dirpath, dirnames, filenames in os.walk(root, onerror=_walk_error):
        dirnames.sort()
        for name in sorted(filenames) + [d for d in dirnames if Path(dirpath, d).is_symlink()]:
            path = Path(dirpath, name)
            if not path.is_symlink() and not path.is_file():
                # A device, fifo or socket cannot be stored as an object: refuse rather than lose it.
                raise InputError(
                    "not a regular file or symlink (special files are not backed up)", where=str(path)
                )
            yield path


def _walk_error(exc: OSError) -> None:
    raise InputError(f"cannot read: {exc.strerror}", where=str(exc.filename))
