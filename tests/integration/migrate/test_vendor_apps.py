"""The vendor-shaped apps migrate from their discovered, reviewed profiles (inventory/vendor/profiles),
through `dcc migrate` on real hosts, real Ansible and a real S3 server, then fail back with
`dcc rollback`:

- A: PHP under Apache with its MariaDB database on another host and the database's IP in its PHP
  config (the MariaDB engine, a config rewrite, accounts following the app to its new address);
- B: a service under its own uid with SQLite under /var/lib (the file-database engine, the user
  made on the target with its id);
- C: a cron batch writing a spool (its cron file moved, off during the freeze, on once it serves).

Writers post to the PHP and the SQLite app through the portal while they move and while they fail
back: every acknowledged write must be stored where the app serves, and no refused one.
Writes made on the target after cutover must be on the source after the failback.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from migration.backupstore.server import LocalS3Server
from migration.execution.steps import portal_answer
from migration.lab import LabAccess
from tests.support.lab import shifted
from tests.support.migrate import session_for, write_plan
from tests.support.writers import Tally, Writers, http_post

pytestmark = [pytest.mark.integration, pytest.mark.slow]

APPS = ["simpatda-depok", "ekinerja-garut", "rekap-desa"]
DCC = str(Path(sys.executable).parent / "dcc")


def portal(lab: LabAccess, service: str, path: str, body: bytes | None = None) -> tuple[int, bytes]:
    ip = lab.hosts()["pdn-portal"]["ip"]
    req = urllib.request.Request(f"http://{ip}{path}", data=body, headers={"Host": service},
                                 method="POST" if body is not None else "GET")
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def sh(lab: LabAccess, host: str, command: str) -> str:
    out = lab.ssh(host, command)
    assert out.returncode == 0, f"{host}: {command!r}: {out.stderr.strip()}"
    return out.stdout.strip()


def dcc(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([DCC, *args], check=False, capture_output=True, text=True, env=env, timeout=1500)


def writers(lab: LabAccess) -> Writers:
    """Bounded writers through the portal: the PHP app's tax records, the service's reports."""
    ip = lab.hosts()["pdn-portal"]["ip"]
    return Writers({
        "pajak": http_post(ip, 80, "pajak.depok.go.id", "/api/pajak.php",
                           lambda t: {"npwpd": "P.9.0000003", "wajib_pajak": t, "jumlah": 1}),
        "laporan": http_post(ip, 80, "ekinerja.garutkab.go.id", "/api/laporan",
                             lambda t: {"nip": "198001012005011001", "uraian": t, "nilai": 1}),
    }, pause=0.05, max_writes=4000, max_seconds=900)


def stored(lab: LabAccess, mariadb_host: str, sqlite_host: str) -> set[str]:
    """Every writer title stored in the PHP app's MariaDB and the service's SQLite file."""
    pajak = sh(lab, mariadb_host, "mariadb -NBe \"SELECT wajib_pajak FROM simpatda.pajak WHERE wajib_pajak LIKE 'pajak-%'\"")
    laporan = sh(lab, sqlite_host, "sqlite3 /var/lib/ekinerja/ekinerja.db \"SELECT uraian FROM laporan WHERE uraian LIKE 'laporan-%'\"")
    return set(pajak.split()) | set(laporan.split())


def check_writes(tally: Tally, kept: set[str]) -> None:
    acked, refused = tally.titles("acked"), tally.titles("refused")
    assert acked, "the writers must have been acknowledged at least once"
    assert not acked - kept, f"acknowledged writes lost: {sorted(acked - kept)[:10]} of {len(acked)}"
    assert not refused & kept, f"refused writes stored: {sorted(refused & kept)[:10]}"


def write_all(lab: LabAccess, tag: str) -> dict[str, object]:
    """One acknowledged write to each app through the portal; what each wrote, to find it later."""
    code, body = portal(lab, "pajak.depok.go.id", "/api/pajak.php",
                        json.dumps({"npwpd": "P.9.0000002", "wajib_pajak": tag, "jumlah": 77.5}).encode())
    assert code == 201, body
    pajak = int(json.loads(body)["id"])
    code, body = portal(lab, "ekinerja.garutkab.go.id", "/api/laporan",
                        json.dumps({"nip": "198001012005011001", "uraian": tag, "nilai": 90}).encode())
    assert code == 201, body
    laporan = int(json.loads(body)["id"])
    code, body = portal(lab, "rekapdesa.kemendesa.go.id", "/kirim", json.dumps({"desa": tag, "jumlah": 4321}).encode())
    assert code == 201, body
    return {"pajak": pajak, "laporan": laporan, "kiriman": json.loads(body)["id"]}


@pytest.fixture(scope="module")
def moved(make_vendor_lab, tmp_path_factory):
    lab = make_vendor_lab(*shifted("vmig", 82))
    estate_dir = lab.run_dir / "estate"
    before = write_all(lab, "sebelum pindah")
    plan = write_plan(estate_dir, [APPS], tmp_path_factory.mktemp("plan") / "plan.json")
    with LocalS3Server() as s3:
        env = {**os.environ, "DCC_S3_ENDPOINT": s3.endpoint_url, "COLUMNS": "200"}
        with writers(lab) as during:
            run = dcc("migrate", "--estate", str(estate_dir), "--plan", str(plan), "--wave", "1", env=env)
        before["during_move"] = during.tally
        yield lab, estate_dir, plan, s3, env, run, before


def test_every_vendor_app_migrates_and_serves_from_its_target(moved):
    _lab, estate_dir, plan, s3, _env, run, _before = moved
    assert run.returncode == 0, f"dcc migrate failed:\n{run.stdout[-4000:]}\n{run.stderr[-2000:]}"
    session = session_for(estate_dir, plan, s3.endpoint_url)
    for move in session.moves(1):
        assert portal_answer(move) == move.primary[1].id, move.app
    failed = [(e.app, e.check, e.detail) for e in session.store.evidence() if not e.passed]
    assert not failed, failed
    checks = {(e.app, e.check) for e in session.store.evidence()}
    # Each database was compared by its own engine: MariaDB rows, SQLite rows, files by checksum.
    assert {("simpatda-depok", "db_rows"), ("ekinerja-garut", "db_rows"), ("simpatda-depok", "data_manifest"),
            ("ekinerja-garut", "data_manifest"), ("rekap-desa", "data_manifest")} <= checks, checks


def test_no_write_acknowledged_during_the_move_is_lost(moved):
    lab, *_rest, before = moved
    tally = before["during_move"]
    check_writes(tally, stored(lab, "pdn-t02", "pdn-t03"))
    print(f"during the move: {len(tally.titles('acked'))} acknowledged, {len(tally.titles('refused'))} refused, "
          f"{len(tally.titles('unknown'))} unanswered")


def test_the_mariadb_database_is_on_its_target_with_the_sources_rows_and_the_config_follows_it(moved):
    lab, *_rest, before = moved
    # Every row the frozen source holds is on the target as it was (the target has taken writes since).
    query = "mariadb -NBe 'SELECT id, npwpd, wajib_pajak, jumlah, tanggal FROM simpatda.pajak'"
    source, target = sh(lab, "dpk-db1", query).splitlines(), sh(lab, "pdn-t02", query).splitlines()
    assert len(source) > 500 and not set(source) - set(target), sorted(set(source) - set(target))[:5]
    row = sh(lab, "pdn-t02", f"mariadb -NBe 'SELECT wajib_pajak FROM simpatda.pajak WHERE id = {before['pajak']}'")
    assert row == "sebelum pindah"
    t02 = lab.hosts()["pdn-t02"]["ip"]
    assert f"'{t02}'" in sh(lab, "pdn-t01", "grep \"'host'\" /var/www/simpatda/config/database.php")
    # The app's account follows it: allowed from its new host, and the status page reads the rows.
    t01 = lab.hosts()["pdn-t01"]["ip"]
    users = sh(lab, "pdn-t02", "mariadb -NBe \"SELECT CONCAT(user, '@', host) FROM mysql.user WHERE user = 'simpatda_app'\"")
    assert f"simpatda_app@{t01}" in users.split(), users
    status = json.loads(portal(lab, "pajak.depok.go.id", "/status.php")[1])
    assert status["host"] == "pdn-t01" and status["db_host"] == t02, status


def test_the_sqlite_service_runs_as_its_user_on_the_target_with_the_sources_rows(moved):
    lab, *_rest, before = moved
    db = "/var/lib/ekinerja/ekinerja.db"
    assert sh(lab, "pdn-t03", "id -u ekinerja; id -g ekinerja").split() == ["1201", "1201"]
    # The source's copy, retained by the decommission, is frozen: each of its rows is on the target.
    retained = sh(lab, "grt-app1", f"ls -d /var/lib/dcc-retained/ekinerja-garut-*{db}")
    query = "'SELECT id, nip, uraian, nilai, dibuat FROM laporan'"
    source = sh(lab, "grt-app1", f"sqlite3 -readonly {retained} {query}").splitlines()
    target = sh(lab, "pdn-t03", f"sqlite3 -readonly {db} {query}").splitlines()
    assert len(source) > 500 and not set(source) - set(target), sorted(set(source) - set(target))[:5]
    assert "ok" == sh(lab, "pdn-t03", f"sqlite3 -readonly {db} 'PRAGMA integrity_check'")
    row = sh(lab, "pdn-t03", f"sqlite3 {db} 'SELECT uraian FROM laporan WHERE id = {before['laporan']}'")
    assert row == "sebelum pindah"
    pid = sh(lab, "pdn-t03", "ss -Htlnp 'sport = :8970'").split("pid=")[1].split(",")[0]
    assert sh(lab, "pdn-t03", f"ps -o uid= -p {pid}") == "1201"


def test_the_cron_batch_runs_on_the_target_only(moved):
    lab, *_rest = moved
    assert "#dcc-frozen# " in sh(lab, "kds-batch1", "cat /etc/cron.d/rekapdesa"), "the source's job must stay off"
    job = sh(lab, "pdn-t04", "grep -v '^#' /etc/cron.d/rekapdesa | grep -v =")
    assert job.split()[:6] == ["*", "*", "*", "*", "*", "rekap"], job
    desa = f"Desa Target {os.getpid()}"
    code, body = portal(lab, "rekapdesa.kemendesa.go.id", "/kirim", json.dumps({"desa": desa, "jumlah": 11}).encode())
    assert code == 201, body
    deadline = time.monotonic() + 75  # cron runs it at the next minute
    report = b""
    while time.monotonic() < deadline:
        report = portal(lab, "rekapdesa.kemendesa.go.id", "/laporan/terbaru")[1]
        if desa.encode() in report:
            break
        time.sleep(2)
    assert f"{desa},1,11".encode() in report, report


def test_a_failback_brings_every_write_made_on_the_targets_back_to_the_sources(moved):
    lab, estate_dir, plan, s3, env, *_ = moved
    after = write_all(lab, "setelah pindah")
    with writers(lab) as during:
        for app in APPS:
            back = dcc("rollback", "--app", app, "--estate", str(estate_dir), "--plan", str(plan), env=env)
            assert back.returncode == 0, f"dcc rollback {app} failed:\n{back.stdout[-4000:]}\n{back.stderr[-2000:]}"
    # Every write acknowledged by either side, during the move or the failback, is on the sources now.
    kept = stored(lab, "dpk-db1", "grt-app1")
    check_writes(during.tally, kept)
    check_writes(moved[-1]["during_move"], kept)
    print(f"during the failback: {len(during.tally.titles('acked'))} acknowledged, "
          f"{len(during.tally.titles('refused'))} refused, {len(during.tally.titles('unknown'))} unanswered")
    session = session_for(estate_dir, plan, s3.endpoint_url)
    for move in session.moves(1):
        assert portal_answer(move) == move.primary[0].id, move.app
    sql = f"SELECT wajib_pajak FROM simpatda.pajak WHERE id = {after['pajak']}"
    assert sh(lab, "dpk-db1", f"mariadb -NBe {shlex.quote(sql)}") == "setelah pindah"
    db = "/var/lib/ekinerja/ekinerja.db"
    assert sh(lab, "grt-app1", f"sqlite3 {db} 'SELECT uraian FROM laporan WHERE id = {after['laporan']}'") \
        == "setelah pindah"
    # The submission taken on the target is on the source, wherever the batch has put it by now.
    where = json.loads(portal(lab, "rekapdesa.kemendesa.go.id", f"/kiriman/{after['kiriman']}")[1])
    assert where.get("where") in ("masuk", "arsip"), where
    # The jobs run on the source again and no more on the target; the PHP config points home.
    assert "#dcc-frozen# " not in sh(lab, "kds-batch1", "cat /etc/cron.d/rekapdesa")
    assert "#dcc-frozen# " in sh(lab, "pdn-t04", "cat /etc/cron.d/rekapdesa")
    db_ip = lab.hosts()["dpk-db1"]["ip"]
    assert f"'{db_ip}'" in sh(lab, "dpk-web1", "grep \"'host'\" /var/www/simpatda/config/database.php")
    status = json.loads(portal(lab, "pajak.depok.go.id", "/status.php")[1])
    assert status["host"] == "dpk-web1" and status["status"] == "ok", status
