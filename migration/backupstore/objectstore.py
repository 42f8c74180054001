"""One S3 site: a bucket with object lock on an S3-compatible endpoint, read and written whole
objects at a time with customer-provided keys (SSE-C). The only module that imports boto3.

S3 ETags and checksums are never trusted for verification: callers hash what comes back.
"""

from __future__ import annotations

import base64
import functools
import os
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from migration.backupstore.keys import BackupKey
from migration.backupstore.retention import Retention
from migration.errors import CorruptObject, InputError, RemoteError


class ObjectStore:
    """A bucket on one S3-compatible endpoint (path-style addressing); `name` labels the site."""

    def __init__(
        self,
        endpoint_url: str,
        bucket: str,
        *,
        name: str = "site-1",
        access_key: str | None = None,
        secret_key: str | None = None,
        region: str = "us-east-1",
    ) -> None:
        _check_endpoint(endpoint_url)
        _check_bucket_name(bucket)
        self.endpoint_url, self.bucket, self.region, self.name = endpoint_url, bucket, region, name
        self._s3 = _client(
            endpoint_url,
            region,
            access_key or _env("DCC_S3_ACCESS_KEY", "AWS_ACCESS_KEY_ID", default="dcc"),
            secret_key or _env("DCC_S3_SECRET_KEY", "AWS_SECRET_ACCESS_KEY", default="dcc-secret"),
        )

    def ensure_bucket(self) -> None:
        """Create the bucket with object lock (hence versioning) if missing; refuse one without it."""
        args: dict[str, Any] = {"Bucket": self.bucket, "ObjectLockEnabledForBucket": True}
        if self.region != "us-east-1":
            args["CreateBucketConfiguration"] = {"LocationConstraint": self.region}
        with self.errors(f"s3://{self.bucket}"):
            try:
                self._s3.create_bucket(**args)
            except (self._s3.exceptions.BucketAlreadyOwnedByYou, self._s3.exceptions.BucketAlreadyExists):
                pass
            config = self._s3.get_object_lock_configuration(Bucket=self.bucket)
        if config.get("ObjectLockConfiguration", {}).get("ObjectLockEnabled") != "Enabled":
            raise InputError(f"bucket has no object lock at {self.endpoint_url}; backups need a bucket "
                             "created with object lock", where=f"s3://{self.bucket}")

    def exists(self, key: str) -> bool:
        """Whether any object is stored at `key` (a listing: no key needed, a missing bucket is named)."""
        with self.errors(key):
            listed = self._s3.list_objects_v2(Bucket=self.bucket, Prefix=key, MaxKeys=1)
        return any(o["Key"] == key for o in listed.get("Contents", []))

    def put(self, key: str, body: bytes | bytearray, sha256_hex: str, secret: BackupKey,
            retention: Retention, until: datetime) -> None:
        """Write one object, encrypted by the server with `secret`, locked until `until`."""
        with self.errors(key):
            answer = self._s3.put_object(
                Bucket=self.bucket, Key=key, Body=bytes(body) if isinstance(body, memoryview) else body,
                ContentLength=len(body), ChecksumSHA256=base64.b64encode(bytes.fromhex(sha256_hex)).decode(),
                ObjectLockMode=retention.mode, ObjectLockRetainUntilDate=until, **_sse(secret))
        if answer.get("SSECustomerAlgorithm") != "AES256":
            # A store that ignores SSE-C would keep the backup in clear: refuse rather than pretend.
            raise RemoteError(f"S3 endpoint {self.endpoint_url} did not confirm encryption (SSE-C)", where=key)

    def get(self, key: str, secret: BackupKey) -> bytes:
        """The object's bytes, decrypted by the server with `secret`."""
        with self.errors(key, reading=True):
            return bytes(self._s3.get_object(Bucket=self.bucket, Key=key, **_sse(secret))["Body"].read())

    def lock_of(self, key: str, secret: BackupKey) -> tuple[str | None, datetime | None]:
        """The server's own view of an object's lock: (mode, retain-until)."""
        with self.errors(key):
            head = self._s3.head_object(Bucket=self.bucket, Key=key, **_sse(secret))
        return head.get("ObjectLockMode"), head.get("ObjectLockRetainUntilDate")

    def errors(self, what: str, *, reading: bool = False) -> _S3Errors:
        return _S3Errors(self, what, reading)


def _sse(secret: BackupKey) -> dict[str, Any]:
    return {"SSECustomerAlgorithm": "AES256", "SSECustomerKey": secret.secret}


def _env(*names: str, default: str) -> str:
    """The first of these environment variables that is set; the lab's endpoint uses the default."""
    return next((os.environ[n] for n in names if os.environ.get(n)), default)


def _check_endpoint(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InputError(f"not an S3 endpoint URL: {url!r} (e.g. http://127.0.0.1:8333)", where="endpoint")


def _check_bucket_name(bucket: str) -> None:
    ok = (
        3 <= len(bucket) <= 63
        and bucket[0].isalnum()
        and bucket[-1].isalnum()
        and all(ch.islower() or ch.isdigit() or ch in "-." for ch in bucket)
    )
    if not ok:
        raise InputError(f"not a valid bucket name: {bucket!r} (3-63 of a-z 0-9 . -)", where="bucket")


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
        max_pool_connections=32,
        # We send our own SHA-256 with each PUT; botocore's default CRCs are not needed.
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required",
    )
    return session.client("s3", endpoint_url=endpoint_url, config=config)


class _S3Errors:
    """Turn botocore failures into one-line DccErrors naming the endpoint, bucket or key."""

    def __init__(self, store: ObjectStore, what: str, reading: bool) -> None:
        self.store, self.what, self.reading = store, what, reading

    def __enter__(self) -> None:
        return None

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, _tb: object) -> None:
        if exc is None:
            return
        from botocore.exceptions import (
            ClientError,
            ConnectionClosedError,
            EndpointConnectionError,
            ReadTimeoutError,
        )

        if isinstance(exc, (EndpointConnectionError, ConnectionClosedError, ReadTimeoutError)):
            raise RemoteError(f"cannot reach S3 endpoint {self.store.endpoint_url} ({self.store.name})") from exc
        if isinstance(exc, ClientError):
            raise _client_error(exc, self.store, self.what, self.reading) from exc


def _client_error(exc: Any, store: ObjectStore, what: str, reading: bool) -> Exception:
    error = exc.response.get("Error", {})
    code, status = str(error.get("Code", "")), exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    where = f"{store.name}: s3://{store.bucket}/{what}" if not what.startswith("s3://") else what
    if code == "NoSuchBucket":
        return InputError(f"bucket does not exist at {store.endpoint_url}", where=f"s3://{store.bucket}")
    if code in ("NoSuchKey", "404", "NotFound", "NoSuchVersion"):
        return InputError("no such object (was this backup ever written?)", where=where)
    if reading and (code in ("InvalidRequest", "InvalidArgument", "400") or status == 400):
        # An object not written with this key (e.g. replaced by someone without it) reads as 400.
        return CorruptObject(f"object cannot be read with the backup's key ({code})", key=where)
    if code in ("AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch", "403"):
        return RemoteError(f"S3 endpoint {store.endpoint_url} refused us ({code}: wrong access key, or not "
                           "the key this backup was encrypted with)", where=where)
    return RemoteError(f"S3 error {code}: {error.get('Message', '')}", where=where)
