"""Pure parts of the lab: estate reading errors, access files, app config, seeds, portal, faults."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from migration.access import write
from migration.errors import InputError
from migration.lab import LabAccess, appinstall, estate, faults, naming

LAB = Path(__file__).resolve().parents[3] / "inventory" / "lab"


@pytest.fixture(scope="module")
def est() -> estate.LabEstate:
    return estate.load(LAB)


def _broken(tmp_path: Path, file: str, old: str, new: str) -> Path:
    shutil.copytree(LAB, tmp_path / "e")
    p = tmp_path / "e" / file
    p.write_text(p.read_text().replace(old, new, 1))
    return tmp_path / "e"


@pytest.mark.parametrize("file, old, new, where, message", [
    ("datacenters.yaml", "subnet: 10.77.1.0/24", "subnet: 10.77.1.0/33", "datacenters.yaml:1", "bad subnet"),
    ("datacenters.yaml", ", subnet: 10.77.3.0/24", "", "datacenters id 'dc-bogor' key 'subnet'", "needs a subnet"),
    ("hosts.yaml", "datacenter: dc-kemenkes-jkt", "datacenter: dc-nowhere", "hosts.yaml:2", "dc-nowhere"),
    ("hosts.yaml", "ip: 10.77.1.11", "ip: 10.77.9.11", "hosts.yaml:2", "outside"),
    ("hosts.yaml", "ip: 10.77.1.11", "ip: 10.77.1.1", "hosts id 'kmk-web1' key 'ip'", "gateway"),
    ("hosts.yaml", "ip: 10.77.1.11", "ip: ten", "hosts", "ip"),
    ("apps.yaml", "db_host: kmk-db1", "db_host: kmk-db9", "apps.yaml:", "kmk-db9"),
    ("estate.yaml", "name: lab", "name: Lab_Estate", "estate.yaml", "Lab_Estate"),
    ("hosts.yaml", "- {id: kmk-web1,", "- {id: kmk-web1,, ]", "hosts.yaml:2", "YAML"),
])
def test_bad_estate_names_file_and_key(tmp_path: Path, file: str, old: str, new: str, where: str,
                                       message: str) -> None:
    with pytest.raises(InputError) as err:
        estate.load(_broken(tmp_path, file, old, new))
    line = err.value.line()
    assert where in line and message in line and "\n" not in line, line


def test_unknown_host_is_an_input_error(est: estate.LabEstate) -> None:
    with pytest.raises(InputError, match="unknown host 'nope'"):
        est.host("nope")


def test_ssh_config_pins_keys_and_multiplexes(est: estate.LabEstate) -> None:
    acc = LabAccess.for_estate("lab")
    text = write.ssh_config_text(est.hosts, acc, naming.control_dir("lab"), "written by dcc lab up")
    block = text.split("Host kmk-web1 10.77.1.11\n", 1)[1].split("\n\n", 1)[0]
    for line in ("HostName 10.77.1.11", "User root", "Port 22", f"IdentityFile {acc.identity}",
                 f"UserKnownHostsFile {acc.known_hosts}", "StrictHostKeyChecking yes", "ControlMaster auto",
                 "ControlPersist 60s"):
        assert f"  {line}\n" in block + "\n", f"missing {line!r} in:\n{block}"
    assert text.count("\nHost ") == len(est.hosts)


def test_known_hosts_lists_id_and_ip(est: estate.LabEstate) -> None:
    keys = {h.id: f"ssh-ed25519 KEY{h.id}" for h in est.hosts}
    lines = write.known_hosts_text(est.hosts, keys).splitlines()
    assert lines[0] == "kmk-web1,10.77.1.11 ssh-ed25519 KEYkmk-web1" and len(lines) == len(est.hosts)


def test_ansible_inventory_groups(est: estate.LabEstate) -> None:
    inv = write.ansible_inventory(est.hosts, LabAccess.for_estate("lab"))["all"]
    assert inv["vars"]["ansible_python_interpreter"] == "/usr/bin/python3"
    assert set(inv["children"]["dc_bogor"]["hosts"]) == {"bgr-web1", "bgr-files1", "bgr-old1"}
    assert set(inv["children"]["portal"]["hosts"]) == {"pdn-portal"}
    yaml.safe_dump(inv)  # serialisable as written


@pytest.mark.parametrize("app_id, peers", [
    ("sehat-api", ["http://kmk-web1:8080", "http://kmk-files1:8081"]),  # declared + undeclared call
    ("lapor-jabar", ["http://jbr-web1:8081", "http://jbr-app1:8080"]),
    ("perizinan-jabar", []),  # declares eoffice-bogor but never calls it
    ("lapor-bogor", []),
])
def test_peers(est: estate.LabEstate, app_id: str, peers: list[str]) -> None:
    app = next(a for a in est.apps if a.id == app_id)
    assert appinstall.peers(est, app) == peers


def test_web_db_conf_names_database(est: estate.LabEstate) -> None:
    app = next(a for a in est.apps if a.id == "simpeg-kemenkes")
    conf = dict(line.split("=", 1) for line in appinstall.app_conf(est, app).splitlines()[1:])
    assert (conf["DB_HOST"], conf["DB_NAME"], conf["PORT"], conf["DATA_DIR"]) == (
        "kmk-db1", "simpeg_kemenkes", "8080", "/srv/simpeg-kemenkes/data")
    assert appinstall.http_hosts(app) == ("kmk-web1",)


def test_seed_files_are_deterministic_and_a_few_megabytes() -> None:
    seeds = [appinstall.seed_file("arsip-kemenkes", i) for i in range(appinstall.SEED_FILES)]
    assert seeds[5] == appinstall.seed_file("arsip-kemenkes", 5)
    assert seeds[5] != appinstall.seed_file("eoffice-bogor", 5)
    total = sum(len(b) for _, b in seeds)
    assert 2_000_000 < total < 12_000_000 and len({n for n, _ in seeds}) == len(seeds)


def test_seed_sql_is_deterministic() -> None:
    app = estate.App("simpeg-kemenkes", "web-db", ("kmk-web1",), "kmk-db1", 8080, None)
    sql = appinstall.seed_sql(app)
    assert "CREATE DATABASE simpeg_kemenkes OWNER simpeg_kemenkes" in sql
    assert f"generate_series(1, {appinstall.SEED_ROWS})" in sql and sql == appinstall.seed_sql(app)


def test_portal_conf() -> None:
    conf = appinstall.portal_conf("simpeg.kemenkes.go.id", "10.77.1.11", 8080)
    assert "server_name simpeg.kemenkes.go.id;" in conf and "proxy_pass http://10.77.1.11:8080;" in conf


@pytest.mark.parametrize("pct, rule", [(100, "    drop\n"), (30, "numgen random mod 100 < 30 drop"),
                                       (0, "    accept\n")])
def test_loss_rules(pct: int, rule: str) -> None:
    assert rule in faults.loss_rules(pct)


@pytest.mark.parametrize("value", ["abc", "101", "-1"])
def test_loss_percent_is_checked(value: str) -> None:
    with pytest.raises(InputError, match="percent"):
        faults._percent(value)


def test_default_disk_full_path_prefers_files_app(est: estate.LabEstate) -> None:
    assert faults.default_data_dir(est, "kmk-files1") == "/srv/arsip-kemenkes/data"
    assert faults.default_data_dir(est, "pdn-t01") == "/srv/dcc-disk"
