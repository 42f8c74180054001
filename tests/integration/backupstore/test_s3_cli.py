"""`dcc s3 serve` as the demo runs it (SeaweedFS on disk, stopped by Ctrl-C), and `dcc s3 verify`
auditing every backup on both sites with the server's lock on it."""

from __future__ import annotations

import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from migration.backupstore.opening import open_backup_store
from migration.backupstore.server import LocalS3Server
from migration.inventory import load_estate
from migration.state import StateStore
from tests.support.backupstore import sse

pytestmark = pytest.mark.integration
LAB = Path(__file__).resolve().parents[3] / "inventory" / "lab"


def serve(folder: Path) -> tuple[subprocess.Popen[str], str]:
    """`dcc s3 serve` on a free port: the process and the first line it printed."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "migration", "s3", "serve", "--port", "0", "--dir", str(folder)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    assert proc.stdout is not None
    return proc, proc.stdout.readline()  # blocks until the server answers (LocalS3Server waits for it)


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM])
def test_dcc_s3_serve_keeps_objects_in_the_folder_and_stops_on_a_signal(
    tmp_path: Path, stop: signal.Signals
) -> None:
    proc, line = serve(tmp_path / "objects")
    try:
        found = re.search(r"http://127\.0\.0\.1:\d+", line)
        assert found, f"no endpoint in the first line: {line!r}"
        pid = int(re.search(r"pid (\d+)", line).group(1))  # type: ignore[union-attr]
        (tmp_path / "tree").mkdir()
        (tmp_path / "tree" / "hello.txt").write_text("halo")
        store = open_backup_store(estate_dir=tmp_path, agencies={"x": "demo"}, endpoint=found.group(0),
                                  bucket="demo")
        sent = store.upload_tree(tmp_path / "tree", "demo/1", app="x")
        assert store.read_manifest("demo/1", app="x") == sent
    finally:
        proc.send_signal(stop)
        out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0 and "stopping" in out and "Traceback" not in err, (out, err)
    assert not Path(f"/proc/{pid}").exists(), "the SeaweedFS process must be gone"
    assert any((tmp_path / "objects" / "volumes").glob("*.dat")), "objects are on disk in the folder"


def test_dcc_s3_serve_refuses_a_non_loopback_address_or_no_folder(capsys: pytest.CaptureFixture[str]) -> None:
    from migration import cli

    for args, fragment in ((["--host", "0.0.0.0", "--dir", "x"], "not a loopback IP address"),
                           ([], "say where the objects live")):
        with pytest.raises(SystemExit) as done:
            cli.main(["s3", "serve", *args])
        err = capsys.readouterr().err
        assert done.value.code == 2 and err.count("\n") == 1 and fragment in err, err


def test_dcc_s3_verify_audits_every_backup_on_both_sites_and_names_the_bad_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from migration import cli

    monkeypatch.setenv("COLUMNS", "300")
    estate = Path(shutil.copytree(LAB, tmp_path / "estate"))
    agencies = {a.id: a.agency for a in load_estate(estate).apps.values()}
    (tmp_path / "tree").mkdir()
    (tmp_path / "tree" / "data.csv").write_text("nip,nama\n1,Siti\n")
    with LocalS3Server() as one, LocalS3Server() as two, StateStore.open(estate_dir=estate) as journal:
        store = open_backup_store(estate_dir=estate, agencies=agencies, endpoint=one.endpoint_url,
                                  second=two.endpoint_url, bucket="backups")
        for app, stamp in (("simpeg-kemenkes", "a"), ("simpeg-kemenkes", "b"), ("eoffice-jabar", "a")):
            until = store.retention.until()
            sent = store.upload_tree(tmp_path / "tree", f"lab/{app}/wave-1/{stamp}", app=app, until=until)
            journal.record_backup(app, "backups", f"lab/{app}/wave-1/{stamp}", sent.digest(), 1, sent.total_bytes,
                                  sites=store.site_names, lock_mode="COMPLIANCE", retain_until=until)

        def dcc(*args: str) -> int:
            with pytest.raises(SystemExit) as done:
                cli.main(["s3", "verify", "--estate", str(estate), "--s3-endpoint", one.endpoint_url,
                          "--s3-endpoint-2", two.endpoint_url, "--bucket", "backups", *args])
            return int(done.value.code or 0)

        assert dcc("--all") == 0, capsys.readouterr()
        out = capsys.readouterr().out
        assert out.count("COMPLIANCE until") == 3 and out.count(" ok ") >= 3, out
        key = store.key_for("eoffice-jabar").secret
        store.sites[1]._s3.put_object(Bucket="backups", Key="lab/eoffice-jabar/wave-1/a/data/000000",
                                      Body=b"nip,nama\n1,Budi\n", **sse(key))
        assert dcc("--all") == 8
        out = capsys.readouterr()
        assert "site-2: s3://backups/lab/eoffice-jabar/wave-1/a/data/000000" in out.out.replace("\n", ""), out.out
        assert out.err.count("\n") == 1 and "1 of 3 backups failed verification" in out.err, out.err
        assert dcc("--app", "simpeg-kemenkes") == 0
        with pytest.raises(SystemExit) as done:  # the second site's copy is not checked: not green
            cli.main(["s3", "verify", "--estate", str(estate), "--s3-endpoint", one.endpoint_url,
                      "--bucket", "backups", "--app", "simpeg-kemenkes"])
        assert done.value.code == 8 and "not given (--s3-endpoint-2)" in capsys.readouterr().out.replace("\n", "")
