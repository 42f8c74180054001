"""The backup store: SHA-256 manifests, packed and encrypted objects on one or more S3 sites with
object lock, atomic placement of restored trees, the residency rule that says which endpoints
backups may go to (`residency`, checked before any byte leaves a host), and the local SeaweedFS
server for the lab.

The only package that imports boto3.
"""

from migration.backupstore.backups import BackupStore, backup_stamp
from migration.backupstore.keys import BackupKey, KeyRing
from migration.backupstore.manifest import Manifest, ManifestEntry, Segment
from migration.backupstore.objectstore import ObjectStore
from migration.backupstore.packing import build_manifest
from migration.backupstore.retention import Retention

__all__ = ["BackupKey", "BackupStore", "KeyRing", "Manifest", "ManifestEntry", "ObjectStore", "Retention",
           "Segment", "backup_stamp", "build_manifest"]
