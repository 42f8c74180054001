"""What the real SeaweedFS server enforces on backups: object lock against delete, overwrite and
shortened retention; encryption at rest (a canary never lands in clear on disk); the cutover
gate needs every site's copy and refuses when a site is down."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest
from botocore.exceptions import ClientError

from migration.backupstore.server import LocalS3Server
from migration.execution.steps import backup_gate
from migration.state import StateStore
from tests.support.backupstore import bucket_for, sample_tree, sse, store_on

pytestmark = pytest.mark.integration
CANARY = b"DB_PASSWORD=canary-7f3a9c1e-not-for-clear-text"


@pytest.fixture(scope="module")
def servers() -> Iterator[list[LocalS3Server]]:
    with LocalS3Server() as first, LocalS3Server() as second:
        yield [first, second]


def _refused(call) -> str:
    with pytest.raises(ClientError) as caught:
        call()
    return str(caught.value.response["Error"]["Code"])


@pytest.mark.parametrize("mode", ["COMPLIANCE", "GOVERNANCE"])
def test_a_locked_backup_version_cannot_be_deleted_overwritten_or_unlocked(
    servers: list[LocalS3Server], tmp_path: Path, request: pytest.FixtureRequest, mode: str
) -> None:
    store = store_on([servers[0].endpoint_url], bucket_for(request.node.nodeid), mode=mode)
    sent = store.upload_tree(sample_tree(tmp_path / "src"), "lab/app/wave-1/s", app="a")
    raw, bucket, key = store.sites[0]._s3, store.bucket, "lab/app/wave-1/s/data/000000"
    [version] = raw.list_object_versions(Bucket=bucket, Prefix=key)["Versions"]
    locked = raw.get_object_retention(Bucket=bucket, Key=key, VersionId=version["VersionId"])["Retention"]
    assert locked["Mode"] == mode and locked["RetainUntilDate"] > dt.datetime.now(dt.UTC)
    delete = lambda: raw.delete_object(Bucket=bucket, Key=key, VersionId=version["VersionId"])
    assert _refused(delete) == "AccessDenied"
    batch = raw.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": key, "VersionId": version["VersionId"]}]})
    assert [e["Code"] for e in batch.get("Errors", [])] == ["AccessDenied"] and not batch.get("Deleted")
    suspend = lambda: raw.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Suspended"})
    assert _refused(suspend) == "InvalidBucketState"
    shorter = {"Mode": mode, "RetainUntilDate": dt.datetime.now(dt.UTC) + dt.timedelta(minutes=1)}
    assert _refused(lambda: raw.put_object_retention(Bucket=bucket, Key=key, VersionId=version["VersionId"],
                                                     Retention=shorter)) == "AccessDenied"
    # An overwrite is a new version on top; the locked one keeps its bytes and the backup, read
    # through the manifest's hashes, now fails verification instead of restoring the overwrite.
    raw.put_object(Bucket=bucket, Key=key, Body=b"encrypted by ransomware", **sse())
    old = raw.get_object(Bucket=bucket, Key=key, VersionId=version["VersionId"], **sse())["Body"].read()
    assert len(old) == sent.segments[0].size
    assert store.verify_sites("lab/app/wave-1/s", app="a", expected_digest=sent.digest()) != []
    assert store.lock_status("lab/app/wave-1/s", app="a")[0] == mode


def test_governance_can_be_bypassed_by_an_admin_but_compliance_cannot(
    servers: list[LocalS3Server], tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """Why production uses COMPLIANCE: with GOVERNANCE a privileged key (as ransomware with stolen
    admin credentials would hold) may delete a locked version."""
    got = {}
    for mode in ("GOVERNANCE", "COMPLIANCE"):
        store = store_on([servers[0].endpoint_url], bucket_for(request.node.nodeid + mode), mode=mode)
        store.upload_tree(sample_tree(tmp_path / mode), "p", app="a")
        raw, key = store.sites[0]._s3, "p/manifest.json"
        [version] = raw.list_object_versions(Bucket=store.bucket, Prefix=key)["Versions"]
        try:
            raw.delete_object(Bucket=store.bucket, Key=key, VersionId=version["VersionId"],
                              BypassGovernanceRetention=True)
            got[mode] = "deleted"
        except ClientError as exc:
            got[mode] = str(exc.response["Error"]["Code"])
    assert got == {"GOVERNANCE": "deleted", "COMPLIANCE": "AccessDenied"}


def _scan(folder: Path, needle: bytes) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file() and not p.is_symlink() and needle in p.read_bytes()]


def test_a_canary_secret_never_lands_in_clear_on_either_site(
    servers: list[LocalS3Server], tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    src = sample_tree(tmp_path / "src")
    (src / "config.php").write_bytes(b"<?php\n" + CANARY + b"\n")
    store = store_on([s.endpoint_url for s in servers], bucket_for(request.node.nodeid))
    sent = store.upload_tree(src, "lab/app/wave-1/s", app="a")
    for site in store.sites:
        for version in site._s3.list_object_versions(Bucket=store.bucket)["Versions"]:
            head = site._s3.head_object(Bucket=store.bucket, Key=version["Key"], **sse())
            assert head["SSECustomerAlgorithm"] == "AES256", version["Key"]
    for server in servers:
        assert server.data_dir is not None and _scan(server.data_dir, CANARY) == []
    # The scan can see clear bytes: an object stored without encryption is found.
    control = b"control-" + CANARY
    store.sites[0]._s3.put_object(Bucket=store.bucket, Key="control/plain.txt", Body=control)
    assert servers[0].data_dir is not None and _scan(servers[0].data_dir, control) != []
    for site in (0, 1):
        store.download_tree("lab/app/wave-1/s", tmp_path / f"restored-{site}", app="a",
                            expected_digest=sent.digest(), site=site)
        assert CANARY in (tmp_path / f"restored-{site}" / "config.php").read_bytes()


def test_the_cutover_gate_needs_both_sites_and_refuses_when_one_is_down(tmp_path: Path) -> None:
    with LocalS3Server() as first, LocalS3Server() as second:
        store = store_on([first.endpoint_url, second.endpoint_url], "dcc-backups")
        sent = store.upload_tree(sample_tree(tmp_path / "src"), "lab/app/wave-1/s", app="app")
        with StateStore.open(estate_dir=tmp_path) as journal:
            journal.record_backup("app", store.bucket, "lab/app/wave-1/s", sent.digest(), len(sent.entries),
                                  sent.total_bytes, sites=store.site_names)
            journal.mark_restore_verified("app", "pdn-t01")
            ctx, move = SimpleNamespace(store=journal, objects=store), SimpleNamespace(app="app")
            assert backup_gate(ctx, move) is None  # type: ignore[arg-type]
            one_site = SimpleNamespace(store=journal, objects=store_on([first.endpoint_url], "dcc-backups"))
            assert "site-2 cannot be checked" in (backup_gate(one_site, move) or "")  # type: ignore[arg-type]
            second.stop()
            refused = backup_gate(ctx, move)  # type: ignore[arg-type]
    assert refused is not None and "site-2" in refused and "cannot reach" in refused, refused


def test_backups_live_on_disk_and_survive_a_server_restart(tmp_path: Path) -> None:
    folder = tmp_path / "objects"
    with LocalS3Server(data_dir=folder) as server:
        store = store_on([server.endpoint_url], "dcc-backups")
        sent = store.upload_tree(sample_tree(tmp_path / "src"), "p", app="a")
    assert (folder / "volumes").is_dir(), "a given folder is kept after the server stops"
    with LocalS3Server(data_dir=folder) as again:
        store = store_on([again.endpoint_url], "dcc-backups")
        assert store.verify_tree("p", app="a", expected_digest=sent.digest()) == sent
