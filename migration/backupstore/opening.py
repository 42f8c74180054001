"""Build the backup store from what the user gave: one or two endpoints, a bucket, the agencies'
key file and the lock settings; buckets are created with object lock."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from migration.backupstore.backups import BackupStore
from migration.backupstore.keys import KeyRing, ensure_keys
from migration.backupstore.objectstore import ObjectStore
from migration.backupstore.retention import Retention
from migration.errors import InputError


def default_keys_file(estate_dir: Path) -> Path:
    """Where the lab's generated keys live: the estate's state, never the bucket."""
    return Path(estate_dir) / "state" / "keys" / "backup.keys"


def open_backup_store(*, estate_dir: Path, agencies: Mapping[str, str], endpoint: str | None,
                      second: str | None = None, bucket: str = "dcc-backups", keys_file: Path | None = None,
                      retention: Retention | None = None, create: bool = True) -> BackupStore:
    """`agencies` maps app id -> agency (whose key encrypts the app's backups). Without a key file
    (option or DCC_BACKUP_KEYS) the estate's default one is used, created for missing agencies."""
    endpoint = endpoint or os.environ.get("DCC_S3_ENDPOINT")
    if not endpoint:
        raise InputError("no object storage endpoint: pass --s3-endpoint or set DCC_S3_ENDPOINT",
                         where="--s3-endpoint")
    second = second or os.environ.get("DCC_S3_ENDPOINT_2")
    sites = [ObjectStore(endpoint, bucket, name="site-1")]
    if second:
        sites.append(ObjectStore(second, bucket, name="site-2"))
    given = keys_file or os.environ.get("DCC_BACKUP_KEYS")
    path = Path(given) if given else default_keys_file(estate_dir)
    if not given and create:
        ensure_keys(path, set(agencies.values()))
    store = BackupStore(sites, KeyRing.load(path), agencies=agencies, retention=retention)
    if create:
        store.ensure_buckets()
    return store
