"""Manifests without any network: building, canonical JSON, digest, and refusing unsafe input."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest

from migration.backupstore import Manifest, ManifestEntry, ObjectStore, Segment, build_manifest
from migration.backupstore.packing import TreePacker, TreeUnpacker, apply_dirs
from migration.backupstore.server import LocalS3Server
from migration.backupstore.tree_swap import make_links
from migration.errors import CorruptObject, InputError

SHA = "a" * 64
_LINK_SHA = hashlib.sha256(b"/etc").hexdigest()


def test_build_manifest_hashes_every_file_sorted_with_posix_paths(tmp_path: Path) -> None:
    (tmp_path / "b" / "c").mkdir(parents=True)
    (tmp_path / "b" / "c" / "deep.txt").write_bytes(b"deep")
    os.chmod(tmp_path / "b" / "c" / "deep.txt", 0o644)
    (tmp_path / "run.sh").write_bytes(b"#!/bin/sh\n")
    os.chmod(tmp_path / "run.sh", 0o4755)  # setuid is not carried: only permission bits
    (tmp_path / "a.txt").write_bytes(b"")
    (tmp_path / "z é.bin").write_bytes(b"\x00" * 3_000_000)  # larger than one read chunk
    got = build_manifest(tmp_path)
    assert [e.path for e in got.entries] == ["a.txt", "b/c/deep.txt", "run.sh", "z é.bin"]
    assert got.entries[2].mode == 0o755
    assert got.entries[1] == ManifestEntry("b/c/deep.txt", 4, hashlib.sha256(b"deep").hexdigest(), 0o644)
    assert got.entries[3].sha256 == hashlib.sha256(b"\x00" * 3_000_000).hexdigest()
    assert got.total_bytes == 3_000_004 + 10


def test_json_is_canonical_and_the_digest_is_its_sha256(tmp_path: Path) -> None:
    manifest = Manifest((ManifestEntry("a", 1, SHA), ManifestEntry("b/c", 2, "b" * 64, 0o755)),
                        (Segment(2, "c" * 64), Segment(1, "d" * 64)), 2, "agency:0123")
    text = manifest.to_json()
    assert text == (
        '{"entries":[{"mode":420,"path":"a","sha256":"' + SHA + '","size":1},'
        '{"mode":493,"path":"b/c","sha256":"' + "b" * 64 + '","size":2}],"format":2,"key_id":"agency:0123",'
        '"segment_size":2,"segments":[{"sha256":"' + "c" * 64 + '","size":2},{"sha256":"' + "d" * 64
        + '","size":1}]}'
    )
    assert manifest.digest() == hashlib.sha256(text.encode()).hexdigest()
    assert Manifest.from_json(text) == manifest and Manifest.from_json(text.encode()) == manifest


def _with_dirs(*dirs: dict) -> str:
    """A manifest of one file `a` and the folders `dirs`."""
    return json.dumps({**json.loads(_doc({"path": "a", "size": 1, "sha256": SHA}, segments=[1])), "dirs": list(dirs)})


def _doc(*entries: dict, fmt: object = 2, segments: list[int] | None = None, size: object = 4) -> str:
    total = sum(e.get("size", 0) for e in entries if "link" not in e and isinstance(e.get("size"), int))
    sizes = segments if segments is not None else [min(4, total - i) for i in range(0, total, 4)]
    return json.dumps({"format": fmt, "entries": list(entries), "segment_size": size, "key_id": "",
                       "segments": [{"size": n, "sha256": SHA} for n in sizes]})


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("not json", "not a valid dcc manifest"),
        (_doc(fmt=1), "unknown manifest format 1"),
        (_doc({"path": "a", "size": 5, "sha256": SHA}, segments=[5]), "segments do not cover"),
        (_doc({"path": "a", "size": 5, "sha256": SHA}, segments=[4]), "segments do not cover"),
        (_doc({"path": "a", "size": 5, "sha256": SHA}, size=0), "bad segment_size"),
        (_doc({"path": "../etc/passwd", "size": 1, "sha256": SHA}), "unsafe path"),
        (_doc({"path": "/etc/passwd", "size": 1, "sha256": SHA}), "unsafe path"),
        (_doc({"path": "a/./b", "size": 1, "sha256": SHA}), "unsafe path"),
        (_doc({"path": "a//b", "size": 1, "sha256": SHA}), "unsafe path"),
        (_doc({"path": "a", "size": -1, "sha256": SHA}), "bad size"),
        (_doc({"path": "a", "size": True, "sha256": SHA}), "bad size"),
        (_doc({"path": "a", "size": 1, "sha256": "A" * 64}), "bad sha256"),
        (_doc({"path": "a", "size": 1}), "not a valid dcc manifest"),
        (_doc({"path": "a", "size": 1, "sha256": SHA, "mode": 0o4755}), "bad mode"),
        (_doc({"path": "a", "size": 1, "sha256": SHA, "mode": "755"}), "bad mode"),
        (_doc({"path": "b", "size": 1, "sha256": SHA}, {"path": "a", "size": 1, "sha256": SHA}), "sorted"),
        (_doc({"path": "a", "size": 1, "sha256": SHA}, {"path": "a", "size": 1, "sha256": SHA}), "unique"),
        (_doc({"path": "a", "size": 4, "sha256": SHA, "link": "/etc"}), "bad link"),
        (
            _doc(
                {"path": "a", "size": 4, "sha256": _LINK_SHA, "mode": 0o777, "link": "/etc"},
                {"path": "a/passwd", "size": 1, "sha256": SHA},
            ),
            "lies inside the file or link 'a'",
        ),
        (
            _doc({"path": "f", "size": 1, "sha256": SHA}, {"path": "f/g", "size": 1, "sha256": SHA}),
            "lies inside",
        ),
        (_doc({"path": "a", "size": 1, "sha256": SHA, "uid": -1, "gid": 0}), "bad owner"),
        (_doc({"path": "a", "size": 1, "sha256": SHA, "uid": 2**32, "gid": 0}), "bad owner"),
        (_with_dirs({"path": "../x", "mode": 0o755}), "unsafe folder path"),
        (_with_dirs({"path": "d", "mode": 0o4755}), "bad mode for folder"),
        (_with_dirs({"path": "d", "mode": 0o755, "uid": "0"}), "bad owner for folder"),
        (_with_dirs({"path": "a/d", "mode": 0o755}), "is, or lies inside, a file or link"),
    ],
)
def test_bad_or_unsafe_manifests_are_corrupt(text: str, fragment: str) -> None:
    with pytest.raises(CorruptObject) as caught:
        Manifest.from_json(text, where="s3://b/p/manifest.json")
    assert fragment in caught.value.line() and caught.value.key == "s3://b/p/manifest.json"


def test_symlinks_are_recorded_with_their_target_not_followed(tmp_path: Path) -> None:
    (tmp_path / "releases" / "v2").mkdir(parents=True)
    (tmp_path / "releases" / "v2" / "app.py").write_text("print('v2')")
    os.symlink("releases/v2", tmp_path / "current")  # a directory link: not descended into
    os.symlink("/etc/hostname", tmp_path / "hostname")  # absolute targets are kept verbatim
    got = {e.path: e for e in build_manifest(tmp_path).entries}
    assert sorted(got) == ["current", "hostname", "releases/v2/app.py"]
    assert got["current"] == ManifestEntry(
        "current", 11, hashlib.sha256(b"releases/v2").hexdigest(), 0o777, "releases/v2"
    )
    assert got["hostname"].link == "/etc/hostname"
    assert build_manifest(tmp_path).total_bytes == len("print('v2')"), "links hold no object bytes"
    again = Manifest.from_json(build_manifest(tmp_path).to_json())
    assert again == build_manifest(tmp_path)


def test_special_files_are_refused_rather_than_silently_dropped(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe")
    with pytest.raises(InputError) as caught:
        build_manifest(tmp_path)
    assert caught.value.where == str(tmp_path / "pipe")


def test_a_missing_tree_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not a directory"):
        build_manifest(tmp_path / "absent")


@pytest.mark.parametrize(
    ("args", "where"),
    [
        (("ftp://127.0.0.1:9000", "dcc-backups"), "endpoint"),
        (("127.0.0.1:9000", "dcc-backups"), "endpoint"),
        (("http://127.0.0.1:9000", "Bad_Bucket"), "bucket"),
        (("http://127.0.0.1:9000", "ab"), "bucket"),
    ],
)
def test_bad_endpoint_or_bucket_names_are_input_errors(args: tuple[str, str], where: str) -> None:
    with pytest.raises(InputError) as caught:
        ObjectStore(*args)
    assert caught.value.where == where


@pytest.mark.parametrize("host", ["0.0.0.0", "10.1.2.3", "example.org"])
def test_the_local_s3_server_refuses_non_loopback_addresses(host: str) -> None:
    with pytest.raises(InputError, match="not a loopback IP address"):
        LocalS3Server(host=host)


def test_owners_and_folder_modes_survive_a_backup_and_restore(tmp_path: Path) -> None:
    """A service's own user owns its data and folders (SQLite writes its journal beside the file):
    a restore gives each file, link and folder back its numeric owner and mode."""
    src = tmp_path / "src"
    data = src / "files" / "var" / "lib" / "vendor"
    data.mkdir(parents=True)
    (data / "app.db").write_bytes(b"SQLite format 3\x00" + b"x" * 100)
    os.chmod(data / "app.db", 0o640)
    os.symlink("app.db", data / "current.db")
    os.chmod(data, 0o750)
    for path in (data, data / "app.db"):
        os.chown(path, 1201, 1202)
    os.chown(data / "current.db", 1201, 1202, follow_symlinks=False)
    packer = TreePacker(src)
    segments = list(packer.segments())
    manifest = Manifest.from_json(packer.manifest([Segment(len(b), hashlib.sha256(b).hexdigest())
                                                   for b in segments]).to_json())  # as read back from storage
    assert [(d.path, d.mode, d.uid, d.gid) for d in manifest.dirs if d.path.endswith("vendor")] == [
        ("files/var/lib/vendor", 0o750, 1201, 1202)]
    dest = tmp_path / "dest"
    unpacker = TreeUnpacker(manifest, dest, where="test")
    for body in segments:
        unpacker.feed(body)
    unpacker.close()
    make_links(manifest, dest)
    apply_dirs(manifest, dest)
    got = dest / "files" / "var" / "lib" / "vendor"
    assert (got.stat().st_mode & 0o777, got.stat().st_uid, got.stat().st_gid) == (0o750, 1201, 1202)
    st = (got / "app.db").stat()
    assert (st.st_mode & 0o777, st.st_uid, st.st_gid) == (0o640, 1201, 1202)
    link = (got / "current.db").lstat()
    assert (link.st_uid, link.st_gid) == (1201, 1202)
