"""Data residency: backups go only to object storage on the national allow-list.

The same rule as the stacks' policy (`stacks/policy/policies.py`, `dcc:storageAllowList`): an
endpoint's host must equal an allow-list entry or be a subdomain of one. Stricter at the edge:
only http(s) URLs with a plain host (no user info, no backslash, no spaces); loopback only when
the estate says so (the lab's embedded S3 server). Checked before any byte leaves a host.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from migration.errors import InputError
from migration.inventory.model import Estate
from migration.untrusted.files import read_text
from migration.untrusted.text import shorten

DEFAULT_ALLOW_LIST = ("pdn.go.id",)  # the stacks' policy pack default (stacks/policy/pack.py)
_HOST = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*\Z")
_URL_CHARS = re.compile(r"[A-Za-z0-9._~:/?#\[\]@!$&'()*+,;=%-]+\Z")


@dataclass(frozen=True)
class Residency:
    """Where backups may go, and where that rule came from (named in every refusal)."""

    allow_list: tuple[str, ...]
    allow_loopback: bool
    source: str


def host_allowed(url: str, allow_list: Iterable[str]) -> bool:
    """True when the URL's host equals an allow-list entry or is a subdomain of one (the stacks' rule,
    with the URL checked first: a host that parsers could read two ways is never allowed)."""
    host = endpoint_host(url)
    if host is None:
        return False
    entries = [e.lower().strip().removesuffix(".") for e in allow_list]
    return any(e and (host == e or host.endswith("." + e)) for e in entries)


def endpoint_host(url: str) -> str | None:
    """The lower-case host of an http(s) URL, or None when the URL is not plainly one host."""
    if not isinstance(url, str) or not _URL_CHARS.match(url):
        return None  # spaces, backslashes, controls, non-ASCII look-alikes
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises on a bad port
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or "@" in parts.netloc or not parts.hostname:
        return None
    host = parts.hostname.lower().removesuffix(".")
    if _loopback(host) is not None or _HOST.match(host):
        return host
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        return None


def _loopback(host: str) -> bool | None:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback or None
    except ValueError:
        return None


def endpoint_problem(url: str, residency: Residency) -> str | None:
    """Why backups must not go to `url`, or None."""
    host = endpoint_host(url)
    if host is None:
        return f"{shorten(url, 200)} is not a plain http(s) URL of one host"
    if _loopback(host):
        if residency.allow_loopback:
            return None
        return (f"{shorten(url, 200)} is a loopback endpoint, allowed only when the estate sets "
                f"storage_allow_loopback: true (the lab)")
    if host_allowed(url, residency.allow_list):
        return None
    return f"{shorten(url, 200)} is not on the storage allow-list {list(residency.allow_list)}"


def check_endpoints(urls: Iterable[str | None], residency: Residency) -> None:
    """Raise InputError (one line, naming the endpoint and the allow-list's source) for the first
    endpoint backups must not be written to; None entries (not configured) are skipped."""
    for url in urls:
        if url is None:
            continue
        problem = endpoint_problem(url, residency)
        if problem:
            raise InputError(f"data residency: {problem} (from {residency.source})", where="--s3-endpoint")


def residency_of(estate: Estate, stack_config: Path | None = None) -> Residency:
    """The estate's rule: `storage_allow_list` in estate.yaml (else the stacks' default), or the
    `dcc:storageAllowList` of a Pulumi stack file when one is given; loopback from the estate."""
    folder = estate.source_dir or Path(".")
    if stack_config is not None:
        return Residency(read_stack_allow_list(stack_config), estate.storage_allow_loopback,
                         f"{stack_config} dcc:storageAllowList")
    if estate.storage_allow_list:
        return Residency(estate.storage_allow_list, estate.storage_allow_loopback,
                         f"{folder / 'estate.yaml'} storage_allow_list")
    return Residency(DEFAULT_ALLOW_LIST, estate.storage_allow_loopback,
                     f"the default, as {folder / 'estate.yaml'} has no storage_allow_list")


def read_stack_allow_list(path: Path) -> tuple[str, ...]:
    """`config: dcc:storageAllowList` of a `Pulumi.<stack>.yaml`: a non-empty list of host names."""
    from migration.inventory.yamlsafe import load_bounded

    document = load_bounded(read_text(path), str(path))
    config = document.get("config") if isinstance(document, dict) else None
    value = config.get("dcc:storageAllowList") if isinstance(config, dict) else None
    if isinstance(value, dict) and "value" in value:  # pulumi's long form: {value: [...]}
        value = value["value"]
    if not isinstance(value, list) or not value or not all(isinstance(v, str) and _HOST.match(v.lower()) for v in value):
        raise InputError("config dcc:storageAllowList must be a non-empty list of host names",
                         where=str(path))
    return tuple(v.lower() for v in value)
