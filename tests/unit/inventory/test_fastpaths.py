"""The loaders' fast paths give exactly what the careful paths give (they only skip work)."""

from __future__ import annotations

import csv
import io
import ipaddress
from dataclasses import FrozenInstanceError, fields

import pytest

from migration.inventory import Application, Dependency, Host, bulk, schema
from migration.inventory.frozen import builder
from migration.inventory.readers import _plain_columns
from migration.inventory.refs import _prefixes


@pytest.mark.parametrize("cls, args", [
    (Host, ("h1", "dc1", "legacy", "10.0.0.1", "rhel-8", 2, 8.0, 100.0, None)),
    (Host, ("h1", "dc1", "target")),
    (Application, ("a", "A", "ag", "hr", "low", "public", 1.0, ("h1",))),
    (Dependency, ("a", "b")),
])
def test_builder_makes_ordinary_frozen_instances(cls: type, args: tuple) -> None:
    made = builder(cls)(*args)
    plain = cls(*args)
    assert type(made) is cls, f"expected a {cls.__name__}, got {type(made).__name__}"
    assert (made, hash(made), repr(made)) == (plain, hash(plain), repr(plain))
    with pytest.raises(FrozenInstanceError):
        setattr(made, fields(cls)[0].name, "other")
    assert [getattr(made, f.name) for f in fields(cls)] == [getattr(plain, f.name) for f in fields(cls)]


@pytest.mark.parametrize("text", [
    "a,b,c\n1,2,3\n", "a,b,c\n1,2,3", "a,b,c\n", "a,b,c\n1, 2 ,3\n4,,6\n", "a,b\n" + "x,y\n" * 5000,
    "a,b,c\n1,2\n",  # a short row: the csv module path names it
    "a,b,c\n1,2,3\n\n4,5,6\n",  # an empty line: the csv module skips it
    'a,b,c\n1,"2,5",3\n',  # quoting
    "a,b,c\r\n1,2,3\r\n",  # CRLF
])
def test_plain_columns_match_the_csv_module_or_decline(text: str) -> None:
    stream = io.StringIO(text)
    header = next(csv.reader(stream))
    got = _plain_columns(stream, len(header))
    rows = list(csv.reader(io.StringIO(text)))[1:]
    if got is None:  # declined: the caller reads the file with the csv module
        assert any(len(r) != len(header) for r in rows) or '"' in text or "\r" in text or "\n\n" in text
        return
    assert got == [[r[i] for r in rows] for i in range(len(header))], f"plain split differs on {text!r}"


@pytest.mark.parametrize("subnet", ["10.0.3.0/24", "10.0.2.0/23", "10.10.144.0/22", "10.0.0.0/8", "10.0.0.0/9",
                                    "10.0.0.5/32", "10.0.0.128/25", "128.0.0.0/1"])
@pytest.mark.parametrize("ip", ["10.0.3.7", "10.0.2.255", "10.0.1.1", "10.10.147.9", "10.0.0.5", "10.0.0.50",
                                "10.0.0.129", "10.0.0.12", "11.0.0.1", "200.1.1.1"])
def test_subnet_prefixes_agree_with_ipaddress(subnet: str, ip: str) -> None:
    inside = ipaddress.ip_address(ip) in ipaddress.ip_network(subnet)
    assert f"{ip}.".startswith(_prefixes(subnet)) == inside, f"{ip} in {subnet}: expected {inside}"


def test_subnet_prefixes_decline_ipv6_and_everything() -> None:
    assert (_prefixes("fd00::/64"), _prefixes("0.0.0.0/0"), _prefixes(None)) == (None, None, "")


@pytest.mark.parametrize("cell", ["1.2.3.4", "01.2.3.4", "1.2.3", "1.2.3.4.5", "256.1.1.1", "255.255.255.255",
                                  "0.0.0.0", "1..2.3", " 1.2.3.4", "1.2.3.04", "a.b.c.d"])
def test_bulk_ipv4_accepts_what_the_cell_parser_accepts_unchanged(cell: str) -> None:
    assert (bulk.parse_all(schema.ip, [cell]) is not None) == bool(schema._IPV4.match(cell))


@pytest.mark.parametrize("cells, expected", [
    (["a;b", "c"], [("a", "b"), ("c",)]), (["a;;b"], None), (["a;"], None), (["A"], None), (["a\nb"], None),
])
def test_bulk_id_lists(cells: list[str], expected: list | None) -> None:
    assert bulk.parse_all(schema.ident_list, cells) == expected


@pytest.mark.parametrize("value", ["10.0.1.0/24", "0.0.0.0/0", "10.0.1.1/32", "10.0.1.0/024", "10.0.1.1/24",
                                   "10.00.1.0/24", "fe80::/64", "10.0.1.0"])
def test_subnet_parser_fast_path_agrees_with_ipaddress(value: str) -> None:
    try:
        expected = str(ipaddress.ip_network(value, strict=True))
    except ValueError:
        with pytest.raises(ValueError, match="bad subnet"):
            schema.subnet(value)
        return
    assert schema.subnet(value) == expected


def test_builder_refuses_a_class_whose_post_init_it_would_skip() -> None:
    from dataclasses import dataclass

    @dataclass(frozen=True, slots=True)
    class Checked:
        n: int

        def __post_init__(self) -> None:
            if self.n < 0:
                raise ValueError("negative")

    with pytest.raises(TypeError, match="__post_init__"):
        builder(Checked)
