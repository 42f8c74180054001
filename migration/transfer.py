"""Object-storage transfer of directory trees with our own SHA-256 manifests.

Uploads resume (objects whose recorded sha256 matches are skipped); downloads verify every
object against the manifest in a temp dir beside the destination before one atomic rename.
S3 ETags and checksums are never trusted. The only module that imports boto3.
"""

from __future__ import annotations

import functools
import hashlib
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from migration.errors import CorruptObject, InputError, RemoteError
from migration.manifest import (
    CHUNK,
    MANIFEST_NAME,
    Manifest,
    ManifestEntry,
    Stamp,
    build_manifest,
    manifest_with_stamps,
    safe_relpath,
)
from migration.placement import make_durable, make_links, place, sweep_dead_partials

__all__ = ["CorruptObject", "Manifest", "ManifestEntry", "ObjectStore", "build_manifest"]

Progress = Callable[[int], None]
MULTIPART_THRESHOLD = 8 * CHUNK  # smaller files go up in one PUT


class ObjectStore:
    """A bucket on an S3-compatible endpoint (path-style addressing), holding trees under prefixes."""

    def __init__(
        self,
        endpoint_url: str,
        bucket: str,
        *,
        access_key: str | None = None,
        secret_key: str | None = None,
        region: str = "us-east-1",
        max_workers: int = 4,
    ) -> None:
        _check_endpoint(endpoint_url)
        _check_bucket_name(bucket)
        self.endpoint_url, self.bucket, self.region = endpoint_url, bucket, region
        self._max_workers = max_workers
        self._s3 = _client(
            endpoint_url,
            region,
            access_key or _env("DCC_S3_ACCESS_KEY", "AWS_ACCESS_KEY_ID", default="dcc"),
            secret_key or _env("DCC_S3_SECRET_KEY", "AWS_SECRET_ACCESS_KEY", default="dcc-secret"),
        )

    # -- buckets and keys ----------------------------------------------------------------

    def ensure_bucket(self) -> None:
        """Create the bucket if it does not exist yet."""
        try:
            with _s3_errors(self, f"s3://{self.bucket}"):
                self._s3.head_bucket(Bucket=self.bucket)
            return
        except InputError:
            pass  # missing: create it below
        args: dict[str, Any] = {"Bucket": self.bucket}
        if self.region != "us-east-1":
            args["CreateBucketConfiguration"] = {"LocationConstraint": self.region}
        with _s3_errors(self, f"s3://{self.bucket}"):
            try:
                self._s3.create_bucket(**args)
            except self._s3.exceptions.BucketAlreadyOwnedByYou:
                pass

    def _key(self, prefix: str, rel: str) -> str:
        return f"{_norm_prefix(prefix)}/data/{rel}"

    def _manifest_key(self, prefix: str) -> str:
        return f"{_norm_prefix(prefix)}/{MANIFEST_NAME}"

    # -- upload --------------------------------------------------------------------------

    def upload_tree(self, local_dir: Path, prefix: str, *, progress: Progress | None = None) -> Manifest:
        """Upload a tree and then its manifest (the commit marker); objects already there are skipped."""
        _norm_prefix(prefix)  # refuse a bad prefix before hashing a large tree
        manifest, stamps = manifest_with_stamps(local_dir)
        present = self._present_sha256(prefix, manifest)
        todo = [
            e
            for e in manifest.entries
            if e.link is None and present.get(self._key(prefix, e.path)) != (e.size, e.sha256)
        ]
        if progress:
            progress(manifest.total_bytes - sum(e.size for e in todo))  # skipped bytes count as done
        with ThreadPoolExecutor(max_workers=self._max_workers) as pool:
            for _ in pool.map(
                lambda e: self._upload_one(Path(local_dir), prefix, e, stamps[e.path], progress), todo
            ):
                pass
        body = manifest.to_json().encode()
        with _s3_errors(self, self._manifest_key(prefix)):
            self._s3.put_object(
                Bucket=self.bucket,
                Key=self._manifest_key(prefix),
                Body=body,
                ContentType="application/json",
                Metadata={"sha256": _sha(body)},
            )
        return manifest

    def _present_sha256(self, prefix: str, manifest: Manifest) -> dict[str, tuple[int, str]]:
        """Key -> (size, recorded sha256) of objects already under the prefix that could be skipped.

        Only objects whose listed size matches the manifest are asked for their metadata (HEAD, in
        parallel); anything else is re-sent anyway.
        """
        wanted = {self._key(prefix, e.path): e.size for e in manifest.entries if e.link is None}
        data_prefix = f"{_norm_prefix(prefix)}/data/"
        with _s3_errors(self, f"s3://{self.bucket}/{data_prefix}"):
            pages = self._s3.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=data_prefix)
            candidates = [
                o["Key"]
                for page in pages
                for o in page.get("Contents", [])
                if wanted.get(o["Key"]) == o["Size"]
            ]
        with ThreadPoolExecutor(max_workers=self._max_workers) as pool:
            return dict(zip(candidates, pool.map(self._recorded, candidates), strict=True))

    def _recorded(self, key: str) -> tuple[int, str]:
        with _s3_errors(self, key):
            head = self._s3.head_object(Bucket=self.bucket, Key=key)
        return head["ContentLength"], head.get("Metadata", {}).get("sha256", "")

    def _upload_one(
        self, root: Path, prefix: str, entry: ManifestEntry, hashed: Stamp, progress: Progress | None
    ) -> None:
        path, key = root / entry.path, self._key(prefix, entry.path)
        with _s3_errors(self, key):
            if entry.size < MULTIPART_THRESHOLD:
                # One PUT: boto3's transfer manager costs more client CPU than a small object itself.
                with open(path, "rb") as body:
                    self._s3.put_object(Bucket=self.bucket, Key=key, Body=body, ContentLength=entry.size,
                                        Metadata={"sha256": entry.sha256})
                if progress:
                    progress(entry.size)
            else:
                self._s3.upload_file(
                    str(path),
                    self.bucket,
                    key,
                    Config=_transfer_config(),
                    ExtraArgs={"Metadata": {"sha256": entry.sha256}},
                    Callback=progress,
                )
        after = path.stat()
        if (after.st_size, after.st_mtime_ns) != hashed or after.st_size != entry.size:
            # The object may not match its recorded sha256: say so instead of keeping a bad backup.
            raise InputError(
                "file changed while it was being backed up; stop the writer and retry", where=str(path)
            )

    # -- download ------------------------------------------------------------------------

    def read_manifest(self, prefix: str) -> Manifest:
        """Fetch and parse the manifest stored under `prefix`."""
        key = self._manifest_key(prefix)
        with _s3_errors(self, key):
            body = self._s3.get_object(Bucket=self.bucket, Key=key)["Body"].read()
        return Manifest.from_json(body, where=f"s3://{self.bucket}/{key}")

    def download_tree(
        self,
        prefix: str,
        dest_dir: Path,
        *,
        expected_digest: str | None = None,
        progress: Progress | None = None,
    ) -> Manifest:
        """Download, verify every object, then atomically put the tree at `dest_dir`.

        If `expected_digest` (e.g. from the state store) is given, the manifest must match it.
        On any failure `dest_dir` is untouched and no temp dir is left behind.
        """
        manifest = self._checked_manifest(prefix, expected_digest)
        dest = Path(dest_dir).absolute()
        dest.parent.mkdir(parents=True, exist_ok=True)
        sweep_dead_partials(dest)
        staging = Path(tempfile.mkdtemp(prefix=f".{dest.name}.dcc-partial-{os.getpid()}-", dir=dest.parent))
        try:
            with ThreadPoolExecutor(max_workers=self._max_workers) as pool:
                for _ in pool.map(
                    lambda e: self._fetch_verified(prefix, e, staging, progress),
                    [e for e in manifest.entries if e.link is None],
                ):
                    pass
            make_links(manifest, staging)
            make_durable(staging)
            place(staging, dest)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        return manifest

    def verify_tree(
        self, prefix: str, *, expected_digest: str | None = None, progress: Progress | None = None
    ) -> Manifest:
        """Read every object of a backup and check it against the manifest, writing nothing.

        The audit behind "proven backups": CorruptObject names the first bad object.
        """
        manifest = self._checked_manifest(prefix, expected_digest)
        with ThreadPoolExecutor(max_workers=self._max_workers) as pool:
            for _ in pool.map(
                lambda e: self._fetch_verified(prefix, e, None, progress),
                [e for e in manifest.entries if e.link is None],
            ):
                pass
        return manifest

    def _checked_manifest(self, prefix: str, expected_digest: str | None) -> Manifest:
        manifest = self.read_manifest(prefix)
        if expected_digest is not None and manifest.digest() != expected_digest:
            raise CorruptObject(
                f"manifest digest {manifest.digest()} is not the recorded {expected_digest}",
                key=self._manifest_key(prefix),
            )
        return manifest

    def _fetch_verified(
        self, prefix: str, entry: ManifestEntry, staging: Path | None, progress: Progress | None
    ) -> None:
        """Stream one object (into the staging dir, if given), hashing as it comes; a mismatch
        raises CorruptObject."""
        key = self._key(prefix, entry.path)
        digest, size = hashlib.sha256(), 0
        with _s3_errors(self, key), _sink(staging, entry) as out:
            body = self._s3.get_object(Bucket=self.bucket, Key=key)["Body"]
            for chunk in body.iter_chunks(CHUNK):
                digest.update(chunk)
                size += len(chunk)
                out(chunk)
                if progress:
                    progress(len(chunk))
        if size != entry.size or digest.hexdigest() != entry.sha256:
            raise CorruptObject(
                f"object does not match the manifest (size {size} vs {entry.size}, "
                f"sha256 {digest.hexdigest()[:12]}… vs {entry.sha256[:12]}…)",
                key=f"s3://{self.bucket}/{key}",
            )


@contextmanager
def _sink(staging: Path | None, entry: ManifestEntry) -> Iterator[Callable[[bytes], object]]:
    """Where fetched bytes go: a file with the entry's mode, or nowhere (verify only)."""
    if staging is None:
        yield lambda _chunk: None
        return
    target = staging / entry.path
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target, "wb") as out:
        yield out.write
    os.chmod(target, entry.mode)  # flushed to disk for the whole tree at once, before it is placed


def _env(*names: str, default: str) -> str:
    """The first of these environment variables that is set; the local endpoint accepts any key."""
    return next((os.environ[n] for n in names if os.environ.get(n)), default)


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _norm_prefix(prefix: str) -> str:
    norm = prefix.strip("/")
    if not norm or not safe_relpath(norm):
        raise InputError(f"bad object prefix {prefix!r} (use e.g. backups/<app>/<stamp>)", where="prefix")
    return norm


def _check_endpoint(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InputError(f"not an S3 endpoint URL: {url!r} (e.g. http://127.0.0.1:9000)", where="endpoint")


def _check_bucket_name(bucket: str) -> None:
    ok = (
        3 <= len(bucket) <= 63
        and bucket[0].isalnum()
        and bucket[-1].isalnum()
        and all(ch.islower() or ch.isdigit() or ch in "-." for ch in bucket)
    )
    if not ok:
        raise InputError(f"not a valid bucket name: {bucket!r} (3-63 of a-z 0-9 . -)", where="bucket")


def _transfer_config() -> Any:
    from boto3.s3.transfer import TransferConfig

    # 8 MiB parts: big data files go multipart; boto3's manager parallelises the parts.
    return TransferConfig(multipart_threshold=MULTIPART_THRESHOLD, multipart_chunksize=MULTIPART_THRESHOLD,
                          max_concurrency=4)


@functools.lru_cache(maxsize=16)
def _client(endpoint_url: str, region: str, access_key: str, secret_key: str) -> Any:
    """One client per endpoint and identity: building one costs ~0.2 s, and clients are thread-safe."""
    import boto3
    from botocore.config import Config

    session = boto3.session.Session(
        aws_access_key_id=access_key, aws_secret_access_key=secret_key, region_name=region
    )
    config = Config(
        s3={"addressing_style": "path"},
        connect_timeout=5,
        read_timeout=60,
        retries={"max_attempts": 3, "mode": "standard"},
        # Our manifest is the integrity check; botocore's optional CRCs break older S3 clones.
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required",
    )
    return session.client("s3", endpoint_url=endpoint_url, config=config)


class _s3_errors:
    """Turn botocore failures into one-line DccErrors naming the endpoint, bucket or key."""

    def __init__(self, store: ObjectStore, what: str) -> None:
        self.store, self.what = store, what

    def __enter__(self) -> None:
        return None

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, _tb: object) -> bool:
        if exc is None:
            return False
        from boto3.exceptions import S3UploadFailedError
        from botocore.exceptions import ClientError, ConnectionClosedError, EndpointConnectionError

        if isinstance(exc, (EndpointConnectionError, ConnectionClosedError)):
            raise RemoteError(f"cannot reach S3 endpoint {self.store.endpoint_url}") from exc
        if isinstance(exc, S3UploadFailedError):
            raise RemoteError(f"upload failed: {str(exc).splitlines()[0]}", where=self.what) from exc
        if isinstance(exc, ClientError):
            raise _client_error(exc, self.store, self.what) from exc
        return False


def _client_error(exc: Any, store: ObjectStore, what: str) -> Exception:
    code = str(exc.response.get("Error", {}).get("Code", ""))
    if code in ("NoSuchBucket",) or (code in ("404", "NotFound") and what == f"s3://{store.bucket}"):
        return InputError(f"bucket does not exist at {store.endpoint_url}", where=f"s3://{store.bucket}")
    if code in ("NoSuchKey", "404", "NotFound"):
        return InputError("no such object (was this prefix ever uploaded?)", where=what)
    if code in ("AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch", "403"):
        return RemoteError(f"S3 endpoint {store.endpoint_url} refused us ({code})", where=what)
    return RemoteError(f"S3 error {code}: {exc.response.get('Error', {}).get('Message', '')}", where=what)
