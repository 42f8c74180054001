"""Value parsers for profile fields: each returns the typed value or raises ValueError with a
short message, which the reader prefixes with file:line and the field's path.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable
from typing import Any

from migration.profile.model import FORMAT, HOST_PLACEHOLDERS, PLACEHOLDERS

Parser = Callable[[Any], Any]
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_SERVICE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@+-]{0,127}\Z")
_POSIX_NAME = re.compile(r"[a-z_][a-z0-9_.-]{0,31}\Z")
_DB_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_$]{0,63}\Z")
_HOST_ID = re.compile(r"[a-z0-9][a-z0-9._-]{0,127}\Z")
_PACKAGE = re.compile(r"[a-z0-9][a-z0-9+.-]{0,127}(?::[a-z0-9-]{1,32})?\Z")
_VERSION = re.compile(r"[A-Za-z0-9.+~:-]{1,128}\Z")
_CRON_FIELD = re.compile(r"[0-9A-Za-z*/,-]{1,64}\Z")
_CRON_SPECIAL = ("@reboot", "@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly")
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
# crontab (/etc/crontab), cron.d/<file> or crontabs/<user>; a bare name is a cron.d file
_CRON_SOURCE = re.compile(r"(crontab|(cron\.d/|crontabs/)?[A-Za-z0-9_][A-Za-z0-9_-]{0,127})\Z")
_OWNER = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]{0,63}\Z")
MAX_TEXT = 1024
MAX_PATH = 4096


def text(raw: Any, limit: int = MAX_TEXT) -> str:
    if isinstance(raw, (bool, dict, list)) or raw is None:
        raise ValueError(f"expected text, got {_kind(raw)}")
    value = str(raw)
    if _CONTROL.search(value):
        raise ValueError("control characters are not allowed")
    if len(value) > limit:
        raise ValueError(f"longer than {limit} characters")
    return value


def _kind(raw: Any) -> str:
    return "a boolean (quote it)" if isinstance(raw, bool) else "nothing" if raw is None else \
        f"a {type(raw).__name__}"


def _matching(pattern: re.Pattern[str], what: str) -> Parser:
    def parse(raw: Any) -> str:
        value = text(raw, 256)
        if not pattern.match(value):
            raise ValueError(f"{value[:80]!r} is not a valid {what}")
        return value
    return parse


service_name = _matching(_SERVICE, "init script or unit name (letters, digits, . _ @ + -)")
posix_name = _matching(_POSIX_NAME, "POSIX user or group name")
db_ident = _matching(_DB_IDENT, "database identifier (letters, digits, _, $; not starting with a digit)")
host_id = _matching(_HOST_ID, "host id")
package = _matching(_PACKAGE, "Debian package name")
version = _matching(_VERSION, "package version")
cron_source = _matching(_CRON_SOURCE, "cron source (crontab, cron.d/<file> or crontabs/<user>)")
owner = _matching(_OWNER, "owner (a role, account or user name: letters, digits, _ . -)")


def path(raw: Any) -> str:
    """An absolute, normalised path other than `/` (no `..`, no `//`, no trailing `/`)."""
    value = text(raw, MAX_PATH)
    if not value.startswith("/"):
        raise ValueError(f"{value[:80]!r} is not an absolute path")
    if value == "/":
        raise ValueError("'/' is the whole host, not an app's path")
    if posixpath.normpath(value) != value or "/../" in f"{value}/":
        raise ValueError(f"{value[:80]!r} is not normalised (write {posixpath.normpath(value)!r})")
    return value


def url_path(raw: Any) -> str:
    value = text(raw, 512)
    if not value.startswith("/") or any(c.isspace() for c in value):
        raise ValueError(f"{value[:80]!r} is not a URL path (it starts with '/', no spaces)")
    return value


def _whole(raw: Any) -> Any:
    """The inventory's YAML dialect keeps numbers as written (text): plain ASCII digits are a number."""
    if isinstance(raw, str) and raw.isascii() and raw.isdigit() and len(raw) <= 18:
        return int(raw)
    return raw


def integer(low: int, high: int) -> Parser:
    def parse(raw: Any) -> int:
        raw = _whole(raw)
        if isinstance(raw, bool) or not isinstance(raw, int):
            raise ValueError(f"expected a whole number, got {raw!r}"[:120])  # noqa: TRY004 - the parser contract
        if not low <= raw <= high:
            raise ValueError(f"{raw} is outside {low}..{high}")
        return raw
    return parse


port = integer(1, 65535)
ident_number = integer(0, 2**32 - 2)


def format_version(raw: Any) -> int:
    raw = _whole(raw)
    if raw != FORMAT or isinstance(raw, bool):
        raise ValueError(f"unsupported format {raw!r} (this dcc reads format {FORMAT})"[:120])
    return FORMAT


def boolean(raw: Any) -> bool:
    if not isinstance(raw, bool):
        raise ValueError(f"expected true or false, got {raw!r}"[:120])  # noqa: TRY004
    return raw


def enum(*allowed: str) -> Parser:
    def parse(raw: Any) -> str:
        value = text(raw, 64)
        if value not in allowed:
            raise ValueError(f"{value!r} is not one of {', '.join(allowed)}")
        return value
    return parse


def command(raw: Any) -> str:
    value = text(raw)
    if not value.strip():
        raise ValueError("empty command")
    return value


def schedule(raw: Any) -> str:
    value = text(raw, 256)
    parts = value.split()
    if parts in ([special] for special in _CRON_SPECIAL):
        return value
    if len(parts) != 5 or not all(_CRON_FIELD.match(p) for p in parts):
        raise ValueError(f"{value!r} is not a cron schedule (five fields or @daily etc.)")
    return " ".join(parts)


def template(raw: Any) -> str:
    """A rewrite's new value: text whose `{...}` are known placeholders (`{{`, `}}`: literal braces)."""
    value = text(raw)
    bare = value.replace("{{", "").replace("}}", "")
    for name in _PLACEHOLDER.findall(bare):
        kind, _, host = name.partition(":")
        if not (name in PLACEHOLDERS or kind in HOST_PLACEHOLDERS and _HOST_ID.match(host)):
            allowed = ", ".join(f"{{{p}}}" for p in PLACEHOLDERS)
            raise ValueError(f"unknown placeholder {{{name[:40]}}} (use {allowed}, {{target:<host>}}, "
                             "{target_ip:<host>}; write a literal brace twice)")
    rest = _PLACEHOLDER.sub("", bare)
    if "{" in rest or "}" in rest:
        raise ValueError("unbalanced brace (write a literal brace twice: {{ or }})")
    return value


def names(raw: Any) -> tuple[str, ...]:
    if not isinstance(raw, list):
        raise ValueError(f"expected a list of database names, got {_kind(raw)}")  # noqa: TRY004
    return tuple(db_ident(item) for item in raw)
