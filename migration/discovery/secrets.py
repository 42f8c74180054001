"""Mask credentials in command lines a host reports, in every form they are commonly written.

Facts files sit beside the inventory and are read by people and tools; a password on a legacy
host's command line (`--db-pass X`, `PASS=X`, `-pX`, `user:pass@`, `Authorization: Bearer X`)
must never be copied into them. Masking too much loses a port number at worst; too little leaks.
"""

from __future__ import annotations

import re

MASK = "***"
_KEYWORD = r"(?:pass(?:wd|word|phrase)?|pwd|secret|token|api[_-]?key|access[_-]?key|private[_-]?key|credential)"
_VALUE = r"""(['"]?)([^\s'"&;,}]+)"""

_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    # scheme://user:secret@host (the user may be empty: redis://:secret@host)
    (re.compile(r"(\b[A-Za-z][A-Za-z0-9+.-]*://[^/\s:@]*:)([^@\s/]+)(@)"), rf"\1{MASK}\3"),
    # Authorization: Bearer X / Basic X / token X, as a header or an option value
    (re.compile(r"(?i)(\b(?:proxy-)?authorization\s*[:=]\s*(?:(?:bearer|basic|token|digest|negotiate)\\?\s+)?)"
                r"([^\s'\"]+)"), rf"\1{MASK}"),
    # X-Api-Key: X, X-Auth-Token: X, Cookie: X
    (re.compile(r"(?i)(\b(?:x-[\w-]*(?:key|token|auth|secret)[\w-]*|cookie)\s*:\s*)([^\s'\"]+)"), rf"\1{MASK}"),
    # --password X, --db-pass=X, -Ddb.password=X (an option: a space may separate the value)
    (re.compile(rf"(?i)((?<![\w-])--?[\w.-]*{_KEYWORD}[\w.-]*(?:\s+|=)){_VALUE}"), rf"\1\2{MASK}"),
    # PASS=X, DB_PASSWORD=X, password=X;, "password": "X", &token=X
    (re.compile(rf"(?i)(\b[\w.-]*{_KEYWORD}[\w.-]*\"?\s*[=:]\s*){_VALUE}"), rf"\1\2{MASK}"),
    # mysql -pX / -p'X' (attached: a separate `-p 2222` is a port); sshpass -p X
    (re.compile(r"((?<![\w-])-p)(['\"]?)(?!\d+\b)([^\s'\"]+)"), rf"\1\2{MASK}"),
    (re.compile(r"(\bsshpass\s+(?:-\w+\s+)*-p\s*)(['\"]?)([^\s'\"]+)"), rf"\1\2{MASK}"),
    # curl -u user:X, --user user:X
    (re.compile(r"((?<![\w-])(?:-u|--user)[\s=]*['\"]?[^\s:'\"]+:)([^\s'\"]+)"), rf"\1{MASK}"),
    # SQL: IDENTIFIED BY 'X', PASSWORD 'X'
    (re.compile(r"(?i)(\bidentified\s+by\s+|\bpassword\s+)(['\"])([^'\"]*)"), rf"\1\2{MASK}"),
)


def redact(text: str) -> str:
    """`text` with every credential-looking value replaced by `***`."""
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text
