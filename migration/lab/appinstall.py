"""Install the sample legacy apps and the national portal onto lab hosts, following the
"App layout convention" in docs/inventory-format.md, with deterministic seed data.

Files are written into the host's overlay before boot; databases are created after boot.
"""

from __future__ import annotations

import json
import os
import socket
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from migration.atomic import write_text_atomic
from migration.errors import LabError
from migration.lab import hosts, vendorinstall
from migration.lab.estate import App, Host, LabEstate
from migration.lab.overlay import enable as _enable
from migration.lab.overlay import lab_password as db_password
from migration.lab.overlay import owner as _owner
from migration.lab.overlay import seed_file
from migration.lab.run import run

_SRC = Path(__file__).parent / "apps"
_CODE = {"web-db": "webdb.py", "files": "files.py", "api": "api.py"}
SEED_ROWS = 500
SEED_FILES = 300
# Real calls that were never declared (discovery must find them); declared-but-unused
# dependencies (perizinan-jabar -> eoffice-bogor) are simply not called.
UNDECLARED_CALLS = {"sehat-api": ("arsip-kemenkes",)}
_DONE = "var/lib/dcc-lab"


def db_name(app_id: str) -> str:
    return app_id.replace("-", "_")


def http_hosts(app: App) -> tuple[str, ...]:
    """Hosts running the app's HTTP process: all of `hosts` but a separate db host."""
    return app.http_hosts


def peers(est: LabEstate, app: App) -> list[str]:
    """Base URLs of the apps this api app calls: its declared dependencies plus undeclared ones."""
    if app.archetype != "api":
        return []
    targets = [d.dst for d in est.dependencies if d.src == app.id]
    targets += [t for t in UNDECLARED_CALLS.get(app.id, ()) if t not in targets]
    by_id = {a.id: a for a in est.apps}
    return [f"http://{http_hosts(by_id[t])[0]}:{by_id[t].port}" for t in targets if t in by_id]


def app_conf(est: LabEstate, app: App) -> str:
    conf = {"APP_ID": app.id, "ARCHETYPE": app.archetype, "PORT": str(app.port),
            "DATA_DIR": f"/srv/{app.id}/data", "PEERS": ",".join(peers(est, app))}
    if app.archetype == "web-db":
        conf |= {"DB_HOST": app.db_host or app.hosts[0], "DB_NAME": db_name(app.id),
                 "DB_USER": db_name(app.id), "DB_PASSWORD": db_password(app.id)}
    if app.archetype == "api":
        conf["INTERVAL"] = "2"
    return f"# {app.id} ({app.archetype}), installed by the dcc lab\n" + "".join(
        f"{k}={v}\n" for k, v in conf.items())


def _install_app(est: LabEstate, app: App, root: Path) -> None:
    write_text_atomic(root / f"etc/{app.id}/app.conf", app_conf(est, app), mode=0o640)
    code = root / f"opt/{app.id}"
    write_text_atomic(code / "app.py", (_SRC / _CODE[app.archetype]).read_text(), mode=0o755)
    write_text_atomic(code / "dccapp.py", (_SRC / "dccapp.py").read_text())
    init = (_SRC / "init.d.sh").read_text().replace("@ID@", app.id).replace("@ARCHETYPE@", app.archetype)
    write_text_atomic(root / f"etc/init.d/{app.id}", init, mode=0o755)
    _enable(root, app.id, 2)
    data = root / f"srv/{app.id}/data"
    data.mkdir(parents=True, exist_ok=True)
    if app.archetype == "files":
        for i in range(SEED_FILES):
            name, blob = seed_file(app.id, i)
            (data / name).parent.mkdir(parents=True, exist_ok=True)
            (data / name).write_bytes(blob)


def _install_db_server(est: LabEstate, root: Path) -> None:
    conf = root / "etc/postgresql/15/main"
    write_text_atomic(conf / "conf.d/dcc-lab.conf", "listen_addresses = '*'\n")
    hba = (conf / "pg_hba.conf").read_text()
    lines = [f"host all all {d.subnet} scram-sha-256" for d in est.datacenters]
    extra = "".join(f"{ln}\n" for ln in lines if ln not in hba)
    if extra:
        write_text_atomic(conf / "pg_hba.conf", hba + "# lab subnets (dcc lab)\n" + extra, mode=0o640)
        os.chown(conf / "pg_hba.conf", *_owner(root, "postgres"))
    _enable(root, "postgresql", 1)


def portal_conf(service: str, backend_ip: str, port: int) -> str:
    """One file per public service; cutover rewrites proxy_pass and runs `nginx -s reload`."""
    return (f"# dcc portal route for {service}\nserver {{\n    listen 80;\n    server_name {service};\n"
            f"    location / {{\n        proxy_pass http://{backend_ip}:{port};\n"
            f"        proxy_set_header Host $host;\n"
            f"        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;\n    }}\n}}\n")


def _install_portal(est: LabEstate, root: Path) -> None:
    for app in est.apps:
        if app.service:
            ip = str(est.host(http_hosts(app)[0]).ip)
            write_text_atomic(root / f"etc/nginx/conf.d/dcc-{app.service}.conf", portal_conf(app.service, ip, app.port))
    _enable(root, "nginx", 3)


def install(est: LabEstate, host: Host, root: Path) -> None:
    """Write the host's apps into its overlay, once (a marker in the upper dir says done)."""
    marker = root / _DONE / "installed"
    if marker.exists():
        return
    if any(a.db_host == host.id and not a.shape for a in est.apps):
        _install_db_server(est, root)
    for app in est.apps:
        if app.shape:
            vendorinstall.install(est, app, host, root)
        elif host.id in http_hosts(app):
            _install_app(est, app, root)
    if host.id == est.portal_host:
        _install_portal(est, root)
    write_text_atomic(marker, "1\n")


def seed_sql(app: App) -> str:
    """Role, database and the deterministic `records` rows (row i is the same on every run)."""
    name, pw = db_name(app.id), db_password(app.id)
    return (f"CREATE ROLE {name} LOGIN PASSWORD '{pw}';\nCREATE DATABASE {name} OWNER {name};\n"
            f"\\connect {name}\nSET ROLE {name};\n"
            "CREATE TABLE records (id integer PRIMARY KEY, title text NOT NULL, "
            "amount numeric(12,2) NOT NULL, created date NOT NULL);\n"
            f"INSERT INTO records SELECT g, '{app.id} record ' || g, (g * 7919 % 1000000) / 100.0, "
            f"date '2024-01-01' + (g % 366) FROM generate_series(1, {SEED_ROWS}) AS g;\n")


def _provision_db(est: LabEstate, host_id: str) -> None:
    from migration.lab.lifecycle import host_init_pid

    root = hosts.HostPaths.of(est.name, host_id).root
    enter = hosts.nsenter_argv(host_init_pid(est.name, host_id))
    deadline = time.monotonic() + 60
    while run([*enter, "pg_isready", "-q"], check=False).returncode != 0:
        if time.monotonic() > deadline:
            raise LabError(f"PostgreSQL on {host_id} did not start within 60 s")
        time.sleep(0.2)
    for app in est.apps:
        marker = root / _DONE / f"db-{app.id}"
        if app.db_host == host_id and not marker.exists():
            run([*enter, "runuser", "-u", "postgres", "--", "psql", "-q", "-v", "ON_ERROR_STOP=1"],
                input=seed_sql(app))
            write_text_atomic(marker, "1\n")


def after_boot(est: LabEstate, started: list[str]) -> None:
    """Create and seed databases on freshly booted db hosts (in parallel; once per app)."""
    db_hosts = sorted({a.db_host for a in est.apps if a.db_host and a.db_host in started and not a.shape})
    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(lambda h: _provision_db(est, h), db_hosts))
        list(pool.map(lambda a: vendorinstall.after_boot(est, a, started), [a for a in est.apps if a.shape]))


def http_health(ip: str, port: int, host_header: str | None = None, timeout: float = 3,
                path: str = "/health") -> dict[str, Any]:
    """GET the health path; raises OSError (or ValueError) if the app does not answer 200 JSON."""
    req = urllib.request.Request(f"http://{ip}:{port}{path}", headers={"Host": host_header} if host_header else {})
    with urllib.request.urlopen(req, timeout=timeout) as resp:
        answer: dict[str, Any] = json.loads(resp.read())
        return answer


def health(app: App, host: Host) -> str:
    """One word for `lab status`: ok | down | db ok | db down."""
    if host.id in http_hosts(app):
        try:
            answer = http_health(str(host.ip), app.port, timeout=2, path=app.health_path)
            return "ok" if answer.get("status") == "ok" else "bad"
        except (OSError, ValueError):
            return "down"
    try:
        socket.create_connection((str(host.ip), vendorinstall.DB_PORT if app.shape else 5432), timeout=1).close()
        return "db ok"
    except OSError:
        return "db down"
