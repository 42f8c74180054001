"""How a vendor shipped each app of an estate: the lab-only file `<estate>/lab/shapes.yaml`.

The inventory says what an agency knows (hosts, port, portal name), never where files live;
this file tells the lab's installer which vendor layout to plant. The pipeline never reads it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from migration.errors import InventoryInvalid
from migration.inventory import Estate
from migration.inventory.readers import Problems, yaml_records

FILE = Path("lab") / "shapes.yaml"
# kind -> (health path, whether it needs a separate db_host)
KINDS: dict[str, tuple[str, bool]] = {
    "php-mariadb": ("/status.php", True),     # A: PHP under Apache, MariaDB on another host
    "service-sqlite": ("/api/ping", False),   # B: own system user, /usr/local, sqlite under /var/lib
    "cron-spool": ("/status", False),        # C: cron batch writing reports to a spool dir, status page
}
_VENDOR = re.compile(r"[a-z][a-z0-9]{1,15}")
_KEYS = frozenset({"app", "kind", "vendor", "uid"})


@dataclass(frozen=True)
class Shape:
    kind: str
    vendor: str   # the name in the vendor's paths: /var/www/<vendor>, /etc/<vendor>, ...
    uid: int      # the service user's fixed uid (and gid); 0 where Apache's www-data runs it

    @property
    def health_path(self) -> str:
        return KINDS[self.kind][0]


def load(folder: Path, inv: Estate) -> dict[str, Shape]:
    """app id -> Shape; {} when the estate has no shapes file. Every problem names file:line: key."""
    path = folder / FILE
    if not path.exists():
        return {}
    problems, out = Problems(), {}
    for line, rec in yaml_records(path, problems):
        errors = _errors(rec, inv)
        if not errors and rec["app"] in out:
            errors = [("app", f"{rec['app']!r} is given twice")]
        for key, message in errors:
            problems.add(path, line, key, message)
        if not errors:
            out[rec["app"]] = Shape(rec["kind"], rec["vendor"], rec.get("uid", 0))
    if problems.lines:
        raise InventoryInvalid(problems.lines)
    return out


def _errors(rec: dict[str, Any], inv: Estate) -> list[tuple[str, str]]:
    """(key, problem) for each thing wrong with one record; [] when it is a valid shape."""
    errors = [(k, f"unknown key (expected one of {', '.join(sorted(_KEYS))})") for k in rec if k not in _KEYS]
    app = inv.apps.get(str(rec.get("app")))
    if app is None:
        errors.append(("app", f"unknown app {rec.get('app')!r}"))
    kind = rec.get("kind")
    if kind not in KINDS:
        errors.append(("kind", f"{kind!r} is not one of {', '.join(KINDS)}"))
    elif app is not None and KINDS[kind][1] and (not app.db_host or app.db_host == app.hosts[0]):
        errors.append(("kind", f"{kind} needs the app's db_host to be another host than {app.hosts[0]!r}"))
    if not isinstance(rec.get("vendor"), str) or not _VENDOR.fullmatch(rec["vendor"]):
        rule = "must be 2-16 lower-case letters or digits, starting with a letter"
        errors.append(("vendor", f"{rec.get('vendor')!r} {rule}"))
    uid = rec.get("uid", 0)
    if isinstance(uid, str) and uid.isascii() and uid.isdigit() and len(uid) <= 9:
        uid = int(uid)  # the inventory's YAML dialect keeps numbers as written
        rec["uid"] = uid
    if kind != "php-mariadb" and (not isinstance(uid, int) or isinstance(uid, bool) or not 1000 <= uid <= 59999):
        errors.append(("uid", f"{uid!r} must be a number in 1000..59999 (the service user's fixed uid)"))
    return errors
