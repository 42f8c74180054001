"""The data path on the controller: the `ansible` path's archives (datapath.pack /
unpack_collected) carry the trees rsync would leave, a hostile archive cannot write outside, and
an rsync failure is reported by its cause."""

from __future__ import annotations

import io
import os
import tarfile
from pathlib import Path

import pytest

from migration.backupstore import build_manifest
from migration.errors import RemoteError
from migration.execution import datapath
from migration.execution import jobs as J
from migration.execution.wave import AppMove, Node
from migration.profile import Database, HostLayout, PathEntry, Profile, Service

PORTAL = Node("portal", "10.77.10.10")


def profile(app: str, code: str = "", data: str = "", db: bool = True) -> Profile:
    init = f"/etc/init.d/{app}"
    svc = Service(app, "sysv", f"{init} start", f"{init} stop", f"{init} status", file=init)
    layout = HostLayout("src1", services=(svc,), code=(PathEntry(code or f"/opt/{app}"),),
                        config=(PathEntry(f"/etc/{app}"),), data=(PathEntry(data or f"/srv/{app}/data"),))
    return Profile(app, (layout,), (Database("postgresql", "db1", (app,), app, 5432),) if db else ())


def move(app: str = "arsip", db: bool = True, **paths: str) -> AppMove:
    return AppMove(app, "web-db" if db else "files", 8080, f"{app}.go.id", 1,
                   ((Node("src1", "10.77.1.1"), Node("tgt1", "10.77.10.1")),),
                   (Node("db1", "10.77.1.9"), Node("tdb1", "10.77.10.9")) if db else None, PORTAL,
                   profile=profile(app, db=db, **paths))


def restore_tree(root: Path, app: str = "arsip") -> Path:
    """A restore tree as download_tree leaves it: files/{opt,etc,srv/<app>/data} and db/."""
    files = root / "files"
    (files / "opt" / app).mkdir(parents=True)
    (files / "opt" / app / "app.py").write_text("print('hi')\n")
    (files / "opt" / app / "shared.txt").write_text("group writes here\n")
    os.chmod(files / "opt" / app / "shared.txt", 0o664)
    (files / "etc" / "init.d").mkdir(parents=True)
    (files / "etc" / "init.d" / app).write_text("#!/bin/sh\n")
    os.chmod(files / "etc" / "init.d" / app, 0o755)
    (files / "opt" / app / "current").symlink_to("app.py")
    data = files / "srv" / app / "data"
    (data / "2024").mkdir(parents=True)
    for i in range(5):
        (data / "2024" / f"doc{i}.pdf").write_bytes(os.urandom(1000 + i))
    (root / "db" / "0").mkdir(parents=True)  # the app's database 0
    (root / "db" / "0" / "dump.sql").write_text("-- dump\n")
    (root / "db" / "0" / "counts.txt").write_text("t 1 abc\n")
    return root


def unpack(archive: Path, dest: Path) -> Path:
    dest.mkdir(parents=True)
    with tarfile.open(archive) as tar:
        tar.extractall(dest, filter="fully_trusted")
    return dest


def test_pack_splits_a_restore_tree_into_the_temp_paths_rsync_fills(tmp_path):
    tree = restore_tree(tmp_path / "restored")
    out = datapath.pack(move(), tree, tmp_path / "outbox")
    assert sorted(p.name for p in out.iterdir()) == ["data-0.tar", "db-tdb1.tar", "files.tar"]
    data = unpack(out / "data-0.tar", tmp_path / "u-data")
    assert build_manifest(data) == build_manifest(tree / "files" / "srv" / "arsip" / "data")
    rest = unpack(out / "files.tar", tmp_path / "u-files")
    assert not (rest / "srv" / "arsip" / "data").exists()
    expected = [e for e in build_manifest(tree / "files").entries if not e.path.startswith("srv/arsip/data")]
    assert list(build_manifest(rest).entries) == expected  # modes (0o664, 0o755) and the symlink kept
    assert build_manifest(unpack(out / "db-tdb1.tar", tmp_path / "u-db")) == build_manifest(tree / "db")
    with tarfile.open(out / "files.tar") as tar:
        assert {(m.uid, m.gid, m.uname, m.gname) for m in tar.getmembers()} == {(0, 0, "", "")}


def test_pack_keeps_each_files_owner_by_number(tmp_path):
    """A service's own user owns its data and shares files through its group: the archives the
    deliver phase unpacks (tar --numeric-owner) carry the restored tree's owners, not root's."""
    tree = restore_tree(tmp_path / "restored")
    data = tree / "files" / "srv" / "arsip" / "data"
    for path in (data, *data.rglob("*")):
        os.lchown(path, 2417, 2417)
    os.chown(tree / "files" / "opt" / "arsip" / "shared.txt", 0, 2417)
    out = datapath.pack(move(), tree, tmp_path / "outbox")
    with tarfile.open(out / "data-0.tar") as tar:
        assert {(m.uid, m.gid, m.uname) for m in tar.getmembers()} == {(2417, 2417, "")}
    with tarfile.open(out / "files.tar") as tar:
        shared = tar.getmember("opt/arsip/shared.txt")
        assert (shared.uid, shared.gid, shared.mode) == (0, 2417, 0o664)


def test_an_empty_part_gets_no_archive_and_its_job_only_makes_the_path(tmp_path):
    tree = restore_tree(tmp_path / "restored")
    for doc in (tree / "files" / "srv" / "arsip" / "data" / "2024").iterdir():
        doc.unlink()
    (tree / "files" / "srv" / "arsip" / "data" / "2024").rmdir()
    m = move()
    out = datapath.pack(m, tree, tmp_path / "outbox")
    assert not (out / "data-0.tar").exists()
    jobs = J.deliver([m], {m.app: out})
    assert jobs["tgt1"] == [
        {"app": "arsip", "archive": "", "dest": "/srv/arsip/.dcc-incoming-data"},
        {"app": "arsip", "archive": str(out / "files.tar"), "dest": "/var/lib/dcc/incoming/arsip"},
    ]
    assert jobs["tdb1"] == [{"app": "arsip", "archive": str(out / "db-tdb1.tar"), "dest": "/var/lib/dcc/incoming/arsip/db"}]


def test_collect_jobs_fetch_the_tree_from_the_primary_source_and_the_dump_from_the_db_source(tmp_path):
    m = move()
    jobs = J.collect([m], tmp_path)
    box = datapath.collected_dir(tmp_path, "arsip")
    assert jobs == {"src1": [{"kind": "files", "app": "arsip", "dest": str(box / "files.tar"),
                              "paths": ["opt/arsip", "etc/arsip", "etc/init.d/arsip", "srv/arsip/data"]}],
                    "db1": [{"kind": "db", "app": "arsip", "dest": str(box / "db-db1.tar")}]}


def test_a_data_folder_inside_the_code_tree_is_archived_apart_and_left_out_of_the_tree(tmp_path):
    """A vendor's uploads under its web root: placed on their own, never installed over by deploy."""
    tree = tmp_path / "restored"
    web = tree / "files" / "var" / "www" / "shop"
    (web / "uploads").mkdir(parents=True)
    (web / "index.php").write_text("<?php echo 1;\n")
    (web / "uploads" / "a.jpg").write_bytes(b"\xff\xd8")
    (tree / "files" / "etc" / "shop").mkdir(parents=True)
    (tree / "db").mkdir()
    m = move("shop", db=False, code="/var/www/shop", data="/var/www/shop/uploads")
    out = datapath.pack(m, tree, tmp_path / "outbox")
    with tarfile.open(out / "files.tar") as tar:
        names = tar.getnames()
    assert "var/www/shop/index.php" in names and not [n for n in names if "uploads" in n], names
    assert [p.name for p in unpack(out / "data-0.tar", tmp_path / "u").iterdir()] == ["a.jpg"]
    assert J.deliver([m], {m.app: out})["tgt1"][0]["dest"] == "/var/www/shop/.dcc-incoming-uploads"


def fetched(staging: Path, app: str, name: str, tree: Path) -> None:
    """What the collect phase leaves: the host's tar of `tree`, fetched into the staging dir."""
    box = datapath.collected_dir(staging, app)
    box.mkdir(parents=True, exist_ok=True)
    with tarfile.open(box / name, "w") as tar:
        for child in sorted(tree.iterdir()):
            tar.add(child, arcname=child.name)


def test_unpack_collected_leaves_the_tree_pull_would_and_replaces_an_old_one(tmp_path):
    src = restore_tree(tmp_path / "host")
    staging = tmp_path / "staging"
    (staging / "arsip" / "files" / "stale").mkdir(parents=True)  # left by an earlier backup
    fetched(staging, "arsip", "files.tar", src / "files")
    fetched(staging, "arsip", "db-db1.tar", src / "db")
    local = datapath.unpack_collected(move(), staging)
    assert local == staging / "arsip"
    assert build_manifest(local / "files") == build_manifest(src / "files")
    assert build_manifest(local / "db") == build_manifest(src / "db")
    assert not (local / "files" / "stale").exists()
    assert datapath.COLLECTED not in {e.path.split("/")[0] for e in build_manifest(local).entries}


def test_a_missing_archive_is_a_one_line_remote_error(tmp_path):
    with pytest.raises(RemoteError, match="fetched no archive"):
        datapath.unpack_collected(move(db=False), tmp_path)


def hostile(staging: Path, name: str) -> None:
    box = datapath.collected_dir(staging, "arsip")
    box.mkdir(parents=True)
    with tarfile.open(box / "files.tar", "w") as tar:
        info = tarfile.TarInfo(name)
        info.size = 4
        tar.addfile(info, io.BytesIO(b"evil"))


def test_an_archive_member_climbing_out_of_the_staging_dir_is_refused(tmp_path):
    staging = tmp_path / "staging"
    hostile(staging, "../../../escaped.txt")
    with pytest.raises(RemoteError, match="cannot unpack"):
        datapath.unpack_collected(move(db=False), staging)
    assert list(tmp_path.rglob("escaped.txt")) == []


def test_an_absolute_member_lands_inside_the_staging_dir(tmp_path):
    staging = tmp_path / "staging"
    hostile(staging, "/etc/escaped-dcc-test.txt")
    local = datapath.unpack_collected(move(db=False), staging)
    assert (local / "files" / "etc" / "escaped-dcc-test.txt").read_bytes() == b"evil"
    assert not Path("/etc/escaped-dcc-test.txt").exists()


def test_setuid_bits_from_a_host_are_dropped(tmp_path):
    staging = tmp_path / "staging"
    box = datapath.collected_dir(staging, "arsip")
    box.mkdir(parents=True)
    with tarfile.open(box / "files.tar", "w") as tar:
        info = tarfile.TarInfo("opt/arsip/tool")
        info.size, info.mode = 2, 0o4775
        tar.addfile(info, io.BytesIO(b"#!"))
    local = datapath.unpack_collected(move(db=False), staging)
    assert (local / "files" / "opt" / "arsip" / "tool").stat().st_mode & 0o7777 == 0o775


def test_an_rsync_failure_names_its_cause_not_only_the_summary():
    stderr = ("rsync: [receiver] mkstemp \"/var/lib/dcc/incoming/a/db/.dump.sql.x\" failed: No such file or directory (2)\n"
              "rsync error: some files/attrs were not transferred (see previous errors) (code 23) at main.c(1394)\n")
    assert datapath._rsync_reason(stderr, 23).startswith("rsync: [receiver] mkstemp")
    assert datapath._rsync_reason("rsync error: timeout in data send/receive (code 30)\n", 30).startswith("rsync error")
    assert datapath._rsync_reason("", 12) == "rc 12"
