"""Encryption keys for backups: one 256-bit key per agency, from the environment or a key file.

The keys never go into the bucket; the server gets one with each request (SSE-C) and keeps only
its fingerprint. Key file: one `agency: <base64 of 32 bytes>` per line, `#` comments; the
environment variable DCC_BACKUP_KEY_<AGENCY> (upper case, `-` as `_`) overrides the file.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from migration.errors import InputError

KEY_BYTES = 32
_AGENCY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")


@dataclass(frozen=True)
class BackupKey:
    agency: str
    secret: bytes = field(repr=False)

    @property
    def key_id(self) -> str:
        """Names the key in a manifest without revealing it."""
        return f"{self.agency}:{hashlib.sha256(b'dcc-backup-key:' + self.secret).hexdigest()[:16]}"


def env_name(agency: str) -> str:
    return "DCC_BACKUP_KEY_" + re.sub(r"[^A-Z0-9]", "_", agency.upper())


class KeyRing:
    """The agencies' keys; asking for a missing one is a one-line error naming where to put it."""

    def __init__(self, keys: Mapping[str, bytes], source: str = "keys") -> None:
        self._keys, self.source = dict(keys), source

    def for_agency(self, agency: str) -> BackupKey:
        secret = _from_env(agency) or self._keys.get(agency)
        if secret is None:
            raise InputError(f"no backup key for agency {agency!r}: set {env_name(agency)} or add it to "
                             f"the key file", where=self.source)
        return BackupKey(agency, secret)

    @classmethod
    def load(cls, path: Path | None) -> KeyRing:
        """Keys from `path` (if given and present) plus the environment."""
        if path is None or not Path(path).exists():
            return cls({}, str(path) if path else "environment")
        return cls(read_key_file(Path(path)), str(path))


def read_key_file(path: Path) -> dict[str, bytes]:
    keys: dict[str, bytes] = {}
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        text = line.split("#", 1)[0].strip()
        if not text:
            continue
        agency, sep, value = (p.strip() for p in text.partition(":"))
        if not sep or not _AGENCY.match(agency):
            raise InputError("expected `agency: <base64 key>`", where=f"{path}:{number}")
        keys[agency] = _decode(value, f"{path}:{number}: {agency}")
    return keys


def ensure_keys(path: Path, agencies: Iterable[str]) -> None:
    """Add a fresh random key for each agency the file (and the environment) lacks; the file is
    written owner-only. For the lab and the demo: production keys come from the agency's KMS."""
    have = read_key_file(path) if path.exists() else {}
    missing = sorted({a for a in agencies if a not in have and not os.environ.get(env_name(a))})
    if not missing:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [f"{a}: {base64.b64encode(os.urandom(KEY_BYTES)).decode()}\n" for a in missing]
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    with os.fdopen(fd, "a") as out:
        out.writelines(lines)


def _from_env(agency: str) -> bytes | None:
    value = os.environ.get(env_name(agency))
    return _decode(value, env_name(agency)) if value else None


def _decode(value: str, where: str) -> bytes:
    try:
        secret = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        secret = b""
    if len(secret) != KEY_BYTES:
        raise InputError(f"a backup key must be {KEY_BYTES} bytes in base64", where=where)
    return secret
