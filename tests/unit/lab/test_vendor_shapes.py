"""The vendor-shaped archetypes without a lab: inventory/vendor and its lab/shapes.yaml, their
checks (each problem as file:line: key), the renumbered copy, an install into a scratch root,
and the discovery fixtures recorded from a real run."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

from migration.discovery.facts import read_facts
from migration.errors import InventoryInvalid
from migration.inventory import load_estate
from migration.lab import estate, renumber, vendorinstall
from migration.lab.faults import default_data_dir
from migration.lab.shapes import KINDS

ROOT = Path(__file__).resolve().parents[3]
VENDOR, LAB = ROOT / "inventory" / "vendor", ROOT / "inventory" / "lab"
FIXTURES = ROOT / "tests" / "fixtures" / "facts" / "vendor"


def test_vendor_estate_loads_with_one_app_of_each_shape() -> None:
    est = estate.load(VENDOR)
    shaped = {a.id: (a.archetype, a.health_path, a.shape.uid if a.shape else None) for a in est.apps}
    assert shaped == {"simpatda-depok": ("php-mariadb", "/status.php", 0),
                      "ekinerja-garut": ("service-sqlite", "/api/ping", 1201),
                      "rekap-desa": ("cron-spool", "/status", 1301)}
    assert {str(d.subnet).split(".")[1] for d in est.datacenters} == {"76"}
    assert all(a.archetype is None for a in load_estate(VENDOR).apps.values()), "the inventory names no layout"


def test_lab_estate_apps_keep_the_convention() -> None:
    assert {(a.shape, a.health_path) for a in estate.load(LAB).apps} == {(None, "/health")}


def _with_shapes(tmp_path: Path, text: str) -> Path:
    dst = tmp_path / "vendor"
    shutil.copytree(VENDOR, dst)
    (dst / "lab" / "shapes.yaml").write_text(text)
    return dst


@pytest.mark.parametrize("row, problem", [
    ("{app: nope, kind: cron-spool, vendor: x1, uid: 1300}", ":1: app: unknown app 'nope'"),
    ("{app: rekap-desa, kind: cron, vendor: rekap, uid: 1300}", ":1: kind: 'cron' is not one of"),
    ("{app: ekinerja-garut, kind: php-mariadb, vendor: ekin}", ":1: kind: php-mariadb needs the app's db_host"),
    ("{app: rekap-desa, kind: cron-spool, vendor: Rekap!, uid: 1300}", ":1: vendor: 'Rekap!' must be"),
    ("{app: rekap-desa, kind: cron-spool, vendor: rekap, uid: 5}", ":1: uid: 5 must be a number in 1000..59999"),
    ("{app: rekap-desa, kind: cron-spool, vendor: rekap}", ":1: uid: 0 must be a number"),
    ("{app: rekap-desa, kind: cron-spool, vendor: rekap, uid: true}", ":1: uid: True must be a number"),
    ("{app: rekap-desa, kind: cron-spool, vendor: rekap, uid: 1300, user: r}", ":1: user: unknown key"),
])
def test_a_bad_shape_names_file_line_and_key(tmp_path: Path, row: str, problem: str) -> None:
    folder = _with_shapes(tmp_path, f"- {row}\n")
    with pytest.raises(InventoryInvalid) as err:
        estate.load(folder)
    assert any(p.startswith(str(folder / "lab" / "shapes.yaml") + problem) for p in err.value.problems), \
        err.value.problems


def test_an_app_given_twice_is_named_on_its_second_line(tmp_path: Path) -> None:
    row = "- {app: rekap-desa, kind: cron-spool, vendor: rekap, uid: 1300}\n"
    with pytest.raises(InventoryInvalid, match=r"shapes.yaml:2: app: 'rekap-desa' is given twice"):
        estate.load(_with_shapes(tmp_path, row + row))


def test_renumbered_vendor_copy_moves_every_address_and_keeps_the_shapes(tmp_path: Path) -> None:
    dst = renumber(VENDOR, tmp_path / "e", "mine", 191, from_octet=76)
    est = estate.load(dst)
    assert est.name == "mine" and {str(h.ip).split(".")[1] for h in est.hosts} == {"191"}
    assert sum(1 for a in est.apps if a.shape) == 3


def test_seed_sql_grants_the_app_user_from_the_web_host_only() -> None:
    est = estate.load(VENDOR)
    app = next(a for a in est.apps if a.id == "simpatda-depok")
    sql = vendorinstall.seed_sql(est, app)
    assert "CREATE USER 'simpatda_app'@'10.76.61.11'" in sql and "'%'" not in sql
    assert f"seq_1_to_{vendorinstall.SEED_ROWS}" in sql


def test_first_report_sums_the_seeded_archive() -> None:
    lines = vendorinstall.first_report().splitlines()
    assert lines[0] == "desa,kiriman,jumlah"
    assert sum(int(line.split(",")[1]) for line in lines[1:]) == vendorinstall.SEED_SUBMISSIONS


def _scratch_root(path: Path) -> Path:
    """The few base files the installer reads or extends, as in the Debian base."""
    etc = path / "etc"
    for d in ("rc2.d", "init.d", "apache2/sites-available", "apache2/sites-enabled", "default", "cron.d"):
        (etc / d).mkdir(parents=True)
    (etc / "passwd").write_text("root:x:0:0:root:/root:/bin/bash\nwww-data:x:33:33:www-data:/var/www:/usr/sbin/nologin\n")
    (etc / "group").write_text("root:x:0:\nshadow:x:42:\nwww-data:x:33:\n")
    for f in ("shadow", "gshadow"):
        (etc / f).write_text("root:*::\n")
        (etc / f).chmod(0o640)
    (etc / "apache2/sites-enabled/000-default.conf").symlink_to("../sites-available/000-default.conf")
    return path


@pytest.mark.skipif(os.geteuid() != 0, reason="installs files owned by the apps' users (needs root)")
def test_install_plants_each_shape_in_its_vendors_layout(tmp_path: Path) -> None:
    est = estate.load(VENDOR)
    roots = {h: _scratch_root(tmp_path / h) for h in ("dpk-web1", "dpk-db1", "grt-app1", "kds-batch1")}
    for app in est.apps:
        for host, root in roots.items():
            vendorinstall.install(est, app, est.host(host), root)
    web, db, svc, batch = (roots[h] for h in ("dpk-web1", "dpk-db1", "grt-app1", "kds-batch1"))
    assert "'host'     => '10.76.61.12'" in (web / "var/www/simpatda/config/database.php").read_text()
    assert not (web / "etc/apache2/sites-enabled/000-default.conf").is_symlink()
    assert os.readlink(web / "etc/rc2.d/S02apache2") == "../init.d/apache2"
    assert "bind-address = 10.76.61.12" in (db / "etc/mysql/mariadb.conf.d/90-lab.cnf").read_text()
    assert not (db / "var/www").exists() and not (web / "etc/mysql").exists()
    assert "ekinerja:x:1201:1201:" in (svc / "etc/passwd").read_text()
    assert (svc / "var/lib/ekinerja/ekinerja.db").stat().st_uid == 1201
    assert (svc / "etc/shadow").stat().st_mode & 0o777 == 0o640
    assert "--chuid \"$USER:$USER\"" in (svc / "etc/init.d/ekinerjad").read_text()
    assert (batch / "etc/cron.d/rekapdesa").read_text().splitlines()[-1].startswith("* * * * * rekap /home/rekap/")
    assert len(list((batch / "var/spool/rekapdesa/arsip").iterdir())) == vendorinstall.SEED_SUBMISSIONS
    planted = [p for r in roots.values() for p in r.rglob("*") if p.is_file() and p.suffix != ".db"]
    leftovers = [str(p) for p in planted if re.search(r"@[A-Z_]+@", p.read_text(errors="replace"))]
    assert not leftovers, f"unfilled template tokens in {leftovers}"


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_kind_has_its_own_health_path(kind: str) -> None:
    assert KINDS[kind][0].startswith("/") and KINDS[kind][0] != "/health"


FACT_FILES = sorted(FIXTURES.glob("*.json"))


def test_discovery_fixtures_cover_every_host_of_the_vendor_estate() -> None:
    assert {f.stem for f in FACT_FILES} == {h.id for h in estate.load(VENDOR).hosts}


@pytest.mark.parametrize("path", FACT_FILES, ids=lambda p: p.stem)
def test_discovery_fixture_reads_and_holds_no_key_or_other_estate_address(path: Path) -> None:
    facts = read_facts(path)
    assert facts.host == path.stem and facts.address.startswith("10.76.")
    text = path.read_text()
    assert not re.search(r"ssh-ed25519|ssh-rsa|PRIVATE KEY|BEGIN ", text), f"{path.name} holds key material"
    assert set(re.findall(r"\b10\.(\d+)\.\d+\.\d+\b", text)) == {"76"}


@pytest.mark.parametrize("host, expected", [
    ("dpk-web1", "/var/www/simpatda/uploads"), ("dpk-db1", "/var/lib/mysql"),
    ("grt-app1", "/var/lib/ekinerja"), ("kds-batch1", "/var/spool/rekapdesa"), ("pdn-t01", "/srv/dcc-disk"),
])
def test_disk_full_fault_fills_the_vendor_apps_data_dir_by_default(host: str, expected: str) -> None:
    assert default_data_dir(estate.load(VENDOR), host) == expected
