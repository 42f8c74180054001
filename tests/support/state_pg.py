"""A throwaway PostgreSQL cluster for the state-store tests: unix socket only, no TCP at all.

initdb + start take ~3 s; each test gets its own schema, so tests stay independent.
"""

from __future__ import annotations

import itertools
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

# Debian installs each major version side by side; take the newest one present.
PG_BIN = max(
    Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name), default=Path("/nonexistent")
)
_numbers = itertools.count(1)


def _as_postgres(*cmd: str) -> list[str]:
    # PostgreSQL refuses to run as root: drop to the postgres account the Debian package creates.
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else list(cmd)


@contextmanager
def postgres_cluster() -> Iterator[Path]:
    """Start a cluster in a temp dir; yield its socket dir; stop and delete it afterwards."""
    root = Path(tempfile.mkdtemp(prefix="dcc-pg-"))
    if os.geteuid() == 0:
        shutil.chown(root, "postgres")
    data = root / "data"
    subprocess.run(
        _as_postgres(
            str(PG_BIN / "initdb"),
            "-D",
            str(data),
            "-A",
            "trust",
            "-U",
            "postgres",
            "--no-sync",
            "-E",
            "UTF8",
        ),
        check=True,
        capture_output=True,
        timeout=120,
    )
    opts = f"-k {root} -c listen_addresses= -c fsync=off -c full_page_writes=off"
    subprocess.run(
        _as_postgres(
            str(PG_BIN / "pg_ctl"), "-D", str(data), "-l", str(root / "log"), "-w", "-o", opts, "start"
        ),
        check=True,
        capture_output=True,
        timeout=60,
    )
    try:
        yield root
    finally:
        # check=False: a cluster that already died must not hide the test's own failure.
        subprocess.run(
            _as_postgres(str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"),
            capture_output=True,
            timeout=60,
            check=False,
        )
        shutil.rmtree(root, ignore_errors=True)


def fresh_database(socket_dir: Path) -> str:
    """A fresh, empty schema in the cluster's `postgres` database, as a SQLAlchemy URL (unix socket).

    A schema per test (via search_path) costs milliseconds; CREATE DATABASE would cost a checkpoint.
    """
    import psycopg

    name = f"dcc_test_{os.getpid()}_{next(_numbers)}"
    with psycopg.connect(host=str(socket_dir), user="postgres", dbname="postgres", autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {name}")
    return f"postgresql+psycopg://postgres@/postgres?host={socket_dir}&options=-csearch_path%3D{name}"
