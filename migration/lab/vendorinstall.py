"""Install the vendor-shaped archetypes (lab/shapes.yaml) onto lab hosts, laid out as vendors ship
them rather than in the toolkit's convention: A php-mariadb, B service-sqlite, C cron-spool.

Files go into the host's overlay before boot (templates in apps/vendor/); MariaDB is seeded after.
"""

from __future__ import annotations

import os
import sqlite3
import time
from pathlib import Path

from migration.errors import LabError
from migration.lab import hosts, overlay
from migration.lab.estate import App, Host, LabEstate
from migration.lab.overlay import fill, mkdirs, put, seed_file
from migration.lab.run import run

_SRC = Path(__file__).parent / "apps" / "vendor"
DB_PORT = 3306
SEED_ROWS = 500         # A: rows of `pajak` in MariaDB; B: rows of `laporan` in SQLite
SEED_UPLOADS = 120      # A: files under /var/www/<vendor>/uploads/
SEED_ATTACHMENTS = 60   # B: files under /var/lib/<vendor>/lampiran/
SEED_SUBMISSIONS = 150  # C: archived submissions under /var/spool/<vendor>/arsip/
_DONE = "var/lib/dcc-lab"


def _src(rel: str) -> str:
    return (_SRC / rel).read_text()


def data_dir(app: App, host_id: str) -> str:
    """Where the app's own data lives on `host_id` (the disk-full fault's default target)."""
    assert app.shape is not None
    vendor = app.shape.vendor
    if app.shape.kind == "php-mariadb":
        return "/var/lib/mysql" if host_id == app.db_host else f"/var/www/{vendor}/uploads"
    return f"/var/lib/{vendor}" if app.shape.kind == "service-sqlite" else f"/var/spool/{vendor}"


def install(est: LabEstate, app: App, host: Host, root: Path) -> None:
    """Plant the part of a shaped app that lives on `host` (nothing if it has none)."""
    assert app.shape is not None
    if app.shape.kind == "php-mariadb" and host.id == app.db_host:
        _mariadb_server(est, app, host, root)
    if host.id not in app.http_hosts:
        return
    {"php-mariadb": _php_app, "service-sqlite": _service_app, "cron-spool": _cron_app}[app.shape.kind](est, app, root)


# --- A: PHP under Apache, MariaDB on another host ---------------------------------------------

def db_user(app: App) -> tuple[str, str, str]:
    """(database, user, password): named after the product, as vendors do; a lab password."""
    assert app.shape is not None
    return app.shape.vendor, f"{app.shape.vendor}_app", overlay.lab_password(app.id)


def _php_app(est: LabEstate, app: App, root: Path) -> None:
    assert app.shape is not None and app.db_host is not None
    vendor, www = app.shape.vendor, overlay.owner(root, "www-data")
    web = root / "var/www" / vendor
    for rel in ("status.php", "upload.php", "api/pajak.php", "lib/db.php"):
        put(web / rel, _src(f"simpatda/{rel}"))
    name, user, password = db_user(app)
    conf = fill(_src("simpatda/config/database.php"), DB_IP=str(est.host(app.db_host).ip), DB_NAME=name,
                DB_USER=user, DB_PASSWORD=password)
    put(web / "config/database.php", conf, (0, www[1]), 0o640)
    mkdirs(web / "uploads", www, 0o775)
    for i in range(SEED_UPLOADS):
        rel, blob = seed_file(app.id, i)
        put(web / "uploads" / rel, blob, www, 0o664)
    site = fill(_src("simpatda-apache.conf"), VENDOR=vendor, SERVICE=app.service or app.id)
    put(root / f"etc/apache2/sites-available/{vendor}.conf", site)
    enabled = root / f"etc/apache2/sites-enabled/{vendor}.conf"
    if not enabled.is_symlink():
        enabled.symlink_to(f"../sites-available/{vendor}.conf")
    (root / "etc/apache2/sites-enabled/000-default.conf").unlink(missing_ok=True)
    overlay.enable(root, "apache2", 2)


def _mariadb_server(est: LabEstate, app: App, host: Host, root: Path) -> None:
    put(root / "etc/mysql/mariadb.conf.d/90-lab.cnf", fill(_src("mariadb-lab.cnf"), DB_IP=str(host.ip)))
    overlay.enable(root, "mariadb", 1)


def seed_sql(est: LabEstate, app: App) -> str:
    """Database, an app user allowed from the web host's ip only, and `pajak` with fixed rows."""
    name, user, password = db_user(app)
    web_ip = est.host(app.http_hosts[0]).ip
    return (f"CREATE DATABASE {name} CHARACTER SET utf8mb4;\n"
            f"CREATE USER '{user}'@'{web_ip}' IDENTIFIED BY '{password}';\n"
            f"GRANT ALL PRIVILEGES ON {name}.* TO '{user}'@'{web_ip}';\nUSE {name};\n"
            "CREATE TABLE pajak (id INT AUTO_INCREMENT PRIMARY KEY, npwpd VARCHAR(20) NOT NULL, "
            "wajib_pajak VARCHAR(100) NOT NULL, jumlah DECIMAL(14,2) NOT NULL, tanggal DATE NOT NULL) ENGINE=InnoDB;\n"
            "INSERT INTO pajak SELECT seq, CONCAT('P.2.', LPAD(seq, 7, '0')), CONCAT('Wajib pajak ', seq), "
            f"(seq * 7919 % 1000000) / 100, DATE '2024-01-01' + INTERVAL (seq % 366) DAY FROM seq_1_to_{SEED_ROWS};\n")


def _provision_mariadb(est: LabEstate, app: App) -> None:
    from migration.lab.lifecycle import host_init_pid

    assert app.db_host is not None
    marker = hosts.HostPaths.of(est.name, app.db_host).root / _DONE / f"db-{app.id}"
    if marker.exists():
        return
    enter = hosts.nsenter_argv(host_init_pid(est.name, app.db_host))
    deadline = time.monotonic() + 60
    while run([*enter, "mariadb-admin", "--silent", "ping"], check=False).returncode != 0:
        if time.monotonic() > deadline:
            raise LabError(f"MariaDB on {app.db_host} did not start within 60 s")
        time.sleep(0.2)
    run([*enter, "mariadb", "--batch"], input=seed_sql(est, app))
    put(marker, "1\n")


def after_boot(est: LabEstate, app: App, started: list[str]) -> None:
    """Create and seed a php-mariadb app's database once its db host has booted."""
    if app.shape is not None and app.shape.kind == "php-mariadb" and app.db_host in started:
        _provision_mariadb(est, app)


# --- B: a service under its own user, /usr/local + /etc + /var/lib, SQLite ------------------

def _service_init(app: App, name: str, user: str, daemon: str, conf: str, workdir: str, what: str) -> str:
    assert app.shape is not None
    return fill(_src("service.init"), NAME=name, USER=user, VENDOR=app.shape.vendor, DAEMON=daemon, CONF=conf,
                WORKDIR=workdir, DESCRIPTION=what)


def _service_app(est: LabEstate, app: App, root: Path) -> None:
    assert app.shape is not None
    vendor, ids = app.shape.vendor, (app.shape.uid, app.shape.uid)
    overlay.add_system_user(root, vendor, app.shape.uid, f"/var/lib/{vendor}", f"{app.id} service")
    daemon = f"/usr/local/{vendor}/bin/{vendor}-server"
    put(root / daemon.lstrip("/"), _src("ekinerja/ekinerja-server"), mode=0o755)
    ini = f"/etc/{vendor}/{vendor}.ini"
    put(root / ini.lstrip("/"), fill(_src("ekinerja/ekinerja.ini"), VENDOR=vendor, PORT=app.port), (0, ids[1]), 0o640)
    data = root / f"var/lib/{vendor}"
    mkdirs(data / "lampiran", ids, 0o750)
    mkdirs(root / f"var/log/{vendor}", ids, 0o750)
    for i in range(SEED_ATTACHMENTS):
        rel, blob = seed_file(app.id, i)
        put(data / "lampiran" / rel.replace("/", "-"), blob, ids, 0o640)
    _seed_sqlite(data / f"{vendor}.db", ids)
    init = _service_init(app, f"{vendor}d", vendor, daemon, ini, f"/var/lib/{vendor}", f"{app.id} application server")
    put(root / f"etc/init.d/{vendor}d", init, mode=0o755)
    overlay.enable(root, f"{vendor}d", 2)


def _seed_sqlite(path: Path, ids: tuple[int, int]) -> None:
    if path.exists():
        return
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE laporan (id INTEGER PRIMARY KEY, nip TEXT NOT NULL, uraian TEXT NOT NULL, "
                     "nilai INTEGER NOT NULL, dibuat TEXT NOT NULL)")
        conn.executemany("INSERT INTO laporan VALUES (?, ?, ?, ?, ?)", [
            (i, f"19{700000 + i * 37:06d}", f"Kegiatan harian {i}", i * 13 % 100,
             f"2024-{1 + i % 12:02d}-{1 + i % 28:02d} 08:00:00") for i in range(1, SEED_ROWS + 1)])
    conn.close()
    path.chmod(0o640)
    os.chown(path, *ids)


# --- C: a cron batch writing reports into a spool, plus a status page ------------------------

def seed_submission(i: int) -> tuple[str, str]:
    """Archived submission i: (file name, `desa TAB amount` line)."""
    desa = ("Sukamaju", "Cibodas", "Mekarsari", "Sindangsari", "Karangsari")[i % 5]
    return f"seed-{i:04d}.txt", f"Desa {desa}\t{(i * 7919) % 250000 + 1000}\n"


def first_report() -> str:
    """The CSV the batch would write over the seeded archive (so the status page is up at once)."""
    totals: dict[str, tuple[int, int]] = {}
    for i in range(SEED_SUBMISSIONS):
        desa, amount = seed_submission(i)[1].rstrip("\n").split("\t")
        n, s = totals.get(desa, (0, 0))
        totals[desa] = (n + 1, s + int(amount))
    return "desa,kiriman,jumlah\n" + "".join(f"{d},{n},{s}\n" for d, (n, s) in sorted(totals.items()))


def _cron_app(est: LabEstate, app: App, root: Path) -> None:
    assert app.shape is not None
    vendor, user, ids = app.shape.vendor, "rekap", (app.shape.uid, app.shape.uid)
    home = root / "home" / user
    overlay.add_system_user(root, user, app.shape.uid, f"/home/{user}", f"{app.id} batch")
    mkdirs(home / "bin", ids)
    put(home / "bin/rekap-harian.sh", fill(_src("rekapdesa/rekap-harian.sh"), VENDOR=vendor), ids, 0o755)
    put(home / "bin/status-server.py", _src("rekapdesa/status-server.py"), ids, 0o755)
    put(root / f"etc/default/{vendor}", fill(_src("rekapdesa/rekapdesa.default"), VENDOR=vendor, PORT=app.port))
    put(root / f"etc/cron.d/{vendor}", fill(_src("rekapdesa/rekapdesa.cron"), VENDOR=vendor, USER=user))
    spool = root / f"var/spool/{vendor}"
    for sub in ("masuk", "arsip", "reports"):
        mkdirs(spool / sub, ids, 0o750)
    mkdirs(root / f"var/log/{vendor}", ids, 0o750)
    for i in range(SEED_SUBMISSIONS):
        name, line = seed_submission(i)
        put(spool / "arsip" / name, line, ids, 0o640)
    put(spool / "reports/rekap-20240101-000000.csv", first_report(), ids, 0o640)
    init = _service_init(app, f"{vendor}-web", user, f"/home/{user}/bin/status-server.py", f"/etc/default/{vendor}",
                         f"/var/spool/{vendor}", f"{app.id} status page")
    put(root / f"etc/init.d/{vendor}-web", init, mode=0o755)
    overlay.enable(root, f"{vendor}-web", 2)
