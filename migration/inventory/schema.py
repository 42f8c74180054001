"""Field specifications of each inventory table and the value parsers they use.

A parser turns a raw YAML/CSV value into its typed value or raises `ValueError` with a
short message; the loader prefixes it with file:line and the field name.
"""

from __future__ import annotations

import ipaddress
import math
import re
import socket
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from migration.inventory import model
from migration.inventory.provinces import PROVINCE_NAMES

Parser = Callable[[Any], Any]
_ID = re.compile(r"[a-z0-9][a-z0-9._-]*\Z")


def text(raw: Any) -> str:
    if type(raw) is str:  # the common case (every CSV cell) first: this runs ~10^6 times
        return raw.strip()
    # YAML turns `yes`/`no`/`on` into booleans; accepting them silently would store "True".
    if isinstance(raw, bool):
        raise ValueError("expected text, got a boolean (quote it)")  # noqa: TRY004 - the parser contract
    if isinstance(raw, (dict, list)):
        raise ValueError(f"expected text, got a {type(raw).__name__}")  # noqa: TRY004
    return str(raw).strip()


def ident(raw: Any) -> str:
    value = raw if type(raw) is str else text(raw)
    if not _ID.match(value):
        raise ValueError(f"bad id {value!r} (lower-case letters, digits, '.', '_', '-')")
    return value


def ident_list(raw: Any) -> tuple[str, ...]:
    items = raw if isinstance(raw, list) else [part for part in text(raw).split(";")]
    values = tuple(ident(item) for item in items if str(item).strip())
    if not values:
        raise ValueError("expected at least one id")
    return values


def enum(*allowed: str) -> Parser:
    def parse(raw: Any) -> str:
        value = text(raw)
        if value not in allowed:
            raise ValueError(f"{value!r} is not one of {', '.join(allowed)}")
        return value

    parse.allowed = frozenset(allowed)  # type: ignore[attr-defined]  # for bulk.py
    return parse


def province(raw: Any) -> str:
    value = text(raw)
    if value not in PROVINCE_NAMES:
        raise ValueError(f"unknown province {value!r}")
    return value


def integer(low: int | None = None, high: int | None = None) -> Parser:
    def parse(raw: Any) -> int:
        if isinstance(raw, bool) or isinstance(raw, float) and not raw.is_integer():
            raise ValueError(f"expected a whole number, got {raw!r}")
        try:
            value = int(raw) if not isinstance(raw, str) else int(raw.strip())
        except (TypeError, ValueError):
            raise ValueError(f"expected a whole number, got {raw!r}") from None
        _check_range(value, low, high)
        return value

    parse.range = (int, low, high)  # type: ignore[attr-defined]  # for bulk.py
    return parse


def number(low: float | None = 0.0, high: float | None = None) -> Parser:
    def parse(raw: Any) -> float:
        if isinstance(raw, bool):
            raise ValueError(f"expected a number, got {raw!r}")  # noqa: TRY004 - the parser contract
        try:
            value = float(raw)
        except (TypeError, ValueError):
            raise ValueError(f"expected a number, got {raw!r}") from None
        if not math.isfinite(value):
            raise ValueError(f"expected a finite number, got {raw!r}")
        _check_range(value, low, high)
        return value

    parse.range = (float, low, high)  # type: ignore[attr-defined]  # for bulk.py
    return parse


def _check_range(value: float, low: float | None, high: float | None) -> None:
    if low is not None and value < low:
        raise ValueError(f"{value:g} is below the minimum {low:g}")
    if high is not None and value > high:
        raise ValueError(f"{value:g} is above the maximum {high:g}")


_IPV4 = re.compile(r"(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}\Z")


def ip(raw: Any) -> str:
    value = text(raw)
    if _IPV4.match(value):  # canonical dotted quad: skip ipaddress, ~10x faster at 60,000 hosts
        return value
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        raise ValueError(f"bad IP address {value!r}") from None


_CIDR4 = re.compile(_IPV4.pattern.removesuffix(r"\Z") + r"/(3[0-2]|[12]?\d)\Z")


def subnet(raw: Any) -> str:
    value = text(raw)
    canonical = _CIDR4.match(value)
    if canonical:  # skip ipaddress when the host bits are zero (2,700 data centers)
        address, bits = value.split("/")
        if not int.from_bytes(socket.inet_aton(address), "big") & ((1 << (32 - int(bits))) - 1):
            return value
    try:
        return str(ipaddress.ip_network(value, strict=True))
    except ValueError:
        raise ValueError(f"bad subnet {value!r} (e.g. 10.77.1.0/24, host bits zero)") from None


def day(raw: Any) -> date:
    if isinstance(raw, date):
        return raw
    try:
        return date.fromisoformat(text(raw))
    except ValueError:
        raise ValueError(f"bad date {raw!r} (use YYYY-MM-DD)") from None


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    parse: Parser
    required: bool = False
    key: str = ""  # model attribute; differs from `name` only for dependencies' from/to

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter((self.name, self.parse, self.required, self.key))


def _c(name: str, parse: Parser, required: bool = False, attr: str = "") -> Column:
    return Column(name, parse, required, attr or name)


TABLES: dict[str, tuple[type, tuple[Column, ...]]] = {
    "agencies": (model.Agency, (
        _c("id", ident, True), _c("name", text, True),
        _c("kind", enum(*model.AGENCY_KINDS), True), _c("province", province, True),
    )),
    "datacenters": (model.DataCenter, (
        _c("id", ident, True), _c("name", text, True), _c("agency", ident, True),
        _c("province", province, True), _c("tier", integer(0, 4), True),
        _c("kind", enum(*model.DC_KINDS), True), _c("power_kw", number()),
        _c("annual_cost_idr", integer(0)), _c("subnet", subnet),
    )),
    "hosts": (model.Host, (
        _c("id", ident, True), _c("datacenter", ident, True), _c("role", enum(*model.HOST_ROLES), True),
        _c("ip", ip), _c("os", text), _c("cpu", integer(1, 4096)), _c("memory_gb", number()),
        _c("disk_gb", number()), _c("target", ident),
    )),
    "apps": (model.Application, (
        _c("id", ident, True), _c("name", text, True), _c("agency", ident, True),
        _c("function", ident, True), _c("criticality", enum(*model.CRITICALITIES), True),
        _c("data_class", enum(*model.DATA_CLASSES), True), _c("data_gb", number(), True),
        _c("hosts", ident_list, True), _c("archetype", enum(*model.ARCHETYPES)),
        _c("db_host", ident), _c("port", integer(1, 65535)), _c("service", text),
    )),
    "dependencies": (model.Dependency, (
        _c("from", ident, True, "from_app"), _c("to", ident, True, "to_app"), _c("kind", text),
    )),
}

REQUIRED_TABLES = ("agencies", "datacenters", "hosts", "apps")
ESTATE_KEYS = (_c("name", ident, True), _c("national_datacenter", ident, True), _c("portal_host", ident))

