"""The backup store against real SeaweedFS servers on loopback: round trips from each site,
backups as history, corruption caught before anything is placed (and healed by the next backup),
atomic placement, clear errors."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from migration.backupstore import BackupStore, Manifest, build_manifest
from migration.backupstore.server import LocalS3Server
from migration.errors import CorruptObject, InputError, RemoteError
from tests.support.backupstore import (
    bucket_for,
    leftovers,
    sample_tree,
    sse,
    store_on,
    tree_state,
)

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def endpoints() -> Iterator[list[str]]:
    with LocalS3Server() as first, LocalS3Server() as second:
        yield [first.endpoint_url, second.endpoint_url]


@pytest.fixture
def store(endpoints: list[str], request: pytest.FixtureRequest) -> BackupStore:
    return store_on(endpoints, bucket_for(request.node.nodeid))


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    return sample_tree(tmp_path / "src")


@pytest.mark.parametrize("site", [0, 1])
def test_round_trip_restores_the_exact_tree_from_each_site(
    store: BackupStore, tree: Path, tmp_path: Path, site: int
) -> None:
    sent = store.upload_tree(tree, "simpeg/2027-01-04", app="simpeg")
    assert sent.entries == build_manifest(tree).entries and sent.key_id == store.key_for("simpeg").key_id
    assert store.read_manifest("simpeg/2027-01-04", app="simpeg", site=site) == sent
    got = store.download_tree("simpeg/2027-01-04", tmp_path / "restored", app="simpeg",
                              expected_digest=sent.digest(), site=site)
    assert got == sent
    assert tree_state(tmp_path / "restored") == tree_state(tree)
    assert leftovers(tmp_path) == []


def test_a_backup_is_written_once_and_a_rebackup_leaves_the_earlier_verifiable(
    store: BackupStore, tree: Path
) -> None:
    first = store.upload_tree(tree, "lab/simpeg/wave-1/a", app="simpeg")
    (tree / "files" / "new.txt").write_text("written after the first backup")
    second = store.upload_tree(tree, "lab/simpeg/wave-1/b", app="simpeg")
    with pytest.raises(InputError, match="never overwritten"):
        store.upload_tree(tree, "lab/simpeg/wave-1/a", app="simpeg")
    assert store.verify_sites("lab/simpeg/wave-1/a", app="simpeg", expected_digest=first.digest()) == []
    assert store.verify_sites("lab/simpeg/wave-1/b", app="simpeg", expected_digest=second.digest()) == []
    assert first.digest() != second.digest()


def test_corruption_is_caught_before_anything_is_placed_and_the_next_backup_heals(
    store: BackupStore, tree: Path, tmp_path: Path
) -> None:
    sent = store.upload_tree(tree, "p/1", app="simpeg")
    raw = store.sites[0]._s3
    raw.put_object(Bucket=store.bucket, Key="p/1/data/000000", Body=b"-- tampered\n", **sse())
    dest = tmp_path / "out"
    dest.mkdir()
    (dest / "keep.txt").write_text("the previous restore")
    with pytest.raises(CorruptObject) as caught:
        store.download_tree("p/1", dest, app="simpeg", expected_digest=sent.digest())
    assert caught.value.key == f"site-1: s3://{store.bucket}/p/1/data/000000"
    assert [p.name for p in dest.iterdir()] == ["keep.txt"] and leftovers(tmp_path) == []
    assert store.verify_sites("p/1", app="simpeg", expected_digest=sent.digest())[0].startswith("site-1:")
    again = store.upload_tree(tree, "p/2", app="simpeg")  # the next run backs up from the source again
    store.download_tree("p/2", dest, app="simpeg", expected_digest=again.digest())
    assert tree_state(dest) == tree_state(tree)


def test_an_object_replaced_without_the_key_is_caught(store: BackupStore, tree: Path) -> None:
    sent = store.upload_tree(tree, "p", app="simpeg")
    store.sites[1]._s3.put_object(Bucket=store.bucket, Key="p/data/000000", Body=b"ransom note")
    [problem] = store.verify_sites("p", app="simpeg", expected_digest=sent.digest())
    assert problem.startswith("site-2:") and "p/data/000000" in problem


def test_verify_tree_reads_every_object_and_writes_nothing(store: BackupStore, tree: Path) -> None:
    sent = store.upload_tree(tree, "p", app="simpeg")
    seen: list[int] = []
    assert store.verify_tree("p", app="simpeg", expected_digest=sent.digest(), progress=seen.append) == sent
    assert sum(seen) == sent.total_bytes


def test_a_tampered_manifest_is_refused_by_its_recorded_digest(
    store: BackupStore, tree: Path, tmp_path: Path
) -> None:
    sent = store.upload_tree(tree, "p", app="simpeg")
    forged = Manifest(sent.entries, sent.segments, sent.segment_size, sent.key_id + "x")
    store.sites[0]._s3.put_object(Bucket=store.bucket, Key="p/manifest.json", Body=forged.to_json(), **sse())
    with pytest.raises(CorruptObject, match="is not the recorded"):
        store.download_tree("p", tmp_path / "out", app="simpeg", expected_digest=sent.digest())
    assert not (tmp_path / "out").exists() and leftovers(tmp_path) == []


def test_a_missing_object_fails_the_restore_and_names_the_key(
    store: BackupStore, tree: Path, tmp_path: Path
) -> None:
    store.upload_tree(tree, "p", app="simpeg")
    store.sites[0]._s3.delete_object(Bucket=store.bucket, Key="p/data/000000")  # a delete marker
    with pytest.raises(CorruptObject, match="object is missing") as caught:
        store.download_tree("p", tmp_path / "out", app="simpeg")
    assert caught.value.key.endswith("p/data/000000")
    assert not (tmp_path / "out").exists() and leftovers(tmp_path) == []


def test_another_agencys_key_cannot_read_the_backup(endpoints: list[str], store: BackupStore, tree: Path) -> None:
    store.upload_tree(tree, "p", app="simpeg")
    thief = store_on(endpoints, store.bucket, key=b"\x22" * 32)
    with pytest.raises(RemoteError, match="not the key this backup was encrypted with"):
        thief.read_manifest("p", app="simpeg")


@pytest.mark.parametrize("existing", ["absent", "empty", "full"])
def test_placement_replaces_the_destination_as_a_whole(
    store: BackupStore, tree: Path, tmp_path: Path, existing: str
) -> None:
    store.upload_tree(tree, "p", app="a")
    dest = tmp_path / "out"
    if existing != "absent":
        dest.mkdir()
    if existing == "full":
        (dest / "old-only.txt").write_text("from an earlier restore")
        (dest / "db").mkdir()
    store.download_tree("p", dest, app="a")
    assert tree_state(dest) == tree_state(tree), "the destination must hold exactly the restored tree"
    assert leftovers(tmp_path) == []


def test_the_restored_root_gets_a_usable_mode_and_dead_partials_are_swept(
    store: BackupStore, tree: Path, tmp_path: Path
) -> None:
    store.upload_tree(tree, "p", app="a")
    store.download_tree("p", tmp_path / "fresh", app="a")
    assert (tmp_path / "fresh").stat().st_mode & 0o777 == 0o755
    (tmp_path / "kept").mkdir(mode=0o750)
    (tmp_path / "kept" / "old").write_text("old")
    dead_pid = subprocess.Popen(["true"])
    dead_pid.wait()
    dead = tmp_path / f".kept.dcc-partial-{dead_pid.pid}-abc"
    dead.mkdir()
    store.download_tree("p", tmp_path / "kept", app="a")
    assert (tmp_path / "kept").stat().st_mode & 0o777 == 0o750, "an existing destination keeps its mode"
    assert not dead.exists()


def test_a_file_changed_while_packed_fails_the_backup_and_writes_no_manifest(
    endpoints: list[str], request: pytest.FixtureRequest, tree: Path
) -> None:
    store = store_on(endpoints, bucket_for(request.node.nodeid), segment_size=4096)
    victim = tree / "files" / "surat 01.pdf"  # packed after db/ (manifest order)

    def writer_strikes(_n: int) -> None:  # once the first segment is stored
        with open(victim, "ab") as fh:
            fh.write(b"more")
    with pytest.raises(InputError, match="file changed while it was being backed up") as caught:
        store.upload_tree(tree, "p", app="a", progress=writer_strikes)
    assert caught.value.where == str(victim)
    with pytest.raises(InputError, match="no such object"):
        store.read_manifest("p", app="a")


def test_a_40_mb_file_spans_segments_and_round_trips(store: BackupStore, tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "big.bin").write_bytes(bytes(range(256)) * (40 * 4096))
    sent = store.upload_tree(src, "big", app="a")
    assert len(sent.segments) == 5  # 40 MiB in 8 MiB segments
    store.download_tree("big", tmp_path / "restored", app="a")
    assert (tmp_path / "restored" / "big.bin").read_bytes() == (src / "big.bin").read_bytes()


def test_a_missing_bucket_is_one_clear_line(endpoints: list[str], tree: Path) -> None:
    from migration.backupstore import KeyRing, ObjectStore

    store = BackupStore([ObjectStore(endpoints[0], "never-created")], KeyRing({"default": b"k" * 32}))
    with pytest.raises(InputError) as caught:
        store.upload_tree(tree, "p", app="a")
    assert caught.value.where == "s3://never-created" and "bucket does not exist" in caught.value.line()


def test_a_prefix_never_uploaded_is_one_clear_line(store: BackupStore, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such object"):
        store.download_tree("nothing/here", tmp_path / "out", app="a")
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("prefix", ["", "/", "a/../b", "a//b"])
def test_unsafe_prefixes_are_refused(store: BackupStore, tree: Path, prefix: str) -> None:
    with pytest.raises(InputError) as caught:
        store.upload_tree(tree, prefix, app="a")
    assert caught.value.where == "prefix"


def test_an_endpoint_nobody_listens_on_is_a_remote_error(tree: Path) -> None:
    from migration.backupstore import KeyRing, ObjectStore

    store = BackupStore([ObjectStore("http://127.0.0.1:1", "dcc-backups", name="site-9")],
                        KeyRing({"default": b"k" * 32}))
    with pytest.raises(RemoteError, match="cannot reach S3 endpoint http://127.0.0.1:1 \\(site-9\\)"):
        store.upload_tree(tree, "p", app="a")
