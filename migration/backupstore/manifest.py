"""Our own SHA-256 manifest of a directory tree: what a backup holds, checked byte for byte.

Pure (no network). Files are stored packed, in manifest order, into fixed-size segments; the
manifest lists every file (plaintext SHA-256, what verification compares) and every segment
(its own SHA-256, so each stored object can be checked alone). A manifest read back from storage
is validated so that no path can leave the tree.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from migration.errors import CorruptObject

CHUNK = 1024 * 1024
SEGMENT_SIZE = 8 * CHUNK
MAX_SEGMENT_SIZE = 1024 * CHUNK
DEFAULT_MODE = 0o644
MANIFEST_FORMAT = 2
MANIFEST_NAME = "manifest.json"
MAX_ID = 2**32 - 2  # the largest uid or gid


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
    uid: int = 0  # its owner and group, by number (a service's own user owns its data)
    gid: int = 0


@dataclass(frozen=True)
class DirEntry:
    """One folder of a tree: its permission bits and numeric owner, so a service that writes into
    its data folder (SQLite puts its journal there) can again after a restore."""

    path: str
    mode: int
    uid: int = 0
    gid: int = 0


@dataclass(frozen=True)
class Segment:
    """One stored object: a run of the files' bytes, concatenated in manifest order."""

    size: int
    sha256: str


@dataclass(frozen=True)
class Manifest:
    """Every file of a tree, sorted by path, and the segments holding their bytes; its canonical
    JSON is what we store and hash. `key_id` names the key the segments are encrypted with."""

    entries: tuple[ManifestEntry, ...]
    segments: tuple[Segment, ...] = ()
    segment_size: int = SEGMENT_SIZE
    key_id: str = ""
    dirs: tuple[DirEntry, ...] = ()

    @property
    def total_bytes(self) -> int:
        """Bytes of file content (what the segments hold)."""
        return sum(e.size for e in self.files)

    @property
    def files(self) -> tuple[ManifestEntry, ...]:
        """The regular files, in the order their bytes are packed."""
        return tuple(e for e in self.entries if e.link is None)

    def to_json(self) -> str:
        """Canonical JSON: sorted keys, no spaces, so equal manifests give equal bytes."""
        body = {
            "format": MANIFEST_FORMAT,
            "entries": [_raw(e) for e in self.entries],
            "segments": [{"size": s.size, "sha256": s.sha256} for s in self.segments],
            "segment_size": self.segment_size,
            "key_id": self.key_id,
        }
        if self.dirs:
            body["dirs"] = [{"path": d.path, "mode": d.mode, "uid": d.uid, "gid": d.gid} for d in self.dirs]
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
            segments = tuple(_segment(raw) for raw in body["segments"])
            size, key_id = body["segment_size"], body["key_id"]
            dirs = tuple(_dir(raw) for raw in body.get("dirs", []))
            if not isinstance(key_id, str) or not _is_count(size) or not 0 < size <= MAX_SEGMENT_SIZE:
                raise ValueError("bad segment_size or key_id")
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise CorruptObject(f"not a valid dcc manifest: {exc}", key=where) from None
        if [e.path for e in entries] != sorted({e.path for e in entries}):
            raise CorruptObject("manifest entries are not unique and sorted", key=where)
        _check_nesting(entries, where)
        _check_dirs(dirs, entries, where)
        manifest = cls(entries, segments, size, key_id, dirs)
        if [s.size for s in segments] != segment_sizes(manifest.total_bytes, size):
            raise CorruptObject("manifest segments do not cover the files' bytes", key=where)
        return manifest


def segment_sizes(total: int, segment_size: int) -> list[int]:
    """How `total` bytes split into segments: all full but the last."""
    full, rest = divmod(total, segment_size)
    return [segment_size] * full + ([rest] if rest else [])


def _raw(e: ManifestEntry) -> dict[str, Any]:
    raw: dict[str, Any] = {"path": e.path, "size": e.size, "sha256": e.sha256, "mode": e.mode}
    if e.link is not None:
        raw["link"] = e.link
    if e.uid or e.gid:
        raw["uid"], raw["gid"] = e.uid, e.gid
    return raw


def _dir(raw: dict[str, Any]) -> DirEntry:
    path, mode, uid, gid = raw["path"], raw["mode"], raw.get("uid", 0), raw.get("gid", 0)
    if not isinstance(path, str) or not safe_relpath(path):
        raise ValueError(f"unsafe folder path {path!r}")
    if not isinstance(mode, int) or isinstance(mode, bool) or not 0 <= mode <= 0o777:
        raise ValueError(f"bad mode for folder {path!r}")
    if not (_is_id(uid) and _is_id(gid)):
        raise ValueError(f"bad owner for folder {path!r}")
    return DirEntry(path, mode, uid, gid)


def _check_dirs(dirs: tuple[DirEntry, ...], entries: tuple[ManifestEntry, ...], where: str) -> None:
    """A folder is no file or link of the tree, and lies inside none."""
    paths = {e.path for e in entries}
    for d in dirs:
        parts = d.path.split("/")
        if any("/".join(parts[:depth]) in paths for depth in range(1, len(parts) + 1)):
            raise CorruptObject(f"folder {d.path!r} is, or lies inside, a file or link", key=where)


def _is_id(value: object) -> bool:
    return _is_count(value) and value <= MAX_ID  # type: ignore[operator]


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


def _is_count(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _is_sha(value: object) -> bool:
    return isinstance(value, str) and len(value) == 64 and all(ch in "0123456789abcdef" for ch in value)


def _segment(raw: dict[str, Any]) -> Segment:
    if not _is_count(raw["size"]) or not _is_sha(raw["sha256"]):
        raise ValueError("bad segment")
    return Segment(raw["size"], raw["sha256"])


def _entry(raw: dict[str, Any]) -> ManifestEntry:
    path, size, sha, mode = raw["path"], raw["size"], raw["sha256"], raw.get("mode", DEFAULT_MODE)
    link, uid, gid = raw.get("link"), raw.get("uid", 0), raw.get("gid", 0)
    if not (_is_id(uid) and _is_id(gid)):
        raise ValueError(f"bad owner for {path!r}")
    if not isinstance(path, str) or not safe_relpath(path):
        raise ValueError(f"unsafe path {path!r}")
    if not _is_count(size):
        raise ValueError(f"bad size for {path!r}")
    if not _is_sha(sha):
        raise ValueError(f"bad sha256 for {path!r}")
    if not isinstance(mode, int) or isinstance(mode, bool) or not 0 <= mode <= 0o777:
        raise ValueError(f"bad mode for {path!r}")  # no setuid/setgid/sticky from storage
    if link is not None and (
        not isinstance(link, str)
        or not link
        or "\x00" in link
        or replace(link_entry(path, link), uid=uid, gid=gid) != ManifestEntry(path, size, sha, mode, link, uid, gid)
    ):
        raise ValueError(f"bad link for {path!r}")
    return ManifestEntry(path, size, sha, mode, link, uid, gid)


def link_entry(rel: str, target: str) -> ManifestEntry:
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
