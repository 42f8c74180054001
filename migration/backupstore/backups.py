"""Backups as history: each tree is written once, to its own prefix, on every site, encrypted
with its agency's key and locked; restores and audits hash everything that comes back.

Layout under a prefix: `data/<n>` (the packed segments, in order) and `manifest.json`, written
last on each site as the commit marker.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

from migration.backupstore.keys import BackupKey, KeyRing
from migration.backupstore.manifest import MANIFEST_NAME, SEGMENT_SIZE, Manifest, Segment, safe_relpath
from migration.backupstore.objectstore import ObjectStore
from migration.backupstore.packing import TreePacker, TreeUnpacker, apply_dirs
from migration.backupstore.retention import Retention
from migration.backupstore.tree_swap import make_durable, make_links, place, sweep_dead_partials
from migration.errors import CorruptObject, InputError

Progress = Callable[[int], None]
T = TypeVar("T")
R = TypeVar("R")
DEFAULT_AGENCY = "default"


def backup_stamp(now: datetime | None = None) -> str:
    """A new backup's own name: UTC time to the microsecond (sorts as it was taken)."""
    return (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%S%fZ")


class BackupStore:
    """Backups of many apps on one or more sites (the first is the one restores read)."""

    def __init__(self, sites: list[ObjectStore], keys: KeyRing, *, agencies: Mapping[str, str] | None = None,
                 retention: Retention | None = None, workers: int = 4, segment_size: int = SEGMENT_SIZE) -> None:
        if not sites:
            raise InputError("no object storage site given", where="--s3-endpoint")
        self.sites, self.keys, self._agencies = list(sites), keys, dict(agencies or {})
        self.retention = retention or Retention()
        self.workers, self.segment_size = workers, segment_size

    @property
    def bucket(self) -> str:
        return self.sites[0].bucket

    @property
    def site_names(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.sites)

    def key_for(self, app: str) -> BackupKey:
        return self.keys.for_agency(self._agencies.get(app, DEFAULT_AGENCY))

    def ensure_buckets(self) -> None:
        for site in self.sites:
            site.ensure_bucket()

    # -- writing -------------------------------------------------------------------------

    def upload_tree(self, local_dir: Path, prefix: str, *, app: str, until: datetime | None = None,
                    progress: Progress | None = None) -> Manifest:
        """Pack, encrypt and lock `local_dir` under a new `prefix` on every site; the manifest last."""
        prefix, key = norm_prefix(prefix), self.key_for(app)
        for site in self.sites:
            if site.exists(f"{prefix}/{MANIFEST_NAME}"):
                raise InputError("a backup already exists there; backups are never overwritten", where=prefix)
        until = until or self.retention.until()
        packer = TreePacker(Path(local_dir), self.segment_size)

        def store(item: tuple[int, bytearray]) -> Segment:
            index, body = item
            segment = Segment(len(body), hashlib.sha256(body).hexdigest())
            for site in self.sites:
                site.put(segment_key(prefix, index), body, segment.sha256, key, self.retention, until)
            if progress:
                progress(segment.size)
            return segment
        segments = list(_windowed(store, enumerate(packer.segments()), self.workers))
        manifest = packer.manifest(segments, key.key_id)
        body = manifest.to_json().encode()
        for site in self.sites:
            site.put(f"{prefix}/{MANIFEST_NAME}", body, hashlib.sha256(body).hexdigest(), key,
                     self.retention, until)
        return manifest

    # -- reading -------------------------------------------------------------------------

    def read_manifest(self, prefix: str, *, app: str, site: int = 0,
                      expected_digest: str | None = None) -> Manifest:
        """The manifest on one site, checked against the recorded digest and the app's key."""
        store, key = self.sites[site], self.key_for(app)
        where = f"{store.name}: s3://{store.bucket}/{norm_prefix(prefix)}/{MANIFEST_NAME}"
        manifest = Manifest.from_json(store.get(f"{norm_prefix(prefix)}/{MANIFEST_NAME}", key), where=where)
        if expected_digest is not None and manifest.digest() != expected_digest:
            raise CorruptObject(f"manifest digest {manifest.digest()} is not the recorded {expected_digest}",
                                key=where)
        if manifest.key_id != key.key_id:
            raise InputError(f"backup was encrypted with key {manifest.key_id}, not {key.key_id}", where=where)
        return manifest

    def download_tree(self, prefix: str, dest_dir: Path, *, app: str, expected_digest: str | None = None,
                      progress: Progress | None = None, site: int = 0) -> Manifest:
        """Download and verify every byte, then atomically put the tree at `dest_dir`.

        On any failure `dest_dir` is untouched and no temp dir is left behind."""
        manifest = self.read_manifest(prefix, app=app, site=site, expected_digest=expected_digest)
        dest = Path(dest_dir).absolute()
        dest.parent.mkdir(parents=True, exist_ok=True)
        sweep_dead_partials(dest)
        staging = Path(tempfile.mkdtemp(prefix=f".{dest.name}.dcc-partial-{os.getpid()}-", dir=dest.parent))
        try:
            self._unpack(prefix, manifest, app, site, staging, progress)
            make_links(manifest, staging)
            apply_dirs(manifest, staging)
            make_durable(staging)
            place(staging, dest)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        return manifest

    def verify_tree(self, prefix: str, *, app: str, expected_digest: str | None = None,
                    progress: Progress | None = None, site: int = 0) -> Manifest:
        """Read every object of a backup on one site and check it against the manifest, writing
        nothing; CorruptObject names the first bad object or file."""
        manifest = self.read_manifest(prefix, app=app, site=site, expected_digest=expected_digest)
        self._unpack(prefix, manifest, app, site, None, progress)
        return manifest

    def verify_sites(self, prefix: str, *, app: str, expected_digest: str) -> list[str]:
        """One line per site whose copy fails verification (empty: every copy checks out)."""
        from migration.errors import DccError

        problems = []
        for index, store in enumerate(self.sites):
            try:
                self.verify_tree(prefix, app=app, expected_digest=expected_digest, site=index)
            except DccError as exc:
                problems.append(f"{store.name}: {exc.line()}")
        return problems

    def lock_status(self, prefix: str, *, app: str, site: int = 0) -> tuple[str | None, datetime | None]:
        """The server's lock on the backup's manifest object: (mode, retain-until)."""
        return self.sites[site].lock_of(f"{norm_prefix(prefix)}/{MANIFEST_NAME}", self.key_for(app))

    def _unpack(self, prefix: str, manifest: Manifest, app: str, site: int, staging: Path | None,
                progress: Progress | None) -> None:
        store, key, prefix = self.sites[site], self.key_for(app), norm_prefix(prefix)

        def fetch(item: tuple[int, Segment]) -> bytes:
            index, segment = item
            name = segment_key(prefix, index)
            try:
                body = store.get(name, key)
            except InputError as exc:  # a manifest that names a missing object: the backup is broken
                raise CorruptObject("object is missing", key=f"{store.name}: s3://{store.bucket}/{name}") from exc
            if len(body) != segment.size or hashlib.sha256(body).hexdigest() != segment.sha256:
                raise CorruptObject(f"object does not match the manifest (size {len(body)} vs {segment.size})",
                                    key=f"{store.name}: s3://{store.bucket}/{name}")
            return body
        unpacker = TreeUnpacker(manifest, staging, where=f"{store.name}: s3://{store.bucket}/{prefix}")
        try:
            for body in _windowed(fetch, enumerate(manifest.segments), self.workers):
                unpacker.feed(body)
                if progress:
                    progress(len(body))
            unpacker.close()
        finally:
            unpacker.abort()


def segment_key(prefix: str, index: int) -> str:
    return f"{prefix}/data/{index:06d}"


def norm_prefix(prefix: str) -> str:
    norm = prefix.strip("/")
    if not norm or not safe_relpath(norm):
        raise InputError(f"bad object prefix {prefix!r} (use e.g. <estate>/<app>/<stamp>)", where="prefix")
    return norm


def _windowed(fn: Callable[[T], R], items: Iterable[T], width: int) -> Iterator[R]:
    """`fn` over `items` on `width` threads, results in order, at most 2 x `width` in flight (so
    memory stays flat however large the tree); the first failure stops the rest."""
    pending: deque[Future[R]] = deque()
    with ThreadPoolExecutor(max_workers=width) as pool:
        try:
            for item in items:
                pending.append(pool.submit(fn, item))
                if len(pending) >= 2 * width:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
        finally:
            for future in pending:
                future.cancel()
