"""The MariaDB engine (playbooks/roles/dcc_engines/files/dcc-mariadb.sh) on real hosts of the vendor
lab (octet 87): a dump taken while writers commit is one consistent snapshot, its checksums
describe exactly what it holds, a restore is compared with them (a tampered dump is refused),
accounts and grants follow the app to its new address, and the freeze ends the app's sessions
and refuses new ones until the thaw.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.support.lab import shifted

pytestmark = pytest.mark.integration
NAME, OCTET = shifted("mdb", 87)
ENGINE = Path(__file__).resolve().parents[3] / "playbooks/roles/dcc_engines/files/dcc-mariadb.sh"
DB, OUT, IN = "simpatda", "/var/lib/dcc/staging/simpatda-depok/db", "/var/lib/dcc/incoming/simpatda-depok/db"
STATE = "/var/lib/dcc/frozen"
# Two tables written in one transaction: any snapshot holds as many rows in each; a dump that
# read them at two moments would not. Values with a tab, NULL and the string 'NULL'.
WRITER = ("rm -f /tmp/dcc-stop; for i in $(seq 1 20000); do [ -e /tmp/dcc-stop ] && break; "
          "mariadb simpatda -e \"START TRANSACTION; INSERT INTO t_a VALUES ($i, CONCAT('a\\tb', $i)); "
          "INSERT INTO t_b VALUES ($i, IF($i % 7 = 0, NULL, 'NULL')); COMMIT;\"; done")


@pytest.fixture(scope="module")
def lab(make_vendor_lab):
    acc = make_vendor_lab(NAME, OCTET)
    acc.ssh("dpk-db1", "for i in $(seq 1 100); do mariadb-admin --silent ping && break; sleep 0.2; done", 60)
    made = acc.ssh("dpk-db1", "mariadb simpatda -e 'CREATE TABLE t_a (id INT PRIMARY KEY, note TEXT) ENGINE=InnoDB;"
                              " CREATE TABLE t_b (id INT PRIMARY KEY, note TEXT NULL) ENGINE=InnoDB;'")
    assert made.returncode == 0, made.stderr
    return acc


def engine(acc, host: str, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run the engine script on `host` the way ansible.builtin.script does: shipped, run by bash."""
    return subprocess.run([*acc.ssh_args(host), "bash", "-s", *args], input=ENGINE.read_text(), text=True,
                          capture_output=True, timeout=timeout, check=False)


def counts(text: str) -> dict[str, tuple[int, str]]:
    return {t: (int(n), h) for t, n, h in (line.split() for line in text.strip().splitlines())}


def _copy_dump(acc, tmp_path: Path) -> None:
    ssh = f"ssh -F {acc.ssh_config}"
    for src, dst in ((f"dpk-db1:{OUT}/", f"{tmp_path}/"), (f"{tmp_path}/", f"pdn-t02:{IN}/")):
        subprocess.run(["rsync", "-a", "--mkpath", "-e", ssh, src, dst], check=True, timeout=60)


def test_a_dump_under_concurrent_writes_is_one_snapshot_and_restores_exactly(lab, tmp_path):
    writer = subprocess.Popen([*lab.ssh_args("dpk-db1"), WRITER], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        lab.ssh("dpk-db1", "for i in $(seq 1 100); do [ $(mariadb -NBe 'SELECT COUNT(*) FROM simpatda.t_a') -gt 20 ]"
                           " && break; sleep 0.1; done")
        # The writer is root, which no freeze can lock out: the snapshot alone must make it consistent.
        dumped = engine(lab, "dpk-db1", "dump", DB, "simpatda_app", OUT, STATE)
        after = lab.ssh("dpk-db1", "mariadb -NBe 'SELECT COUNT(*) FROM simpatda.t_a'")
    finally:
        lab.ssh("dpk-db1", "touch /tmp/dcc-stop")
        writer.wait(timeout=60)
    assert dumped.returncode == 0 and dumped.stdout.strip().endswith("changed"), dumped.stderr
    source = counts(lab.ssh("dpk-db1", f"cat {OUT}/counts.txt").stdout)
    assert source["t_a"][0] == source["t_b"][0] > 20, f"not one snapshot: {source}"
    assert int(after.stdout) > source["t_a"][0], "the writers must have gone on committing during the dump"
    assert "__dcc_check" not in lab.ssh("dpk-db1", "mariadb -NBe 'SHOW DATABASES'").stdout
    modes = lab.ssh("dpk-db1", f"stat -c '%a %n' {OUT} {OUT}/dump.sql {OUT}/grants.sql").stdout.split()
    assert modes[::2] == ["700", "600", "600"], modes
    # The dump froze the app's account; the copy of it carries no lock of ours.
    grants = lab.ssh("dpk-db1", f"cat {OUT}/grants.sql").stdout
    assert "simpatda_app" in grants and "ACCOUNT LOCK" not in grants, grants
    assert engine(lab, "dpk-db1", "thaw", DB, STATE).stdout.strip() == "changed"

    _copy_dump(lab, tmp_path)
    assert engine(lab, "pdn-t02", "access").returncode == 0
    # The app serves from two hosts once moved: each gets the account, with its grants on DB.
    clients = [lab.hosts()[h]["ip"] for h in ("pdn-t01", "pdn-t03")]
    restored = engine(lab, "pdn-t02", "restore", DB, "simpatda_app", IN, ",".join(clients), "0123456789abcdef")
    assert restored.returncode == 0 and restored.stdout.strip().endswith("changed"), restored.stderr
    assert counts(engine(lab, "pdn-t02", "counts", DB).stdout) == source
    users = lab.ssh("pdn-t02", "mariadb -NBe \"SELECT CONCAT(user, '@', host) FROM mysql.user\"").stdout.split()
    for ip in clients:
        assert f"simpatda_app@{ip}" in users, users
        grants = lab.ssh("pdn-t02", f"mariadb -NBe \"SHOW GRANTS FOR 'simpatda_app'@'{ip}'\"").stdout
        assert "`simpatda`.*" in grants, grants
    bad = engine(lab, "pdn-t02", "restore", DB, "simpatda_app", IN, f"{clients[0]},not-an-address", "0123456789abcdef")
    assert bad.returncode == 2 and "not a list of addresses" in bad.stderr, bad.stderr
    again = engine(lab, "pdn-t02", "restore", DB, "simpatda_app", IN, ",".join(clients), "0123456789abcdef")
    assert again.stdout.strip() == "unchanged", again.stdout + again.stderr


def test_a_tampered_dump_is_refused_and_the_database_there_is_kept(lab):
    # One row more than the source had, as a dump altered in storage or on the way would hold.
    lab.ssh("pdn-t02", f"echo \"INSERT INTO t_b VALUES (999999, 'tampered');\" >> {IN}/dump.sql")
    before = engine(lab, "pdn-t02", "counts", DB).stdout
    refused = engine(lab, "pdn-t02", "restore", DB, "simpatda_app", IN, "10.0.0.1", "fedcba9876543210")
    assert refused.returncode == 1 and "differ from the source's" in refused.stderr, refused.stderr
    assert engine(lab, "pdn-t02", "counts", DB).stdout == before
    schemas = lab.ssh("pdn-t02", "mariadb -NBe 'SHOW DATABASES'").stdout
    assert "__dcc_restore" not in schemas and "__dcc_kept" not in schemas, schemas


def test_freeze_ends_the_apps_sessions_and_refuses_new_ones_until_the_thaw(lab):
    db_ip = lab.hosts()["dpk-db1"]["ip"]
    pw = lab.ssh("dpk-web1", "sed -n \"s/.*'password' *=> *'\\([^']*\\)'.*/\\1/p\" /var/www/simpatda/config/database.php")
    login = f"mariadb -h {db_ip} -u simpatda_app -p{pw.stdout.strip()} simpatda -NBe"
    assert lab.ssh("dpk-web1", f"{login} 'SELECT 1'").stdout.strip() == "1"
    held = subprocess.Popen([*lab.ssh_args("dpk-web1"), f"{login} 'SELECT SLEEP(60)'"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    lab.ssh("dpk-db1", "for i in $(seq 1 50); do mariadb -NBe 'SHOW PROCESSLIST' | grep -q simpatda_app && break; "
                       "sleep 0.1; done")
    frozen = engine(lab, "dpk-db1", "freeze", DB, STATE)
    assert frozen.stdout.strip() == "changed", frozen.stderr
    assert held.wait(timeout=30) != 0, "the app's open session must have been ended"
    refused = lab.ssh("dpk-web1", f"{login} 'SELECT 1'")
    assert refused.returncode != 0 and "locked" in refused.stderr, refused.stderr
    assert engine(lab, "dpk-db1", "freeze", DB, STATE).stdout.strip() == "unchanged"
    assert engine(lab, "dpk-db1", "thaw", DB, STATE).stdout.strip() == "changed"
    assert lab.ssh("dpk-web1", f"{login} 'SELECT 1'").stdout.strip() == "1"
    assert engine(lab, "dpk-db1", "thaw", DB, STATE).stdout.strip() == "unchanged"
