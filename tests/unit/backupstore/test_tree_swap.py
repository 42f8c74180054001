"""Placing a verified tree: the fallback swap for file systems without RENAME_EXCHANGE (no network)."""

from __future__ import annotations

from pathlib import Path

from migration.backupstore.tree_swap import _swap_by_renames, place


def test_the_fallback_swap_keeps_old_or_new_and_hands_back_the_old(tmp_path: Path) -> None:
    new, dest = tmp_path / "staging", tmp_path / "dest"
    new.mkdir()
    (new / "new.txt").write_text("new")
    dest.mkdir()
    (dest / "old.txt").write_text("old")
    _swap_by_renames(new, dest)
    assert [p.name for p in dest.iterdir()] == ["new.txt"] and [p.name for p in new.iterdir()] == ["old.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dest", "staging"]


def test_place_into_an_absent_destination_renames_and_leaves_a_cleanup_path(tmp_path: Path) -> None:
    staging, dest = tmp_path / "staging", tmp_path / "dest"
    staging.mkdir()
    (staging / "f").write_text("x")
    place(staging, dest)
    assert (dest / "f").read_text() == "x" and staging.is_dir() and not any(staging.iterdir())
    assert dest.stat().st_mode & 0o777 == 0o755
