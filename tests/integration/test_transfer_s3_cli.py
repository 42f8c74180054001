"""`dcc s3 serve` as the demo runs it: a real process serving S3 on loopback until Ctrl-C."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from migration.transfer import ObjectStore

pytestmark = pytest.mark.integration


def test_dcc_s3_serve_serves_until_interrupted(tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "migration", "s3", "serve", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = proc.stdout.readline()  # blocks until the server answers (LocalS3Server waits for it)
        found = re.search(r"http://127\.0\.0\.1:\d+", line)
        assert found, f"no endpoint in the first line: {line!r}"
        (tmp_path / "tree").mkdir()
        (tmp_path / "tree" / "hello.txt").write_text("halo")
        store = ObjectStore(found.group(0), "demo")
        store.ensure_bucket()
        sent = store.upload_tree(tmp_path / "tree", "demo/1")
        assert store.read_manifest("demo/1") == sent
    finally:
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0 and "stopped" in out and "Traceback" not in err, (out, err)


def test_dcc_s3_serve_refuses_a_non_loopback_address() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "migration", "s3", "serve", "--host", "0.0.0.0"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert out.returncode == 2 and out.stderr.count("\n") == 1 and "not a loopback address" in out.stderr
