"""Helpers for the backup store's integration tests: two real SeaweedFS sites, a store per test
on a fresh bucket, a sample tree. Not a test module."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

from migration.backupstore import BackupStore, KeyRing, ObjectStore, Retention

KEY = b"\x11" * 32


def store_on(endpoints: list[str], bucket: str, *, mode: str = "GOVERNANCE", segment_size: int | None = None,
             key: bytes = KEY) -> BackupStore:
    sites = [ObjectStore(e, bucket, name=f"site-{i}") for i, e in enumerate(endpoints, start=1)]
    extra: dict[str, Any] = {"segment_size": segment_size} if segment_size else {}
    store = BackupStore(sites, KeyRing({"default": key}), retention=Retention(mode, 1), **extra)
    store.ensure_buckets()
    return store


def bucket_for(nodeid: str) -> str:
    """A fresh bucket per test, named after it, so tests never see each other's objects."""
    return "t-" + hashlib.sha256(nodeid.encode()).hexdigest()[:20]


def sample_tree(root: Path) -> Path:
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


def tree_state(root: Path) -> dict[str, tuple[Any, ...]]:
    """Every file's bytes and mode, and every link's target, by relative path."""
    return {
        p.relative_to(root).as_posix(): (os.readlink(p),) if p.is_symlink() else (p.read_bytes(), p.stat().st_mode & 0o777)
        for p in sorted(root.rglob("*"))
        if p.is_symlink() or p.is_file()
    }


def leftovers(parent: Path) -> list[str]:
    return [p.name for p in parent.iterdir() if ".dcc-partial-" in p.name]


def sse(key: bytes = KEY) -> dict[str, Any]:
    """SSE-C arguments for a test's own raw client calls."""
    return {"SSECustomerAlgorithm": "AES256", "SSECustomerKey": key}
