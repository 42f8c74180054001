"""Object transfer against a real S3 endpoint (moto server mode on loopback): manifests, resume,
corruption caught before anything is put in place, atomic placement, multipart."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from botocore.config import Config

from migration.errors import CorruptObject, InputError, RemoteError
from migration.objectstore_server import LocalS3Server
from migration.transfer import Manifest, ObjectStore, build_manifest

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    with LocalS3Server() as server:
        yield server.endpoint_url


@pytest.fixture
def store(endpoint: str, request: pytest.FixtureRequest) -> ObjectStore:
    """A fresh bucket per test, named after it, so tests never see each other's objects."""
    name = "t-" + hashlib.sha256(request.node.nodeid.encode()).hexdigest()[:20]
    created = ObjectStore(endpoint, name)
    created.ensure_bucket()
    return created


@pytest.fixture(scope="module")
def raw(endpoint: str):
    """A plain S3 client for the test's own tampering (the code under test never sees it)."""
    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="t",
        aws_secret_access_key="t",
        config=Config(s3={"addressing_style": "path"}),
    )


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "src"
    (root / "db" / "dumps").mkdir(parents=True)
    (root / "files").mkdir()
    (root / "db" / "dumps" / "simpeg.sql").write_bytes(b"CREATE TABLE pegawai (id int);\n" * 1000)
    (root / "files" / "surat 01.pdf").write_bytes(os.urandom(70_000))
    (root / "files" / "empty").write_bytes(b"")
    (root / "etc-init.d-simpeg").write_bytes(b"#!/bin/sh\necho start\n")
    os.chmod(root / "etc-init.d-simpeg", 0o755)
    os.symlink("surat 01.pdf", root / "files" / "latest.pdf")
    os.symlink("../files", root / "db" / "files-link")  # a directory link, restored as a link
    (root / "manifest.json").write_text("a user file that happens to share our manifest's name")
    return root


def _tree_state(root: Path) -> dict[str, bytes]:
    """Every file's bytes and mode, and every link's target, by relative path."""
    return {
        p.relative_to(root).as_posix(): (os.readlink(p),)
        if p.is_symlink()
        else (p.read_bytes(), p.stat().st_mode & 0o777)
        for p in sorted(root.rglob("*"))
        if p.is_symlink() or p.is_file()
    }


def _leftovers(parent: Path) -> list[str]:
    return [p.name for p in parent.iterdir() if ".dcc-partial-" in p.name]


def test_round_trip_restores_the_exact_tree_and_manifest(
    store: ObjectStore, tree: Path, tmp_path: Path
) -> None:
    sent = store.upload_tree(tree, "simpeg/2027-01-04")
    assert sent == build_manifest(tree) and len(sent.entries) == 7
    assert store.read_manifest("simpeg/2027-01-04") == sent
    got = store.download_tree("simpeg/2027-01-04", tmp_path / "restored", expected_digest=sent.digest())
    assert got.digest() == sent.digest()
    assert _tree_state(tmp_path / "restored") == _tree_state(tree)
    assert _leftovers(tmp_path) == []


def test_resume_skips_objects_whose_recorded_sha256_matches(store: ObjectStore, raw, tree: Path) -> None:
    """Interrupted upload: no manifest yet, one object missing, one stale. Rerun sends only those two."""
    store.upload_tree(tree, "p")
    bucket, sql_key = store.bucket, "p/data/db/dumps/simpeg.sql"
    raw.delete_object(Bucket=bucket, Key="p/manifest.json")
    raw.delete_object(Bucket=bucket, Key="p/data/files/surat 01.pdf")
    stale = b"x" * 20
    raw.put_object(Bucket=bucket, Key="p/data/files/empty", Body=stale, Metadata={"sha256": "0" * 64})
    # Same bytes as the original under the same sha256: if resume re-sent it, this marker would be gone.
    marker = (tree / "db" / "dumps" / "simpeg.sql").read_bytes()
    raw.put_object(
        Bucket=bucket,
        Key=sql_key,
        Body=marker,
        Metadata={"sha256": hashlib.sha256(marker).hexdigest(), "marker": "kept"},
    )
    with pytest.raises(InputError, match="no such object"):
        store.read_manifest("p")  # no manifest = the backup is not complete
    store.upload_tree(tree, "p")
    assert raw.head_object(Bucket=bucket, Key=sql_key)["Metadata"].get("marker") == "kept", (
        "matching object re-sent"
    )
    assert raw.get_object(Bucket=bucket, Key="p/data/files/empty")["Body"].read() == b"", "stale object kept"
    assert raw.head_object(Bucket=bucket, Key="p/data/files/surat 01.pdf")["ContentLength"] == 70_000
    assert store.read_manifest("p") == build_manifest(tree)


@pytest.mark.parametrize(
    ("tamper", "fragment"),
    [
        (lambda data: bytes([data[0] ^ 1]) + data[1:], "sha256"),  # same size, one bit flipped
        (lambda data: data[:-10], "size"),
    ],
)
def test_corruption_is_caught_before_anything_is_placed(
    store: ObjectStore, raw, tree: Path, tmp_path: Path, tamper, fragment: str
) -> None:
    sent = store.upload_tree(tree, "p")
    key = "p/data/db/dumps/simpeg.sql"
    original = raw.get_object(Bucket=store.bucket, Key=key)
    # Keep the metadata: bit rot or a tampered object does not update our recorded sha256.
    raw.put_object(
        Bucket=store.bucket, Key=key, Body=tamper(original["Body"].read()), Metadata=original["Metadata"]
    )
    dest = tmp_path / "live"
    dest.mkdir()
    (dest / "still-serving.txt").write_text("the source keeps serving")
    before = _tree_state(dest)
    with pytest.raises(CorruptObject) as caught:
        store.download_tree("p", dest, expected_digest=sent.digest())
    assert caught.value.key == f"s3://{store.bucket}/{key}" and fragment in caught.value.line()
    assert _tree_state(dest) == before, "the destination was touched"
    assert _leftovers(tmp_path) == []


def test_verify_tree_reads_every_object_and_writes_nothing(
    store: ObjectStore, raw, tree: Path, tmp_path: Path
) -> None:
    sent = store.upload_tree(tree, "p")
    before = sorted(tmp_path.rglob("*"))
    seen: list[int] = []
    assert store.verify_tree("p", expected_digest=sent.digest(), progress=seen.append) == sent
    assert sum(seen) == sent.total_bytes and sorted(tmp_path.rglob("*")) == before
    key = "p/data/files/surat 01.pdf"
    raw.put_object(Bucket=store.bucket, Key=key, Body=b"ransomware was here", Metadata={"sha256": "0" * 64})
    with pytest.raises(CorruptObject) as caught:
        store.verify_tree("p", expected_digest=sent.digest())
    assert caught.value.key == f"s3://{store.bucket}/{key}"


def test_a_tampered_manifest_is_refused_by_its_recorded_digest(
    store: ObjectStore, raw, tree: Path, tmp_path: Path
) -> None:
    sent = store.upload_tree(tree, "p")
    forged = Manifest(sent.entries[:-1])  # an attacker drops a file from the manifest
    raw.put_object(Bucket=store.bucket, Key="p/manifest.json", Body=forged.to_json().encode())
    with pytest.raises(CorruptObject, match="is not the recorded"):
        store.download_tree("p", tmp_path / "out", expected_digest=sent.digest())
    assert not (tmp_path / "out").exists()


def test_a_missing_object_fails_the_restore_and_names_the_key(
    store: ObjectStore, raw, tree: Path, tmp_path: Path
) -> None:
    store.upload_tree(tree, "p")
    raw.delete_object(Bucket=store.bucket, Key="p/data/files/empty")
    with pytest.raises(InputError) as caught:
        store.download_tree("p", tmp_path / "out")
    assert caught.value.where == "p/data/files/empty"
    assert not (tmp_path / "out").exists() and _leftovers(tmp_path) == []


@pytest.mark.parametrize("existing", ["absent", "empty", "full"])
def test_placement_replaces_the_destination_as_a_whole(
    store: ObjectStore, tree: Path, tmp_path: Path, existing: str
) -> None:
    store.upload_tree(tree, "p")
    dest = tmp_path / "out"
    if existing != "absent":
        dest.mkdir()
    if existing == "full":
        (dest / "old-only.txt").write_text("from an earlier restore")
        (dest / "db").mkdir()
    store.download_tree("p", dest)
    assert _tree_state(dest) == _tree_state(tree), "the destination must hold exactly the restored tree"
    assert _leftovers(tmp_path) == []


def test_the_restored_root_gets_a_usable_mode_not_the_temp_dirs_0700(
    store: ObjectStore, tree: Path, tmp_path: Path
) -> None:
    store.upload_tree(tree, "p")
    store.download_tree("p", tmp_path / "fresh")
    assert (tmp_path / "fresh").stat().st_mode & 0o777 == 0o755
    (tmp_path / "kept").mkdir(mode=0o750)
    (tmp_path / "kept" / "old").write_text("old")
    store.download_tree("p", tmp_path / "kept")
    assert (tmp_path / "kept").stat().st_mode & 0o777 == 0o750, "an existing destination keeps its mode"


def test_temp_trees_of_a_dead_download_are_swept_and_live_ones_kept(
    store: ObjectStore, tree: Path, tmp_path: Path
) -> None:
    import subprocess

    store.upload_tree(tree, "p")
    dead_pid = subprocess.Popen(["true"])
    dead_pid.wait()
    dead = tmp_path / f".out.dcc-partial-{dead_pid.pid}-abc"
    live = tmp_path / f".out.dcc-partial-{os.getpid()}-xyz"  # ours: alive, so not ours to delete
    for path in (dead, live):
        path.mkdir()
        (path / "half.bin").write_bytes(b"half")
    store.download_tree("p", tmp_path / "out")
    assert not dead.exists() and live.exists()


def test_a_file_changed_after_hashing_fails_the_backup_and_writes_no_manifest(
    store: ObjectStore, tree: Path
) -> None:
    victim = tree / "db" / "dumps" / "simpeg.sql"

    def writer_strikes(_n: int) -> None:  # called once hashing is done, before anything is sent
        if victim.stat().st_size == 31_000:
            with open(victim, "ab") as fh:
                fh.write(b"INSERT INTO pegawai VALUES (1);\n")

    with pytest.raises(InputError, match="file changed while it was being backed up") as caught:
        store.upload_tree(tree, "p", progress=writer_strikes)
    assert caught.value.where == str(victim)
    with pytest.raises(InputError, match="no such object"):
        store.read_manifest("p")


def test_a_20_mb_file_goes_multipart_and_round_trips(store: ObjectStore, raw, tmp_path: Path) -> None:
    src = tmp_path / "big"
    src.mkdir()
    (src / "data.bin").write_bytes(os.urandom(20 * 1024 * 1024))
    sent = store.upload_tree(src, "big")
    etag = raw.head_object(Bucket=store.bucket, Key="big/data/data.bin")["ETag"]
    assert "-" in etag, f"expected a multipart ETag (with a part count), got {etag}"
    store.download_tree("big", tmp_path / "restored")
    assert build_manifest(tmp_path / "restored") == sent


def test_a_missing_bucket_is_one_clear_line(endpoint: str, tree: Path) -> None:
    with pytest.raises(InputError) as caught:
        ObjectStore(endpoint, "never-created").upload_tree(tree, "p")
    assert caught.value.where == "s3://never-created" and "bucket does not exist" in caught.value.line()


def test_a_prefix_never_uploaded_is_one_clear_line(store: ObjectStore, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such object"):
        store.download_tree("nothing/here", tmp_path / "out")
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("prefix", ["", "/", "a/../b", "../up"])
def test_unsafe_prefixes_are_refused(endpoint: str, tree: Path, prefix: str) -> None:
    with pytest.raises(InputError) as caught:
        ObjectStore(endpoint, "dcc-backups").upload_tree(tree, prefix)
    assert caught.value.where == "prefix"


def test_an_endpoint_nobody_listens_on_is_a_remote_error(tree: Path) -> None:
    with LocalS3Server() as server:
        dead = server.endpoint_url  # a loopback port that was just freed
    with pytest.raises(RemoteError, match=f"cannot reach S3 endpoint {dead}"):
        ObjectStore(dead, "dcc-backups").ensure_bucket()
