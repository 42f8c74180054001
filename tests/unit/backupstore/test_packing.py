"""Packing a tree into segments and unpacking it, without any network."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from migration.backupstore import build_manifest
from migration.backupstore.manifest import segment_sizes
from migration.backupstore.packing import TreePacker, TreeUnpacker
from migration.errors import CorruptObject, InputError


def _tree(root: Path) -> Path:
    (root / "d").mkdir(parents=True)
    (root / "a.txt").write_bytes(b"abc")
    (root / "d" / "empty").write_bytes(b"")
    (root / "d" / "big.bin").write_bytes(os.urandom(50))
    (root / "z.sh").write_bytes(b"#!/bin/sh\n")
    os.chmod(root / "z.sh", 0o755)
    os.symlink("a.txt", root / "link")
    return root


@pytest.mark.parametrize("segment_size", [1, 7, 16, 63, 64, 1000])
def test_segments_are_the_files_bytes_in_manifest_order_split_evenly(tmp_path: Path, segment_size: int) -> None:
    root = _tree(tmp_path / "src")
    packer = TreePacker(root, segment_size)
    segments = [bytes(s) for s in packer.segments()]
    manifest = build_manifest(root, segment_size)
    stream = b"".join((root / e.path).read_bytes() for e in manifest.files)
    assert b"".join(segments) == stream
    assert [len(s) for s in segments] == segment_sizes(len(stream), segment_size)
    assert [s.sha256 for s in manifest.segments] == [hashlib.sha256(s).hexdigest() for s in segments]
    assert [e.path for e in manifest.entries] == ["a.txt", "d/big.bin", "d/empty", "link", "z.sh"]


@pytest.mark.parametrize("segment_size", [1, 5, 64, 1000])
def test_unpacking_restores_every_file_with_its_mode(tmp_path: Path, segment_size: int) -> None:
    root = _tree(tmp_path / "src")
    manifest = build_manifest(root, segment_size)
    out = tmp_path / "out"
    out.mkdir()
    unpacker = TreeUnpacker(manifest, out, where="test")
    for segment in TreePacker(root, segment_size).segments():
        unpacker.feed(segment)
    unpacker.close()
    for e in manifest.files:
        assert (out / e.path).read_bytes() == (root / e.path).read_bytes()
        assert (out / e.path).stat().st_mode & 0o777 == e.mode
    assert (out / "d" / "empty").exists()


def test_a_flipped_byte_is_named_by_file(tmp_path: Path) -> None:
    root = _tree(tmp_path / "src")
    manifest = build_manifest(root, 1000)
    [segment] = list(TreePacker(root, 1000).segments())
    segment[5] ^= 1  # inside d/big.bin (a.txt is 3 bytes)
    unpacker = TreeUnpacker(manifest, None, where="s3://b/p")
    with pytest.raises(CorruptObject, match="'d/big.bin' does not match"):
        unpacker.feed(segment)


@pytest.mark.parametrize(("cut", "fragment"), [(-1, "segments end inside"), (1, "more bytes than")])
def test_short_or_long_streams_are_corrupt(tmp_path: Path, cut: int, fragment: str) -> None:
    root = _tree(tmp_path / "src")
    manifest = build_manifest(root, 1000)
    [segment] = list(TreePacker(root, 1000).segments())
    data = bytes(segment[:cut]) if cut < 0 else bytes(segment) + b"x"
    unpacker = TreeUnpacker(manifest, None, where="w")
    with pytest.raises(CorruptObject, match=fragment):
        unpacker.feed(data)
        unpacker.close()


def test_a_file_that_grows_while_packed_fails_the_backup(tmp_path: Path) -> None:
    root = _tree(tmp_path / "src")
    packer = TreePacker(root, 4)
    with open(root / "a.txt", "ab") as grow:
        grow.write(b"more")  # written after the walk took its size
    with pytest.raises(InputError, match="changed while it was being backed up"):
        list(packer.segments())


def test_the_window_keeps_order_bounds_what_is_in_flight_and_stops_at_the_first_failure() -> None:
    import threading

    from migration.backupstore.backups import _windowed

    started: list[int] = []
    lock = threading.Lock()

    def work(n: int) -> int:
        with lock:
            started.append(n)
        if n == 7:
            raise ValueError("seven")
        return n * n

    consumed = []
    with pytest.raises(ValueError, match="seven"):
        for got in _windowed(work, range(100), 2):
            consumed.append(got)
            assert max(started) < len(consumed) + 4, "at most 2 x width items ahead of the consumer"
    assert consumed == [n * n for n in range(7)]
    assert max(started) < 7 + 4, "nothing far beyond the failure was started"
