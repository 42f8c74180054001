"""`renumber` gives each user an isolated copy of an estate: new name, 10.77 -> 10.<octet>."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from migration.errors import InputError
from migration.lab import estate, renumber
from migration.lab.renumber import rename_estate, renumber_text

LAB = Path(__file__).resolve().parents[3] / "inventory" / "lab"


@pytest.mark.parametrize("text, octet, expected", [
    ("ip: 10.77.1.11", 78, "ip: 10.78.1.11"),
    ("subnet: 10.77.10.0/24", 90, "subnet: 10.90.10.0/24"),
    ("110.77.1.1 and 10.77.1.1", 80, "110.77.1.1 and 10.80.1.1"),
    ("10.7.1.1 10.770.1.1", 80, "10.7.1.1 10.770.1.1"),
])
def test_renumber_text(text: str, octet: int, expected: str) -> None:
    assert renumber_text(text, octet) == expected


def test_renumber_text_from_another_block_leaves_the_lab_block_alone() -> None:
    assert renumber_text("10.76.61.11 10.77.1.11", 191, from_octet=76) == "10.191.61.11 10.77.1.11"


@pytest.mark.parametrize("src, expected", [
    ("# c\nname: lab\nportal_host: p\n", "# c\nname: mine\nportal_host: p\n"),
    ("portal_host: p\n", "name: mine\nportal_host: p\n"),
])
def test_rename_estate_keeps_the_rest(src: str, expected: str) -> None:
    assert rename_estate(src, "mine") == expected


def test_renumbered_lab_loads_with_new_name_and_addresses(tmp_path: Path) -> None:
    dst = renumber(LAB, tmp_path / "e", "mine", 85)
    est = estate.load(dst)
    assert est.name == "mine"
    assert {str(h.ip).split(".")[1] for h in est.hosts} == {"85"}
    assert {str(d.subnet) for d in est.datacenters} == {"10.85.1.0/24", "10.85.2.0/24", "10.85.3.0/24", "10.85.10.0/24"}
    assert yaml.safe_load((LAB / "estate.yaml").read_text())["name"] == "lab"  # source untouched


@pytest.mark.parametrize("name, octet, where", [("Bad Name", 80, "name"), ("ok", 300, "second_octet")])
def test_renumber_rejects_bad_arguments(tmp_path: Path, name: str, octet: int, where: str) -> None:
    with pytest.raises(InputError) as err:
        renumber(LAB, tmp_path / "e", name, octet)
    assert err.value.where == where
