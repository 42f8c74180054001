"""Every class of bad input gives one line naming file:line and the field; all are found in one pass."""

from __future__ import annotations

from pathlib import Path

import pytest

from migration.errors import InputError, InventoryInvalid
from migration.inventory import check_estate, load_estate
from tests.support.inventory import append, edit, lab_copy, to_csv

# (case, file to edit, old text, new text, expected line: "<file>:<line>: <field>: <message>")
YAML_CASES = [
    ("duplicate id", "hosts.yaml", "{id: kmk-db1,", "{id: kmk-web1,",
     "hosts.yaml:3: id: duplicate id 'kmk-web1' (first on line 2)"),
    ("unknown agency", "apps.yaml", "agency: kemenkes, function: payroll", "agency: kemenkez, function: payroll",
     "apps.yaml:3: agency: unknown agency 'kemenkez'"),
    ("unknown data center", "hosts.yaml", "datacenter: dc-bogor,  ", "datacenter: dc-foo,  ",
     "hosts.yaml:9: datacenter: unknown data center 'dc-foo'"),
    ("unknown host", "apps.yaml", "hosts: [kmk-files1]", "hosts: [kmk-files9]",
     "apps.yaml:5: hosts: unknown host 'kmk-files9'"),
    ("unknown db_host", "apps.yaml", "db_host: kmk-db1", "db_host: kmk-db9",
     "apps.yaml:3: db_host: unknown host 'kmk-db9'"),
    ("unknown target host", "hosts.yaml", "target: pdn-t01}", "target: pdn-t99}",
     "hosts.yaml:2: target: unknown target host 'pdn-t99'"),
    ("target of wrong role", "hosts.yaml", "target: pdn-t01}", "target: kmk-db1}",
     "hosts.yaml:2: target: host 'kmk-db1' has role legacy, not target"),
    ("unknown app in dependency", "dependencies.yaml", "{from: sehat-api,", "{from: sehat-apo,",
     "dependencies.yaml:3: from: unknown app 'sehat-apo'"),
    ("self dependency", "dependencies.yaml", "to: simpeg-kemenkes", "to: sehat-api",
     "dependencies.yaml:3: to: app 'sehat-api' cannot depend on itself"),
    ("bad enum", "apps.yaml", "criticality: high, data_class: confidential,\n   data_gb: 12",
     "criticality: urgent, data_class: confidential,\n   data_gb: 12",
     "apps.yaml:3: criticality: 'urgent' is not one of low, medium, high"),
    ("bad number", "apps.yaml", "data_gb: 180", "data_gb: lots", "apps.yaml:5: data_gb: expected a number, got 'lots'"),
    ("negative number", "apps.yaml", "data_gb: 180", "data_gb: -1", "apps.yaml:5: data_gb: -1 is below the minimum 0"),
    ("tier out of range", "datacenters.yaml", "tier: 2", "tier: 7", "datacenters.yaml:1: tier: 7 is above the maximum 4"),
    ("bad ip", "hosts.yaml", "ip: 10.77.1.12,", "ip: 10.77.1.300,", "hosts.yaml:3: ip: bad IP address '10.77.1.300'"),
    ("ip outside subnet", "hosts.yaml", "ip: 10.77.1.12,", "ip: 10.77.9.12,",
     "hosts.yaml:3: ip: 10.77.9.12 is outside data center subnet 10.77.1.0/24"),
    ("duplicate ip", "hosts.yaml", "ip: 10.77.1.12,", "ip: 10.77.1.11,",
     "hosts.yaml:3: ip: 10.77.1.11 is already the ip of host 'kmk-web1'"),
    ("bad subnet", "datacenters.yaml", "subnet: 10.77.3.0/24", "subnet: 10.77.3.1/24",
     "datacenters.yaml:3: subnet: bad subnet '10.77.3.1/24' (e.g. 10.77.1.0/24, host bits zero)"),
    ("bad date", "constraints.yaml", "to: 2027-01-10", "to: 2027-13-10",
     "constraints.yaml:8: blackouts.to: bad date '2027-13-10' (use YYYY-MM-DD)"),
    ("blackout ends before it starts", "constraints.yaml", "to: 2027-01-10", "to: 2026-12-01",
     "constraints.yaml:8: blackouts.to: 2026-12-01 is before from 2027-01-01"),
    ("blackout of unknown agency", "constraints.yaml", "{agency: pemkab-bogor,", "{agency: pemkab-bogorr,",
     "constraints.yaml:8: blackouts.agency: unknown agency 'pemkab-bogorr'"),
    ("bad constraint value", "constraints.yaml", "max_hosts_per_wave: 6", "max_hosts_per_wave: 0",
     "constraints.yaml:3: max_hosts_per_wave: 0 is below the minimum 1"),
    ("unknown constraint key", "constraints.yaml", "max_hosts_per_wave: 6", "max_host_per_wave: 6",
     "constraints.yaml:3: max_host_per_wave: unknown key"),
    ("missing required key", "agencies.yaml", "{id: komdigi, name: Kementerian Komunikasi dan Digital, ",
     "{id: komdigi, ", "agencies.yaml:4: name: missing required key"),
    ("unknown key (typo)", "hosts.yaml", "{id: bgr-old1,", "{id: bgr-old1, cpus: 3,", "hosts.yaml:11: cpus: unknown key"),
    ("boolean where text is expected", "hosts.yaml", "os: debian-12, cpu: 1,", "os: yes, cpu: 1,",
     "hosts.yaml:11: os: expected text, got a boolean (quote it)"),
    ("bad province", "agencies.yaml", "province: Jawa Barat}", "province: Jawa Baratt}",
     "agencies.yaml:2: province: unknown province 'Jawa Baratt'"),
    ("national dc that is legacy", "estate.yaml", "national_datacenter: pdn-cikarang", "national_datacenter: dc-bogor",
     "estate.yaml:5: national_datacenter: data center 'dc-bogor' is legacy, not national"),
    ("portal host unknown", "estate.yaml", "portal_host: pdn-portal", "portal_host: pdn-portl",
     "estate.yaml:6: portal_host: unknown host 'pdn-portl'"),
    ("app on a target host", "apps.yaml", "hosts: [kmk-api1]", "hosts: [pdn-t04]",
     "apps.yaml:7: hosts: app 'sehat-api' runs on 'pdn-t04', a target host, not legacy"),
    ("malformed YAML", "hosts.yaml", "{id: kmk-api1,", "{id: [kmk-api1,", "hosts.yaml:5: malformed YAML:"),
    ("duplicate YAML key", "hosts.yaml", "{id: kmk-api1,", "{id: kmk-api1, id: x,",
     "hosts.yaml:5: malformed YAML: duplicate key 'id'"),
]
FOLLOW_ON = {"duplicate id"}


@pytest.mark.parametrize(("case", "file", "old", "new", "expected"), YAML_CASES, ids=[c[0] for c in YAML_CASES])
def test_bad_yaml_input_names_file_line_and_field(tmp_path: Path, case: str, file: str, old: str, new: str,
                                                   expected: str) -> None:
    estate = lab_copy(tmp_path)
    edit(estate, file, old, new)
    _, problems = check_estate(estate)
    wanted = f"{estate}/{expected}"
    # The first problem is the cause; later ones may follow from it (a renamed host is unknown to its app).
    assert problems and problems[0].startswith(wanted), f"{case}: expected first {wanted!r}, got {problems}"
    assert len(problems) == 1 or case in FOLLOW_ON, f"{case}: expected exactly one problem, got {problems}"


# (case, table turned into CSV, (old, new) on the CSV text, expected)
CSV_CASES = [
    ("missing column", "hosts", ("id,datacenter,ip,role,", "id,dc,ip,role,"), "hosts.csv:1: datacenter: missing column"),
    ("unknown column", "agencies", ("id,name,kind,province", "id,name,kind,province,colour"),
     "agencies.csv:1: colour: unknown column"),
    ("duplicate id", "apps", ("lapor-bogor,", "payroll-bogor,"),
     "apps.csv:10: id: duplicate id 'payroll-bogor' (first on line 8)"),
    ("unknown data center", "hosts", ("bgr-old1,dc-bogor,", "bgr-old1,dc-foo,"),
     "hosts.csv:11: datacenter: unknown data center 'dc-foo'"),
    ("bad number", "hosts", ("pdn-t09,pdn-cikarang,10.77.10.29,target,debian-12,8,", "pdn-t09,pdn-cikarang,10.77.10.29,target,debian-12,eight,"),
     "hosts.csv:21: cpu: expected a whole number, got 'eight'"),
    ("row too long", "dependencies", ("lapor-jabar,eoffice-jabar,http", "lapor-jabar,eoffice-jabar,http,extra"),
     "dependencies.csv:3: malformed CSV: 4 fields, header has 3"),
    ("unterminated quote", "dependencies", ("lapor-jabar,perizinan-jabar,http", 'lapor-jabar,"perizinan-jabar,http'),
     "dependencies.csv:4: malformed CSV:"),
    ("unknown host in list", "apps", ("kmk-web1;kmk-db1", "kmk-web1;kmk-db7"),
     "apps.csv:2: hosts: unknown host 'kmk-db7'"),
]


@pytest.mark.parametrize(("case", "table", "change", "expected"), CSV_CASES, ids=[c[0] for c in CSV_CASES])
def test_bad_csv_input_names_file_line_and_field(tmp_path: Path, case: str, table: str, change: tuple[str, str],
                                                  expected: str) -> None:
    estate = lab_copy(tmp_path)
    to_csv(estate, table)
    edit(estate, f"{table}.csv", *change)
    _, problems = check_estate(estate)
    wanted = f"{estate}/{expected}"
    assert any(p.startswith(wanted) for p in problems), f"{case}: expected a line starting {wanted!r}, got {problems}"


@pytest.mark.parametrize(("name", "expected"), [
    ("notes.txt", "notes.txt: unknown file"),
    ("host.yaml", "host.yaml: unknown file"),
    ("hosts.csv", "hosts.csv: hosts is given twice (hosts.csv and hosts.yaml); keep one"),
])
def test_unknown_and_ambiguous_files(tmp_path: Path, name: str, expected: str) -> None:
    estate = lab_copy(tmp_path)
    (estate / name).write_text("id,datacenter,role\n")
    _, problems = check_estate(estate)
    assert len(problems) == 1 and problems[0].startswith(f"{estate}/{expected}"), problems


def test_missing_table_file(tmp_path: Path) -> None:
    estate = lab_copy(tmp_path)
    (estate / "agencies.yaml").unlink()
    _, problems = check_estate(estate)
    assert f"{estate}: missing file agencies.yaml or agencies.csv" in problems
    # The missing table must not drown the report in "unknown agency" lines.
    assert len(problems) == 1, problems


def test_all_errors_in_one_pass_and_one_line_summary(tmp_path: Path) -> None:
    estate = lab_copy(tmp_path)
    edit(estate, "hosts.yaml", "datacenter: dc-bogor,  ", "datacenter: dc-foo,  ")
    edit(estate, "apps.yaml", "data_gb: 180", "data_gb: lots")
    append(estate, "dependencies.yaml", "- {from: sehat-api, to: nope}\n")
    with pytest.raises(InventoryInvalid) as caught:
        load_estate(estate)
    assert len(caught.value.problems) == 3, caught.value.problems
    line = caught.value.line()
    assert "\n" not in line
    assert line.startswith(f"3 errors in the inventory, the first: {estate}/")
    assert caught.value.exit_code == 2


def test_not_a_folder(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not an estate folder"):
        load_estate(tmp_path / "missing")


def test_csv_and_yaml_give_the_same_estate(tmp_path: Path) -> None:
    estate = lab_copy(tmp_path)
    for table in ("agencies", "datacenters", "hosts", "apps", "dependencies"):
        to_csv(estate, table)
    from_csv, from_yaml = load_estate(estate), load_estate(lab_copy(tmp_path, "yaml"))
    assert from_csv.apps == from_yaml.apps
    assert from_csv.hosts == from_yaml.hosts
    assert from_csv.datacenters == from_yaml.datacenters
    assert from_csv.dependencies == from_yaml.dependencies


def test_csv_from_a_spreadsheet(tmp_path: Path) -> None:
    estate = lab_copy(tmp_path)
    path = to_csv(estate, "agencies")
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())  # "CSV UTF-8" export: a BOM first
    assert load_estate(estate).agencies["kemenkes"].name == "Kementerian Kesehatan"
    path.write_text(path.read_text(encoding="utf-8-sig").replace(",", ";"))
    _, problems = check_estate(estate)
    assert problems[0] == f"{path}:1: fields must be separated by ',' (this header uses ';')", problems
