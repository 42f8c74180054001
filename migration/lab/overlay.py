"""Small writes into a lab host's overlay before it boots: enable an LSB script, look up or add
a system user, fill a template. The host's packages and init scripts come from the base.
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

from migration.atomic import write_text_atomic
from migration.errors import LabError

_TOKEN = re.compile(r"@([A-Z_]+)@")


def enable(root: Path, script: str, order: int) -> None:
    """Link /etc/init.d/<script> as /etc/rc2.d/S<order><script>: the host's init starts it at boot."""
    link = root / f"etc/rc2.d/S{order:02d}{script}"
    if not link.is_symlink():
        link.symlink_to(f"../init.d/{script}")


def owner(root: Path, user: str) -> tuple[int, int]:
    """(uid, gid) of a user in the host's own /etc/passwd."""
    for line in (root / "etc/passwd").read_text().splitlines():
        f = line.split(":")
        if f[0] == user:
            return int(f[2]), int(f[3])
    raise LabError(f"user {user} missing from the base image")


def add_system_user(root: Path, name: str, uid: int, home: str, comment: str) -> None:
    """A user and its own group with a fixed id, as a vendor's installer would create (no login)."""
    rows = {"passwd": f"{name}:x:{uid}:{uid}:{comment}:{home}:/usr/sbin/nologin",
            "group": f"{name}:x:{uid}:", "shadow": f"{name}:!:19700::::::", "gshadow": f"{name}:!::"}
    for file, row in rows.items():
        path = root / "etc" / file
        text = path.read_text()
        if not any(line.split(":")[0] == name for line in text.splitlines()):
            st = path.stat()  # /etc/shadow is root:shadow 0640: keep what the base has
            write_text_atomic(path, text + row + "\n", mode=st.st_mode & 0o777)
            os.chown(path, st.st_uid, st.st_gid)


def fill(template: str, **values: str | int) -> str:
    """Replace every @KEY@ in a template; a token without a value is a bug in the caller."""
    missing = sorted(set(_TOKEN.findall(template)) - set(values))
    if missing:
        raise LabError(f"template values missing: {', '.join(missing)}")
    return _TOKEN.sub(lambda m: str(values[m.group(1)]), template)


def put(path: Path, text: str | bytes, ids: tuple[int, int] = (0, 0), mode: int = 0o644) -> None:
    """Write a file (and its missing parent dirs, owned the same) with an owner and mode."""
    mkdirs(path.parent, ids)
    if isinstance(text, bytes):
        path.write_bytes(text)
        path.chmod(mode)
    else:
        write_text_atomic(path, text, mode=mode)
    os.chown(path, *ids)


def mkdirs(path: Path, ids: tuple[int, int], mode: int = 0o755) -> None:
    """`mkdir -p` whose new directories get the owner and mode (existing ones are left alone)."""
    missing = []
    while not path.exists():
        missing.append(path)
        path = path.parent
    for d in reversed(missing):
        d.mkdir(mode=mode)
        os.chown(d, *ids)


def seed_file(app_id: str, i: int) -> tuple[str, bytes]:
    """Deterministic document i: same name, size and bytes on every run (known checksums)."""
    digest = hashlib.sha256(f"{app_id}:{i}".encode()).digest()
    size = 200 + int.from_bytes(digest[:4], "big") % 40000
    name = f"{2019 + i % 6}/doc-{i:04d}.{('pdf', 'docx', 'xlsx', 'txt')[i % 4]}"
    return name, (digest * (size // 32 + 1))[:size]


def lab_password(app_id: str) -> str:
    """Deterministic so a restored copy or a test can log in; this is a lab, not production."""
    return hashlib.sha256(f"dcc-lab-db:{app_id}".encode()).hexdigest()[:20]
