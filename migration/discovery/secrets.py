"""Mask credentials in command lines a host reports, in every form they are commonly written.

Facts files sit beside the inventory and are read by people and tools; a password on a legacy
host's command line (`--db-pass X`, `PASS=X`, `-pX`, `user:pass@`, `Authorization: Bearer X`)
must never be copied into them. Masking too much loses a port number at worst; too little leaks.
"""

from __future__ import annotations

import re

MASK = "***"
_KEYWORD = r"(?:pass(?:wd|word|phrase)?|pwd|secret|token|api[_-]?key|access[_-]?key|private[_-]?key|credential)"
# A value: quoted (spaces and all, up to the closing quote) or a bare word.
_VALUE = r"""(?:(?P<q>['"])(?P<quoted>.*?)(?P=q)|(?P<bare>[^\s'"&;,}<]+))"""


def _masked(match: re.Match[str]) -> str:
    """The match with its value (quoted or bare) replaced by the mask, its quotes kept."""
    quote = match.group("q")
    start = match.start("quoted") - 1 if quote else match.start("bare")
    head = match.string[match.start():start]
    return f"{head}{quote}{MASK}{quote}" if quote else f"{head}{MASK}"


_KEYED: tuple[re.Pattern[str], ...] = (
    # --password X, --db-pass=X, --password="a b", -Ddb.password=X (an option: a space may separate)
    re.compile(rf"(?i)(?<![\w-])--?[\w.-]*{_KEYWORD}[\w.-]*(?:\s+|=){_VALUE}"),
    # PASS=X, DB_PASSWORD='a b', password=X;, "password": "X", &token=X, <password>X
    re.compile(rf"(?i)\b[\w.-]*{_KEYWORD}[\w.-]*\"?\s*[=:]\s*{_VALUE}"),
    re.compile(rf"(?i)<[\w:-]*{_KEYWORD}[\w:-]*>{_VALUE}"),
    # mysql -pX / -p'X' (attached: a separate `-p 2222` is a port); sshpass -p X
    re.compile(rf"(?<![\w-])-p(?!\d+\b)(?=\S){_VALUE}"),
    re.compile(rf"\bsshpass\s+(?:-\w+\s+)*-p\s*{_VALUE}"),
    # SQL: IDENTIFIED BY 'X', PASSWORD 'X'
    re.compile(rf"(?i)(?:\bidentified\s+by|\bpassword)\s+(?=['\"]){_VALUE}"),
)

_PLAIN: tuple[tuple[re.Pattern[str], str], ...] = (
    # scheme://user:secret@host (the user may be empty: redis://:secret@host)
    (re.compile(r"(\b[A-Za-z][A-Za-z0-9+.-]*://[^/\s:@]*:)([^@\s/]+)(@)"), rf"\1{MASK}\3"),
    # Authorization: Bearer X / Basic X / token X, as a header or an option value
    (re.compile(r"(?i)(\b(?:proxy-)?authorization\s*[:=]\s*(?:(?:bearer|basic|token|digest|negotiate)\\?\s+)?)"
                r"([^\s'\"]+)"), rf"\1{MASK}"),
    # X-Api-Key: X, X-Auth-Token: X, Cookie: X
    (re.compile(r"(?i)(\b(?:x-[\w-]*(?:key|token|auth|secret)[\w-]*|cookie)\s*:\s*)([^\s'\"]+)"), rf"\1{MASK}"),
    # curl -u user:X, --user user:X
    (re.compile(r"((?<![\w-])(?:-u|--user)[\s=]*['\"]?[^\s:'\"]+:)([^\s'\"]+)"), rf"\1{MASK}"),
)


def redact(text: str) -> str:
    """`text` with every credential-looking value replaced by `***`."""
    for pattern, replacement in _PLAIN:
        text = pattern.sub(replacement, text)
    for keyed in _KEYED:
        text = keyed.sub(_masked, text)
    return text
