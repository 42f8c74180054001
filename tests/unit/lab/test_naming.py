"""Lab names: interface names fit Linux's 15 chars, are stable, and differ per estate/host."""

from __future__ import annotations

from pathlib import Path

import pytest

from migration.lab import naming


@pytest.mark.parametrize("estate, host", [
    ("lab", "kmk-web1"), ("a-very-long-estate-name-for-tests", "pdn-t09"), ("x", "h" * 31),
])
def test_interface_names_fit_and_are_stable(estate: str, host: str) -> None:
    names = [naming.veth_outer(estate, host), naming.bridge(estate, "dc-" + host), naming.nft_table(estate)]
    assert all(len(n) <= naming.IFNAME_MAX for n in names[:2]), names
    assert names == [naming.veth_outer(estate, host), naming.bridge(estate, "dc-" + host), naming.nft_table(estate)]


@pytest.mark.parametrize("a, b", [
    (("lab", "kmk-web1"), ("lab", "kmk-web2")),
    (("lab", "kmk-web1"), ("labt", "kmk-web1")),
    (("lab-t", "x"), ("lab", "t-x")),
])
def test_names_differ_between_hosts_and_estates(a: tuple[str, str], b: tuple[str, str]) -> None:
    assert naming.veth_outer(*a) != naming.veth_outer(*b)
    assert naming.bridge(*a) != naming.bridge(*b)


@pytest.mark.parametrize("estate, host, expected", [
    ("lab", "kmk-web1", "dcc-lab-kmk-web1"),
    ("labt", "pdn-t01", "dcc-labt-pdn-t01"),
])
def test_netns_name_is_readable(estate: str, host: str, expected: str) -> None:
    assert naming.netns(estate, host) == expected


def test_long_netns_name_is_hashed_under_the_prefix() -> None:
    ns = naming.netns("e" * 30, "h" * 31)
    assert ns.startswith(naming.netns_prefix("e" * 30)) and len(ns) <= 60


@pytest.mark.parametrize("name, ok", [
    ("lab", True), ("kmk-web1", True), ("Lab", False), ("a b", False), ("../x", False), ("", False), ("-x", False),
])
def test_valid_name(name: str, ok: bool) -> None:
    assert naming.valid_name(name) is ok


def test_run_dir_follows_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("DCC_LAB_DIR", str(tmp_path))
    assert naming.run_dir("x") == tmp_path / "x"
    assert len(str(naming.control_dir("x"))) < 40  # room for %C (40 hex) in a 108-byte socket path
