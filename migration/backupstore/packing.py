"""Pack a tree's files, in manifest order, into fixed-size segments, and unpack them again.

One pass over the source: each file is read once, straight into the segment buffer, and hashed
as it goes (streaming hashing). Small files cost a slice of one object instead of an object each;
a large file spans several segments, which upload in parallel. Unpacking checks every file's
SHA-256 against the manifest as its last byte arrives.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import IO

from migration.backupstore.manifest import (
    SEGMENT_SIZE,
    DirEntry,
    Manifest,
    ManifestEntry,
    Segment,
    link_entry,
)
from migration.errors import CorruptObject, InputError


@dataclass(frozen=True)
class SourceFile:
    rel: str
    path: Path
    size: int
    mtime_ns: int
    mode: int
    uid: int = 0
    gid: int = 0


class TreePacker:
    """Streams a tree as segments (`segments()`); afterwards `entries` holds the file entries."""

    def __init__(self, root: Path, segment_size: int = SEGMENT_SIZE) -> None:
        self.root, self.segment_size = Path(root), segment_size
        if not self.root.is_dir():
            raise InputError("not a directory", where=str(self.root))
        self.entries: list[ManifestEntry] = []
        self._files: list[SourceFile] = []
        self.dirs = tuple(_dirs(self.root))
        for rel, path in sorted(_walk(self.root)):
            st = path.lstat()
            if path.is_symlink():
                self.entries.append(replace(link_entry(rel, os.readlink(path)), uid=st.st_uid, gid=st.st_gid))
            else:
                st = path.stat()
                self._files.append(SourceFile(rel, path, st.st_size, st.st_mtime_ns, st.st_mode & 0o777,
                                              st.st_uid, st.st_gid))

    def segments(self) -> Iterator[bytearray]:
        """Each full segment as it fills (a fresh buffer each time, handed over), then the rest."""
        buf, pos = bytearray(self.segment_size), 0
        for src in self._files:
            digest, left = hashlib.sha256(), src.size
            with open(src.path, "rb") as fh:
                while left:
                    view = memoryview(buf)[pos : pos + min(left, self.segment_size - pos)]
                    got = fh.readinto(view)
                    if not got:
                        raise _changed(src.path)
                    digest.update(view[:got])
                    pos, left = pos + got, left - got
                    if pos == self.segment_size:
                        yield buf
                        buf, pos = bytearray(self.segment_size), 0
                if fh.read(1):
                    raise _changed(src.path)
            _check_unchanged(src)
            self.entries.append(ManifestEntry(src.rel, src.size, digest.hexdigest(), src.mode, None, src.uid, src.gid))
        if pos:
            yield buf[:pos]

    def manifest(self, segments: list[Segment], key_id: str = "") -> Manifest:
        entries = tuple(sorted(self.entries, key=lambda e: e.path))
        return Manifest(entries, tuple(segments), self.segment_size, key_id, self.dirs)


def build_manifest(local_dir: Path, segment_size: int = SEGMENT_SIZE) -> Manifest:
    """The manifest a backup of `local_dir` would have (hashing only, nothing stored)."""
    packer = TreePacker(local_dir, segment_size)
    segments = [Segment(len(s), hashlib.sha256(s).hexdigest()) for s in packer.segments()]
    return packer.manifest(segments)


class TreeUnpacker:
    """Takes the segments' bytes in order and writes the files (or only checks them, if `staging`
    is None); each file's SHA-256 is compared with the manifest's when it is complete."""

    def __init__(self, manifest: Manifest, staging: Path | None, where: str) -> None:
        self.staging, self.where = staging, where
        self._todo = list(reversed(manifest.files))
        self._cur: tuple[ManifestEntry, IO[bytes] | None, hashlib._Hash, int] | None = None
        self._next_file()

    def feed(self, data: bytes | bytearray | memoryview) -> None:
        view = memoryview(data)
        while view:
            if self._cur is None:
                raise CorruptObject("segments hold more bytes than the manifest's files", key=self.where)
            entry, out, digest, left = self._cur
            part = view[: min(left, len(view))]
            digest.update(part)
            if out is not None:
                out.write(part)
            self._cur, view = (entry, out, digest, left - len(part)), view[len(part) :]
            if left == len(part):
                self._finish_file()

    def close(self) -> None:
        """All bytes fed: every file must be complete."""
        if self._cur is not None:
            raise CorruptObject(f"segments end inside {self._cur[0].path!r}", key=self.where)

    def _next_file(self) -> None:
        while self._todo:
            entry = self._todo.pop()
            out = None
            if self.staging is not None:
                target = self.staging / entry.path
                target.parent.mkdir(parents=True, exist_ok=True)
                out = open(target, "wb")  # noqa: SIM115 - closed in _finish_file
            self._cur = (entry, out, hashlib.sha256(), entry.size)
            if entry.size:
                return
            self._finish_file()
            return
        self._cur = None

    def _finish_file(self) -> None:
        assert self._cur is not None
        entry, out, digest, _ = self._cur
        if out is not None:
            out.close()
            os.chmod(self.staging / entry.path, entry.mode)  # type: ignore[operator]
            own(self.staging / entry.path, entry.uid, entry.gid)  # type: ignore[operator]
        if digest.hexdigest() != entry.sha256:
            raise CorruptObject(f"{entry.path!r} does not match its SHA-256 in the manifest", key=self.where)
        self._next_file()

    def abort(self) -> None:
        if self._cur is not None and self._cur[1] is not None:
            self._cur[1].close()


def _changed(path: Path) -> InputError:
    # The stored bytes might not match the hash: say so instead of keeping a bad backup.
    return InputError("file changed while it was being backed up; stop the writer and retry", where=str(path))


def _check_unchanged(src: SourceFile) -> None:
    after = src.path.stat()
    if (after.st_size, after.st_mtime_ns) != (src.size, src.mtime_ns):
        raise _changed(src.path)


def _walk(root: Path) -> Iterator[tuple[str, Path]]:
    for dirpath, dirnames, filenames in os.walk(root, onerror=_walk_error):
        for name in filenames + [d for d in dirnames if Path(dirpath, d).is_symlink()]:
            path = Path(dirpath, name)
            if not path.is_symlink() and not path.is_file():
                # A device, fifo or socket cannot be stored: refuse rather than lose it.
                raise InputError("not a regular file or symlink (special files are not backed up)",
                                 where=str(path))
            yield path.relative_to(root).as_posix(), path


def _dirs(root: Path) -> Iterator[DirEntry]:
    """Every folder under `root` (not following links), sorted, with its mode and owner."""
    found = []
    for dirpath, dirnames, _ in os.walk(root, onerror=_walk_error):
        for name in dirnames:
            path = Path(dirpath, name)
            if not path.is_symlink():
                st = path.lstat()
                found.append(DirEntry(path.relative_to(root).as_posix(), st.st_mode & 0o777, st.st_uid, st.st_gid))
    yield from sorted(found, key=lambda d: d.path)


def own(path: Path, uid: int, gid: int, *, link: bool = False) -> None:
    """Give a restored file, link or folder its recorded owner (only root can; others keep theirs)."""
    if (uid or gid) and os.geteuid() == 0:
        os.chown(path, uid, gid, follow_symlinks=not link)


def apply_dirs(manifest: Manifest, staging: Path) -> None:
    """Each folder of the manifest made, with its mode and owner (after the files are in it)."""
    for d in manifest.dirs:
        target = staging / d.path
        target.mkdir(parents=True, exist_ok=True)
        os.chmod(target, d.mode)
        own(target, d.uid, d.gid)


def _walk_error(exc: OSError) -> None:
    raise InputError(f"cannot read: {exc.strerror}", where=str(exc.filename))
