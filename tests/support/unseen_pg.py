"""Helpers for the second unseen-app test (tests/integration/migrate/test_unseen_pg_app.py): SIPKD Kas,
a Python service whose receipts live in PostgreSQL on a second legacy host, planted by hand on two
empty hosts (tests/fixtures/unseen_pg), and a writer that posts receipts through the portal while
the app moves and remembers every one it was told was committed.

Not a test module. Nothing here is product code: the toolkit must learn this app from its hosts.
"""

from __future__ import annotations

import time
from pathlib import Path

from migration.lab import LabAccess
from tests.support.unseen import Answer, Pair, install, publish, request
from tests.support.writers import Outcome, Writers

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
    install(lab, DB, FILES, f"install-db.sh {ips[WEB]} {ROWS}")
    install(lab, WEB, FILES, f"install-app.sh {PORT} {ips[DB]} {PROOFS}")
    publish(lab, SERVICE, ips[WEB], PORT)
    deadline = time.monotonic() + 60
    while (got := request(ips["pdn-portal"], "/ping", service=SERVICE)) != Answer(200, b"pong"):
        assert time.monotonic() < deadline, f"SIPKD never answered through the portal: {got}"
        time.sleep(0.3)


def receipts(portal: str) -> set[str]:
    """The number (`nomor`) of every receipt the app serves."""
    got = request(portal, "/kas", service=SERVICE)
    assert got.status == 200, got
    return {line.split()[1] for line in got.body.decode().splitlines()}


def writer(portal: str) -> Writers:
    """Receipts posted through the portal (bounded), each numbered by its title: 201 acknowledged,
    another status refused, no answer unknown."""
    def post(title: str) -> Outcome:
        status = request(portal, "/kas", "POST", f"{title} 1".encode(), service=SERVICE).status
        return "acked" if status == 201 else "unknown" if status == 0 else "refused"
    return Writers({"kas": post}, pause=0.02, max_writes=3000, max_seconds=600)
