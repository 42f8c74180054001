"""The vendor-shaped archetypes on real lab hosts (inventory/vendor renumbered, estate `vendor`):
A PHP under Apache with MariaDB on another host, B a service under its own user with SQLite,
C a cron batch writing reports into a spool. Everything is reached the way users reach it:
through the national portal's nginx, by service name.
"""

from __future__ import annotations

import hashlib
import json
import os
import shlex
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from migration.discovery import load_all
from migration.lab import LabAccess, faults, status, vendorinstall
from migration.lab import estate as lab_estate
from migration.lab.estate import App, LabEstate
from migration.lab.renumber import renumber_text
from tests.support.lab import shifted

pytestmark = pytest.mark.integration
NAME, OCTET = shifted("vendor", 78)
FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "facts" / "vendor"


@pytest.fixture(scope="module")
def vlab(make_vendor_lab) -> LabAccess:
    return make_vendor_lab(NAME, OCTET)


@pytest.fixture(scope="module")
def est(vlab: LabAccess) -> LabEstate:
    return lab_estate.load(vlab.run_dir / "estate")


def _app(est: LabEstate, kind: str) -> App:
    return next(a for a in est.apps if a.shape and a.shape.kind == kind)


def portal(est: LabEstate, app: App, path: str, body: bytes | None = None) -> tuple[int, bytes]:
    """One request to the portal host with `Host: <service>`; POST when there is a body."""
    assert est.portal_host is not None
    ip = est.host(est.portal_host).ip
    req = urllib.request.Request(f"http://{ip}{path}", data=body, headers={"Host": str(app.service)},
                                 method="POST" if body is not None else "GET")
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def sh(vlab: LabAccess, host: str, command: str) -> str:
    out = vlab.ssh(host, command)
    assert out.returncode == 0, f"{host}: {command!r} exit {out.returncode}: {out.stderr.strip()}"
    return out.stdout.strip()


def _sanitized(text: str) -> str:
    """Fixture text as if discovered on inventory/vendor itself (10.76.x.y, estate `vendor`)."""
    return renumber_text(text, 76, from_octet=OCTET).replace(NAME, "vendor")


# First in the module: the snapshot (and the fixtures saved from it) sees the apps' own traffic,
# not the other tests' writes and refused logins.
def test_discovery_records_what_the_vendor_apps_show(vlab: LabAccess, est: LabEstate, tmp_path: Path) -> None:
    web = _app(est, "php-mariadb")
    shutil.copytree(vlab.run_dir / "estate", tmp_path / "e")
    # Traffic during the snapshot, so the PHP app's connections to MariaDB are there to be seen.
    for _ in range(5):
        assert portal(est, web, web.health_path)[0] == 200
    out = subprocess.run([sys.executable, "-m", "migration", "discover", "--estate", str(tmp_path / "e")],
                         capture_output=True, text=True, timeout=180, check=False, env={**os.environ, "COLUMNS": "200"})
    assert out.returncode == 0, out.stderr
    facts = load_all(tmp_path / "e" / "facts")
    listen = {h: {(e.process, e.port) for e in f.listening} for h, f in facts.items()}
    assert {("apache2", 80)} <= listen["dpk-web1"] and ("mariadbd", 3306) in listen["dpk-db1"]
    assert ("ekinerja-server", 8970) in listen["grt-app1"], listen["grt-app1"]  # comm of the script, not python3
    assert 8090 in {port for _, port in listen["kds-batch1"]}, listen["kds-batch1"]
    assert any(j.user == "rekap" and "rekap-harian.sh" in j.command for j in facts["kds-batch1"].cron)
    assert any(p.user == "ekinerja" and "/usr/local/ekinerja/" in p.command for p in facts["grt-app1"].processes)
    target = os.environ.get("DCC_SAVE_VENDOR_FACTS")
    if target:  # refresh tests/fixtures/facts/vendor (see its README.md)
        for f in sorted((tmp_path / "e" / "facts").glob("*.json")):
            (Path(target) / f.name).write_text(_sanitized(f.read_text()))


@pytest.mark.parametrize("kind", ["php-mariadb", "service-sqlite", "cron-spool"])
def test_every_archetype_answers_its_health_through_the_portal(est: LabEstate, kind: str) -> None:
    app = _app(est, kind)
    code, body = portal(est, app, app.health_path)
    assert code == 200, f"{app.id}: GET {app.health_path} via the portal gave {code}: {body[:200]!r}"
    answer = json.loads(body)
    assert answer["status"] == "ok" and answer["host"] == app.hosts[0], answer


def test_lab_status_says_every_vendor_app_is_up(vlab: LabAccess) -> None:
    health = {(h.id, a): word for h in status(NAME) for a, word in h.apps}
    assert health == {("dpk-web1", "simpatda-depok"): "ok", ("dpk-db1", "simpatda-depok"): "db ok",
                      ("grt-app1", "ekinerja-garut"): "ok", ("kds-batch1", "rekap-desa"): "ok"}


def test_php_app_row_write_is_acknowledged_and_in_mariadb(vlab: LabAccess, est: LabEstate) -> None:
    app = _app(est, "php-mariadb")
    code, body = portal(est, app, "/api/pajak.php", json.dumps({"npwpd": "P.9.0000001", "wajib_pajak": "uji tulis",
                                                                "jumlah": 1234.5}).encode())
    assert code == 201, body
    row_id = json.loads(body)["id"]
    sql = f"SELECT wajib_pajak, jumlah FROM simpatda.pajak WHERE id = {int(row_id)}"
    assert sh(vlab, "dpk-db1", f"mariadb -N -B -e {shlex.quote(sql)}") == "uji tulis\t1234.50"


def test_php_app_upload_is_acknowledged_and_on_disk_under_the_web_root(vlab: LabAccess, est: LabEstate) -> None:
    app, blob = _app(est, "php-mariadb"), os.urandom(5000)
    code, body = portal(est, app, "/upload.php?name=uji-unggah.pdf", blob)
    assert code == 201, body
    stored = json.loads(body)["name"]
    got = sh(vlab, "dpk-web1", f"sha256sum /var/www/simpatda/uploads/{shlex.quote(stored)}").split()[0]
    assert got == hashlib.sha256(blob).hexdigest()


def test_mariadb_is_on_the_other_host_and_the_php_config_holds_its_ip(vlab: LabAccess, est: LabEstate) -> None:
    app = _app(est, "php-mariadb")
    db_ip, web_ip = est.host("dpk-db1").ip, est.host("dpk-web1").ip
    conf = sh(vlab, "dpk-web1", "cat /var/www/simpatda/config/database.php")
    assert f"'host'     => '{db_ip}'" in conf and vendorinstall.db_user(app)[2] in conf, conf
    assert f"{db_ip}:3306" in sh(vlab, "dpk-db1", "ss -Htln"), "MariaDB must listen on the db host's own ip"
    assert ":3306" not in sh(vlab, "dpk-web1", "ss -Htln"), "no database on the web host"
    grants = sh(vlab, "dpk-db1", "mariadb -N -B -e \"SELECT CONCAT(user, '@', host) FROM mysql.user "
                                 "WHERE user = 'simpatda_app'\"")
    assert grants == f"simpatda_app@{web_ip}"


def test_mariadb_refuses_the_app_user_from_any_other_host(vlab: LabAccess, est: LabEstate) -> None:
    _, user, password = vendorinstall.db_user(_app(est, "php-mariadb"))
    login = f"mariadb -h {est.host('dpk-db1').ip} -u {user} -p{password} -N -B -e 'SELECT 1'"
    assert sh(vlab, "dpk-web1", login) == "1"
    other = vlab.ssh("pdn-t01", login)
    assert other.returncode != 0 and "is not allowed to connect" in other.stderr, other


def test_service_write_is_acknowledged_and_in_its_sqlite_file(vlab: LabAccess, est: LabEstate) -> None:
    app = _app(est, "service-sqlite")
    code, body = portal(est, app, "/api/laporan", json.dumps({"nip": "198001012005011001", "uraian": "uji tulis",
                                                             "nilai": 88}).encode())
    assert code == 201, body
    row = json.loads(body)["id"]
    got = sh(vlab, "grt-app1", f"sqlite3 /var/lib/ekinerja/ekinerja.db 'SELECT uraian, nilai FROM laporan WHERE id = {row}'")
    assert got == "uji tulis|88"
    blob = os.urandom(3000)
    assert portal(est, app, "/api/lampiran/uji.pdf", blob)[0] == 201
    assert sh(vlab, "grt-app1", "sha256sum /var/lib/ekinerja/lampiran/uji.pdf").split()[0] == \
        hashlib.sha256(blob).hexdigest()


@pytest.mark.parametrize("host, user, uid, script, port", [
    ("grt-app1", "ekinerja", 1201, "ekinerjad", 8970),
    ("kds-batch1", "rekap", 1301, "rekapdesa-web", 8090),
])
def test_service_runs_as_its_own_user_with_the_fixed_uid(vlab: LabAccess, host: str, user: str, uid: int,
                                                         script: str, port: int) -> None:
    assert sh(vlab, host, f"id -u {user}; id -g {user}").split() == [str(uid), str(uid)]
    pid = sh(vlab, host, f"ss -Htlnp 'sport = :{port}'").split("pid=")[1].split(",")[0]
    assert sh(vlab, host, f"ps -o uid= -p {pid}").strip() == str(uid), f"the listener on {port} must run as {uid}"
    assert sh(vlab, host, f"/etc/init.d/{script} status") == f"{script} is running"
    assert sh(vlab, host, f"readlink /etc/rc2.d/S02{script}") == f"../init.d/{script}"


def test_cron_batch_turns_an_acknowledged_submission_into_a_report(vlab: LabAccess, est: LabEstate) -> None:
    app, desa = _app(est, "cron-spool"), f"Desa Uji {os.getpid()}"
    code, body = portal(est, app, "/kirim", json.dumps({"desa": desa, "jumlah": 4242}).encode())
    assert code == 201, body
    ident = json.loads(body)["id"]
    assert sh(vlab, "kds-batch1", "pgrep -x cron"), "cron must run in the host"
    entry = sh(vlab, "kds-batch1", "grep -v '^#' /etc/cron.d/rekapdesa | grep -v = ").split(None, 6)
    assert entry[:6] == ["*", "*", "*", "*", "*", "rekap"], entry
    # Run the job as cron would (its user, its command) instead of waiting for the next minute.
    sh(vlab, "kds-batch1", f"runuser -u rekap -- sh -c {shlex.quote(entry[6])}")
    for _ in range(20):
        code, report = portal(est, app, "/laporan/terbaru")
        if f"{desa},1,4242".encode() in report:
            break
        time.sleep(0.5)
    assert f"{desa},1,4242".encode() in report, report
    assert json.loads(portal(est, app, f"/kiriman/{ident}")[1])["where"] == "arsip"


def test_a_full_disk_fails_the_services_writes_instead_of_acknowledging_them(est: LabEstate) -> None:
    app = _app(est, "service-sqlite")
    write = json.dumps({"nip": "1", "uraian": "saat disk penuh", "nilai": 1}).encode()
    faults.apply(NAME, "grt-app1", "disk-full")  # a full tmpfs over /var/lib/ekinerja
    try:
        code, body = portal(est, app, "/api/laporan", write)
        assert code == 500, f"a write to a full disk gave {code}: {body[:200]!r}"
    finally:
        faults.apply(NAME, "grt-app1", "disk-full", off=True)
    assert portal(est, app, "/api/laporan", write)[0] == 201


@pytest.mark.slow
def test_cron_itself_runs_the_batch_within_a_minute(vlab: LabAccess) -> None:
    """No hand run here: a report newer than the test's start can only come from cron."""
    reports = "/var/spool/rekapdesa/reports"
    start = int(sh(vlab, "kds-batch1", "date +%s"))
    newest = 0
    deadline = time.monotonic() + 75  # cron wakes each minute; the batch takes well under a second
    while time.monotonic() < deadline and newest <= start:
        newest = int(sh(vlab, "kds-batch1", f"stat -c %Y {reports}/rekap-*.csv | sort -n | tail -1"))
        time.sleep(2)
    assert newest > start, f"no report in {reports} written by cron within 75 s of {start}"
