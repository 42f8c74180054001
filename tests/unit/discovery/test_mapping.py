"""Observed-dependency mapping and the declared-vs-observed diff, on the lab inventory with made-up facts."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from migration.discovery import diff, merged_dependencies, select_targets, write_facts
from migration.discovery.facts import Endpoint, HostFacts, Process
from migration.discovery.listeners import listener_findings
from migration.discovery.mapping import observe
from migration.errors import InputError
from migration.inventory import Dependency, load_estate

LAB = Path(__file__).resolve().parents[3] / "inventory" / "lab"
IP = {"kmk-web1": "10.77.1.11", "kmk-db1": "10.77.1.12", "kmk-files1": "10.77.1.13", "kmk-api1": "10.77.1.14",
      "jbr-web1": "10.77.2.11", "jbr-app1": "10.77.2.12", "jbr-api1": "10.77.2.13", "bgr-files1": "10.77.3.12"}


@pytest.fixture(scope="module")
def estate():
    return load_estate(LAB)


def _facts(host: str, listen: tuple[int, ...], out: tuple[tuple[str, int], ...] = (),
           inbound: tuple[tuple[int, str], ...] = (), process: str = "python3 /opt/app/app.py") -> HostFacts:
    ip = IP[host]
    listening = tuple(Endpoint("0.0.0.0", p, "0.0.0.0", 0, "python3", 10) for p in listen)
    outbound = tuple(Endpoint(ip, 40000 + i, peer, port, "python3", 10) for i, (peer, port) in enumerate(out))
    served = tuple(Endpoint(ip, port, peer, 50000, "python3", 10) for port, peer in inbound)
    return HostFacts(host=host, address=ip, taken_at="2026-01-01T00:00:00+00:00", listening=listening,
                     connections=outbound + served, processes=(Process(10, 1, "root", 1, process),))


def _lab_facts() -> dict[str, HostFacts]:
    facts = [
        _facts("kmk-api1", (22, 8082), ((IP["kmk-web1"], 8080), (IP["kmk-files1"], 8081)),
               process="python3 /opt/sehat-api/app.py"),
        _facts("kmk-web1", (22, 8080), ((IP["kmk-db1"], 5432),), inbound=((8080, IP["kmk-api1"]),)),
        _facts("kmk-db1", (22, 5432), inbound=((5432, IP["kmk-web1"]),)),
        _facts("kmk-files1", (22, 8081), inbound=((8081, IP["kmk-api1"]), (22, "10.77.1.1"))),
        _facts("jbr-app1", (22, 8080, 5432), (("127.0.0.1", 5432),), inbound=((5432, "127.0.0.1"),)),
        _facts("jbr-api1", (22, 8082), ((IP["jbr-web1"], 8081), ("203.0.113.9", 443))),
        _facts("bgr-files1", (22, 8081)),
    ]
    return {f.host: f for f in facts}


def test_outbound_connections_resolve_to_apps(estate) -> None:
    edges = {(o.from_app, o.to_app, o.kind) for o in observe(estate, _lab_facts()) if o.is_app_edge}
    assert edges == {
        ("sehat-api", "simpeg-kemenkes", "tcp/8080"),
        ("sehat-api", "arsip-kemenkes", "tcp/8081"),
        ("lapor-jabar", "eoffice-jabar", "tcp/8081"),
    }


def test_diff_reports_undeclared_unseen_and_intra_app(estate) -> None:
    result = diff(estate, _lab_facts())
    pairs = lambda deps: {(d.from_app, d.to_app) for d in deps}
    assert pairs(result.confirmed) == {("sehat-api", "simpeg-kemenkes"), ("lapor-jabar", "eoffice-jabar")}
    assert pairs(result.undeclared) == {("sehat-api", "arsip-kemenkes")}
    assert pairs(result.unseen) == {("lapor-jabar", "perizinan-jabar"), ("perizinan-jabar", "eoffice-bogor")}
    assert result.unverifiable == ()
    assert result.intra_app == (("perizinan-jabar", "postgresql"), ("simpeg-kemenkes", "postgresql"))
    assert [(o.from_app, o.peer) for o in result.other] == [("lapor-jabar", "203.0.113.9:443")]


def test_inbound_side_counts_when_the_client_host_was_not_discovered(estate) -> None:
    facts = {"kmk-files1": _lab_facts()["kmk-files1"]}
    result = diff(estate, facts)
    assert [(d.from_app, d.to_app, d.origin) for d in result.undeclared] == \
        [("sehat-api", "arsip-kemenkes", "observed")]


def test_nothing_discovered_makes_every_declared_dependency_unverifiable(estate) -> None:
    result = diff(estate, {})
    assert len(result.unverifiable) == len(estate.dependencies)
    assert result.confirmed == result.undeclared == result.unseen == ()


def test_merged_dependencies_reads_stored_facts_and_tags_origin(estate, tmp_path: Path) -> None:
    for facts in _lab_facts().values():
        write_facts(tmp_path, facts)
    merged = merged_dependencies(estate, tmp_path)
    assert merged[: len(estate.dependencies)] == list(estate.dependencies)
    assert merged[len(estate.dependencies):] == [
        Dependency("sehat-api", "arsip-kemenkes", "tcp/8081", origin="observed")]


def test_client_process_picks_the_app_on_a_shared_host(estate) -> None:
    # kmk-db1 carries simpeg's database; an unknown process there is still the host's only app.
    facts = {"kmk-db1": _facts("kmk-db1", (22, 5432), ((IP["kmk-files1"], 8081),), process="/usr/bin/curl")}
    (o,) = observe(estate, facts)
    assert (o.from_app, o.to_app) == ("simpeg-kemenkes", "arsip-kemenkes")


def test_merged_dependencies_refuses_a_missing_facts_folder(estate, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="facts folder not found") as caught:
        merged_dependencies(estate, tmp_path / "nope")
    assert caught.value.where == str(tmp_path / "nope")


def test_time_wait_sockets_count_as_evidence_without_a_process(estate) -> None:
    ip = IP["kmk-api1"]
    facts = {"kmk-api1": HostFacts(host="kmk-api1", address=ip, taken_at="t",
                                   listening=(Endpoint("0.0.0.0", 8082, "0.0.0.0", 0),),
                                   recent_connections=(Endpoint(ip, 41000, IP["kmk-files1"], 8081),
                                                       Endpoint(ip, 8082, IP["jbr-api1"], 41001)))}
    found = {(o.from_app, o.to_app, o.evidence) for o in observe(estate, facts)}
    # Outbound TIME-WAIT resolves by host; the inbound one counts because jbr-api1 was not discovered.
    assert found == {("sehat-api", "arsip-kemenkes", "time-wait"), ("lapor-jabar", "sehat-api", "inbound")}


@pytest.mark.parametrize(("pattern", "addresses", "expected"), [
    ("kmk-*", None, [("kmk-web1", "10.77.1.11"), ("kmk-db1", "10.77.1.12"), ("kmk-files1", "10.77.1.13"),
                     ("kmk-api1", "10.77.1.14")]),
    ("pdn-portal", {"pdn-portal": "10.9.9.9"}, [("pdn-portal", "10.77.10.10")]),  # the inventory's ip wins
    ("bgr-old?", None, [("bgr-old1", "10.77.3.13")]),
])
def test_select_targets(estate, pattern: str, addresses: dict[str, str] | None,
                        expected: list[tuple[str, str]]) -> None:
    found = select_targets(estate, pattern, addresses=addresses)
    assert [(t.host_id, t.address) for t in found] == expected
    assert {(t.port, t.user) for t in found} == {(22, "root")}


def test_select_targets_refuses_an_empty_match_and_hosts_without_address(estate) -> None:
    with pytest.raises(InputError, match="no host id matches") as caught:
        select_targets(estate, "nothing-*")
    assert caught.value.where == "--hosts"
    no_ip = replace(estate, hosts={**estate.hosts, "kmk-web1": replace(estate.hosts["kmk-web1"], ip=None)})
    with pytest.raises(InputError, match="without an ip cannot be reached: kmk-web1"):
        select_targets(no_ip, "kmk-web1")
    assert select_targets(no_ip, "kmk-web1", addresses={"kmk-web1": "10.1.2.3"})[0].address == "10.1.2.3"


def test_listener_findings(estate) -> None:
    facts = _lab_facts()
    facts["bgr-files1"] = _facts("bgr-files1", (22, 3306))  # eoffice-bogor dead, an unknown mysqld instead
    facts["pdn-portal"] = HostFacts(host="pdn-portal", address="10.77.10.10", taken_at="t",
                                    listening=(Endpoint("0.0.0.0", 80, "0.0.0.0", 0, "nginx", 3),))
    found = [(f.host, f.port, f.app, f.finding) for f in listener_findings(estate, facts)]
    assert found == [("bgr-files1", 8081, "eoffice-bogor", "declared, not listening"),
                     ("bgr-files1", 3306, None, "listening, not declared")]


@pytest.mark.parametrize(("db_ports", "expected"), [
    ((5432,), []),                                                        # PostgreSQL serves it
    ((3306,), []),                                                        # MariaDB serves it: as good
    ((), [("kmk-db1", 5432, "simpeg-kemenkes", "declared, not listening")]),  # no database server at all
    ((5432, 3306), []),                                                   # both: each the app's
])
def test_a_db_host_is_declared_for_whichever_database_server_listens(estate, db_ports, expected) -> None:
    facts = _lab_facts()
    facts["kmk-db1"] = _facts("kmk-db1", (22, *db_ports))
    found = [(f.host, f.port, f.app, f.finding) for f in listener_findings(estate, facts) if f.host == "kmk-db1"]
    assert found == expected
