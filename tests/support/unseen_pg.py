"""Helpers for the second unseen-app test (tests/integration/migrate/test_unseen_pg_app.py): SIPKD Kas,
a Python service whose receipts live in PostgreSQL on a second legacy host, planted by hand on two
empty hosts (tests/fixtures/unseen_pg), and a writer that posts receipts through the portal while
the app moves and remembers every one it was told was committed.

Not a test module. Nothing here is product code: the toolkit must learn this app from its hosts.
"""

from __future__ import annotations

import shlex
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Self

from migration.lab import LabAccess
from migration.lab.appinstall import portal_conf
from tests.support.unseen import Pair, bundle, ssh_in

FILES = Path(__file__).resolve().parents[1] / "fixtures" / "unseen_pg"
APP = "sipkd-kas-garut"
WEB, DB = "grt-app3", "grt-db3"
WEB_TARGET, DB_TARGET = "pdn-t06", "pdn-t07"
PAIRS: tuple[Pair, ...] = ((WEB, "10.76.62.31", WEB_TARGET, "10.76.70.26"), (DB, "10.76.62.32", DB_TARGET, "10.76.70.27"))
PORT, SERVICE = 8377, "kas.garutkab.go.id"
ROWS, PROOFS = 500, 12
# What the agency declared: two hosts, which one holds the database, the port and portal name. No paths.
DECLARED = {"id": APP, "name": "SIPKD Kas Kabupaten Garut", "agency": "pemkab-garut", "function": "treasury",
            "criticality": "high", "data_class": "confidential", "data_gb": 1, "hosts": [WEB, DB],
            "db_host": DB, "port": PORT, "service": SERVICE}
UPLOADS = "/var/www/sipkd/public/uploads"
CONFIG = "/etc/default/sipkd"
# Rows and a digest over every row, in id order, as the database holds them.
ROWS_SQL = ("runuser -u postgres -- psql -XAt -d sipkd_prod -c "
            "\"SELECT count(*) || ' ' || md5(string_agg(t::text, ',' ORDER BY id)) FROM kas_masuk t\"")
UPLOADS_SUM = f"cd {UPLOADS} && find . -type f -printf '%P %U:%G %m\\n' | sort && find . -type f | sort | xargs sha256sum"


def plant(lab: LabAccess, ips: dict[str, str]) -> None:
    """The database host's part first, then the application server's, then its route on the portal."""
    for host, args in ((DB, f"install-db.sh {ips[WEB]} {ROWS}"), (WEB, f"install-app.sh {PORT} {ips[DB]} {PROOFS}")):
        done = ssh_in(lab, host, f"set -e; d=$(mktemp -d); tar -x -C $d; sh $d/{args}; rm -rf $d", bundle(FILES))
        assert done.returncode == 0, f"install on {host} failed: {done.stderr.decode()[-2000:]}"
    route = shlex.quote(portal_conf(SERVICE, ips[WEB], PORT))
    done = ssh_in(lab, "pdn-portal", f"printf %s {route} > /etc/nginx/conf.d/dcc-{SERVICE}.conf && nginx -s reload")
    assert done.returncode == 0, done.stderr.decode()
    deadline = time.monotonic() + 60
    while request(ips["pdn-portal"], "/ping") != (200, b"pong"):
        assert time.monotonic() < deadline, "SIPKD never answered through the portal"
        time.sleep(0.3)


def request(portal: str, path: str, method: str = "GET", data: bytes | None = None) -> tuple[int, bytes]:
    """One request through the portal, by the service's name; (0, reason) when nothing answered."""
    req = urllib.request.Request(f"http://{portal}{path}", data=data, method=method, headers={"Host": SERVICE})
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as err:
        return err.code, err.read()
    except OSError as err:
        return 0, str(err).encode()


def receipts(portal: str) -> dict[int, str]:
    status, body = request(portal, "/kas")
    assert status == 200, (status, body[:300])
    return {int(i): nomor for i, nomor, _ in (line.split() for line in body.decode().splitlines())}


@dataclass
class Writer:
    """Posts receipts through the portal until stopped (at most `limit`, a pause between each);
    keeps each one acknowledged (201 and its id), counts refusals and silences."""

    portal: str
    tag: str
    limit: int = 3000
    acked: dict[int, str] = field(default_factory=dict)
    refused: int = 0
    unanswered: int = 0
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def __enter__(self) -> Self:
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        assert self._thread is not None
        self._thread.join(timeout=60)

    def _run(self) -> None:
        for i in range(self.limit):
            if self._stop.is_set():
                return
            nomor = f"{self.tag}-{i:05d}"
            status, body = request(self.portal, "/kas", "POST", f"{nomor} {i + 1}".encode())
            if status == 201:
                self.acked[int(body)] = nomor
            elif status == 0:
                self.unanswered += 1
            else:
                self.refused += 1
            time.sleep(0.02)
