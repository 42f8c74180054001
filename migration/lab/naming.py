"""Names and paths of one lab estate: run dir, namespaces, interfaces, bridges.

Linux caps interface names at 15 characters, so long names become short hashes;
every name carries the estate so several estates can run side by side.
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

NS_PREFIX = "dcc-"
_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,30}$")
IFNAME_MAX = 15


def lab_root() -> Path:
    """Where every estate's run dir lives (`DCC_LAB_DIR`, default /var/lib/dcc/lab)."""
    return Path(os.environ.get("DCC_LAB_DIR", "/var/lib/dcc/lab"))


def run_dir(estate: str) -> Path:
    return lab_root() / estate


def short_hash(*parts: str, length: int = 8) -> str:
    return hashlib.sha256("/".join(parts).encode()).hexdigest()[:length]


def valid_name(name: str) -> bool:
    """Estate and host ids end up in paths and namespace names, so keep them plain."""
    return bool(_NAME_RE.match(name))


def netns_prefix(estate: str) -> str:
    return f"{NS_PREFIX}{estate}-"


def netns(estate: str, host: str) -> str:
    """`dcc-<estate>-<host>`, or a hash when that gets unwieldy (netns names are file names)."""
    name = f"{netns_prefix(estate)}{host}"
    return name if len(name) <= 60 else f"{netns_prefix(estate)}{short_hash(estate, host)}"


def veth_outer(estate: str, host: str) -> str:
    """Outer veth end in the root namespace: `dv` + 10-hex hash = 12 chars."""
    return f"dv{short_hash('veth', estate, host, length=10)}"


def veth_peer_tmp(estate: str, host: str) -> str:
    """Temporary name of the inner end before it moves into the namespace as eth0."""
    return f"dp{short_hash('veth', estate, host, length=10)}"


def bridge(estate: str, datacenter: str) -> str:
    """One bridge per data center subnet: `db` + 10-hex hash."""
    return f"db{short_hash('br', estate, datacenter, length=10)}"


def nft_table(estate: str) -> str:
    """nftables table in the root namespace that keeps this estate's traffic on the machine."""
    return f"dcc_{short_hash('nft', estate, length=10)}"


def control_dir(estate: str) -> Path:
    """ssh ControlPath dir; short because unix socket paths are capped at 108 bytes."""
    return Path("/run/dcc") / short_hash("ctl", str(run_dir(estate)), length=10)
