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
from migration.inventory.numbers import ambiguity
from migration.inventory.provinces import PROVINCE_NAMES
from migration.untrusted.text import shorten

Parser = Callable[[Any], Any]
MAX_ID = 128
MAX_TEXT = 512
_ID = re.compile(rf"[a-z0-9][a-z0-9._-]{{0,{MAX_ID - 1}}}\Z")
# Inventory values are one line of text: no C0/C1 controls (tab and newline included), no bidi overrides.
TEXT_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]")


def text(raw: Any) -> str:
    if type(raw) is str:  # the common case (every CSV cell) first: this runs ~10^6 times
        value = raw.strip()
        if len(value) > MAX_TEXT or TEXT_CONTROL.search(value):
            _bad_text(value)
        return value
    # YAML turns `yes`/`no`/`on` into booleans; accepting them silently would store "True".
    if isinstance(raw, bool):
        raise ValueError("expected text, got a boolean (quote it)")  # noqa: TRY004 - the parser contract
    if not isinstance(raw, (int, float, date)):  # a list, a mapping, a set, bytes (!!binary)...
        raise ValueError(f"expected text, got a {type(raw).__name__}")  # noqa: TRY004
    return text(str(raw))


def _bad_text(value: str) -> None:
    if len(value) > MAX_TEXT:
        raise ValueError(f"text of {len(value):,} characters (at most {MAX_TEXT})")
    found = TEXT_CONTROL.search(value)
    assert found is not None
    raise ValueError(f"control character {shorten(found.group())} at position {found.start() + 1} "
                     "(one line of printable text)")


def ident(raw: Any) -> str:
    value = raw if type(raw) is str else text(raw)
    if not _ID.match(value) or ".." in value:
        raise ValueError(f"bad id {shorten(value)} (lower-case letters, digits, '.', '_', '-'; "
                         f"at most {MAX_ID}; no '..')")
    return value


_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_DNS = re.compile(rf"(?=.{{1,253}}\Z){_LABEL}(?:\.{_LABEL})*\Z")


def dns_name(raw: Any) -> str:
    """A host name as DNS has it (RFC 1123): it is written into the portal's config and file names."""
    value = text(raw).lower().removesuffix(".")
    if not _DNS.match(value):
        raise ValueError(f"bad DNS name {shorten(value)} (labels of letters, digits and '-', joined by '.')")
    return value


def dns_names(raw: Any) -> tuple[str, ...]:
    items = raw if isinstance(raw, list) else text(raw).split(";")
    return tuple(dns_name(item) for item in items if str(item).strip())


def boolean(raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    value = text(raw).lower()
    if value not in ("true", "false"):
        raise ValueError(f"expected true or false, got {shorten(value)}")
    return value == "true"


def abs_path(raw: Any) -> str:
    """An absolute, normalised POSIX path (no '..', no '//', no trailing '/'): it reaches shells and configs."""
    value = text(raw)
    parts = value.split("/")
    if not value.startswith("/") or any(p in (".", "..") for p in parts) or "//" in value \
            or (value != "/" and value.endswith("/")) or not re.fullmatch(r"[A-Za-z0-9._/@+-]+", value):
        raise ValueError(f"bad path {shorten(value)} (absolute, normalised, letters, digits and ._@+-)")
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
            raise ValueError(f"{shorten(value)} is not one of {', '.join(allowed)}")
        return value

    parse.allowed = frozenset(allowed)  # type: ignore[attr-defined]  # for bulk.py
    return parse


def province(raw: Any) -> str:
    value = text(raw)
    if value not in PROVINCE_NAMES:
        raise ValueError(f"unknown province {shorten(value)}")
    return value


def integer(low: int | None = None, high: int | None = None) -> Parser:
    def parse(raw: Any) -> int:
        if isinstance(raw, bool) or isinstance(raw, float) and not raw.is_integer():
            raise ValueError(f"expected a whole number, got {shorten(raw)}")
        digits = _digits(raw) if isinstance(raw, str) else raw
        try:
            value = int(digits)
        except (TypeError, ValueError):
            raise ValueError(f"expected a whole number, got {shorten(raw)}") from None
        _check_range(value, low, high)
        return value

    parse.range = (int, low, high)  # type: ignore[attr-defined]  # for bulk.py
    return parse


def number(low: float | None = 0.0, high: float | None = None) -> Parser:
    def parse(raw: Any) -> float:
        if isinstance(raw, bool):
            raise ValueError(f"expected a number, got {shorten(raw)}")  # noqa: TRY004 - the parser contract
        digits = _digits(raw) if isinstance(raw, str) else raw
        try:
            value = float(digits)
        except (TypeError, ValueError):
            raise ValueError(f"expected a number, got {shorten(raw)}") from None
        if not math.isfinite(value):
            raise ValueError(f"expected a finite number, got {shorten(raw)}")
        _check_range(value, low, high)
        return value

    parse.range = (float, low, high)  # type: ignore[attr-defined]  # for bulk.py
    return parse


def _digits(raw: str) -> str:
    """`raw` stripped, when it is a plain ASCII number; ValueError saying how to write it otherwise."""
    value = raw.strip()
    hint = ambiguity(value)
    if hint:
        raise ValueError(hint)
    if not value.isascii():
        raise ValueError(f"expected a number in ASCII digits, got {shorten(value)}")
    return value


def _check_range(value: float, low: float | None, high: float | None) -> None:
    if low is not None and value < low:
        raise ValueError(f"{value:g} is below the minimum {low:g}")
    if high is not None and value > high:
        raise ValueError(f"{value:g} is above the maximum {high:g}")


_IPV4 = re.compile(r"(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}\Z")


def ip(raw: Any) -> str:
    value = text(raw)
    if "%" in value:  # a scope id (fe80::1%eth0) means something on one host only
        raise ValueError(f"bad IP address {shorten(value)} (no %scope)")
    if _IPV4.match(value):  # canonical dotted quad: skip ipaddress, ~10x faster at 60,000 hosts
        return value
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        raise ValueError(f"bad IP address {shorten(value)}") from None


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
        raise ValueError(f"bad subnet {shorten(value)} (e.g. 10.77.1.0/24, host bits zero)") from None


def day(raw: Any) -> date:
    if isinstance(raw, date):
        return raw
    try:
        return date.fromisoformat(text(raw))
    except ValueError:
        raise ValueError(f"bad date {shorten(raw)} (use YYYY-MM-DD)") from None


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
        _c("db_host", ident), _c("port", integer(1, 65535)), _c("service", dns_name),
    )),
    "dependencies": (model.Dependency, (
        _c("from", ident, True, "from_app"), _c("to", ident, True, "to_app"), _c("kind", text),
    )),
}

REQUIRED_TABLES = ("agencies", "datacenters", "hosts", "apps")
ESTATE_KEYS = (_c("name", ident, True), _c("national_datacenter", ident, True), _c("portal_host", ident),
               _c("storage_allow_list", dns_names), _c("storage_allow_loopback", boolean))

