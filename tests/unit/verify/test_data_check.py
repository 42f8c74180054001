"""The data check compares a target's data folders with the backup byte for byte, except the files
of its file databases (the database, its WAL, shared-memory index and journal): a running app
rewrites those in place, and their engine's `counts` checks them by content instead."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from migration.verify.checks import Database, _data, file_db_files

DB = Database("t1", "dcc-filedb.sh", "/home/svc/var/app.dat", "0", is_file=True)
SERVER = Database("t2", "dcc-mariadb.sh", "shop", "1")
BACKUP = {"/home/svc/var/app.dat": "d0", "/home/svc/var/files/a.pdf": "a1"}


@dataclass
class Ran:
    stdout: str


@dataclass
class FakeHost:
    found: dict[str, str]

    def run(self, _command: str) -> Ran:
        return Ran("".join(f"{digest}  {path}\n" for path, digest in sorted(self.found.items())))


def test_only_file_databases_have_files_left_out() -> None:
    assert file_db_files((DB, SERVER)) == {"/home/svc/var/app.dat", "/home/svc/var/app.dat-wal",
                                           "/home/svc/var/app.dat-shm", "/home/svc/var/app.dat-journal"}
    assert file_db_files((SERVER,)) == frozenset()


@pytest.mark.parametrize(("found", "passed"), [
    (BACKUP, True),
    # The app opened its database in WAL mode: the file was checkpointed, -wal and -shm appeared.
    ({**BACKUP, "/home/svc/var/app.dat": "d1", "/home/svc/var/app.dat-wal": "w", "/home/svc/var/app.dat-shm": "s"},
     True),
    ({**BACKUP, "/home/svc/var/files/a.pdf": "changed"}, False),       # any other file still must match
    ({**BACKUP, "/home/svc/var/files/b.pdf": "b1"}, False),            # or be in the backup
    ({"/home/svc/var/app.dat": "d0"}, False),                           # and be there
])
def test_the_data_check_leaves_the_file_database_to_its_engine(found: dict[str, str], passed: bool) -> None:
    result = _data(FakeHost(found), ("/home/svc",), "t1", BACKUP, skip=file_db_files((DB,)))
    assert (result.check, result.passed) == ("data_manifest", passed), result


def test_without_file_databases_every_file_counts() -> None:
    found = {**BACKUP, "/home/svc/var/app.dat-wal": "w"}
    assert not _data(FakeHost(found), ("/home/svc",), "t1", BACKUP).passed
