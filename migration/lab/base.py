"""The shared read-only Debian base every lab host overlays.

Built once with mmdebstrap (debootstrap as a fallback), cached outside the repo as a
zstd tarball keyed by the package list, and extracted once into the overlay lower dir.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from migration.errors import LabError

SUITE = "bookworm"
PACKAGES = (
    "openssh-server", "openssh-client", "python3", "iproute2", "procps", "sudo", "tini", "rsync",
    "postgresql", "python3-psycopg2", "nginx-light", "curl", "ca-certificates", "iputils-ping",
    # for the vendor-shaped archetypes (vendorapps.py): PHP under Apache with MariaDB, file databases, cron
    "mariadb-server", "apache2", "libapache2-mod-php", "php-mysql", "sqlite3", "cron",
)
# Run inside the finished tree. Host keys go (each host gets its own); boot-time links for
# sshd, cron and the servers go (the lab's init starts sshd and cron, and enables services per
# host); so do the distro's periodic cron jobs (apt, dpkg backups, PHP session purge, e2scrub),
# which on a hundred lab hosts would all wake together and only cost load.
_CUSTOMIZE = (
    'rm -f "$1"/etc/ssh/ssh_host_*; '
    'rm -f "$1"/etc/rc?.d/[SK][0-9][0-9]ssh "$1"/etc/rc?.d/[SK][0-9][0-9]postgresql '
    '"$1"/etc/rc?.d/[SK][0-9][0-9]nginx "$1"/etc/rc?.d/[SK][0-9][0-9]mariadb '
    '"$1"/etc/rc?.d/[SK][0-9][0-9]apache2 "$1"/etc/rc?.d/[SK][0-9][0-9]apache-htcacheclean '
    '"$1"/etc/rc?.d/[SK][0-9][0-9]cron; '
    'rm -f "$1"/etc/cron.daily/* "$1"/etc/cron.weekly/* "$1"/etc/cron.monthly/* '
    '"$1"/etc/cron.d/php "$1"/etc/cron.d/e2scrub_all; '
    'printf "PasswordAuthentication no\\nUseDNS no\\nPermitRootLogin prohibit-password\\n" '
    '> "$1"/etc/ssh/sshd_config.d/dcc-lab.conf; '
    'rm -rf "$1"/var/cache/apt/archives/*.deb "$1"/var/lib/apt/lists/*'
)
Progress = Callable[[str], None]


@dataclass(frozen=True)
class BaseImage:
    tarball: Path
    rootfs: Path
    built_seconds: float | None  # set only when this call built it


def cache_dir() -> Path:
    return Path(os.environ.get("DCC_CACHE_DIR", "/var/cache/dcc"))


def base_hash() -> str:
    """Changes whenever the package list or the customisation changes, so caches never go stale."""
    return hashlib.sha256("\n".join((SUITE, *PACKAGES, _CUSTOMIZE)).encode()).hexdigest()[:12]


def paths() -> tuple[Path, Path]:
    h = base_hash()
    return cache_dir() / f"base-{SUITE}-{h}.tar.zst", cache_dir() / f"base-{h}"


def _run_streaming(cmd: list[str], progress: Progress) -> None:
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            errors="replace")
    tail: list[str] = []
    assert proc.stdout is not None
    for line in proc.stdout:
        line = line.rstrip()
        if line:
            tail = (tail + [line])[-5:]
            progress(line)
    if proc.wait() != 0:
        raise LabError(f"base build failed ({cmd[0]} exit {proc.returncode}): {' | '.join(tail)}")


def _bootstrap(target: Path, progress: Progress) -> None:
    include = ",".join(PACKAGES)
    if shutil.which("mmdebstrap"):
        cmd = ["mmdebstrap", "--variant=minbase", "--mode=root", f"--include={include}",
               f"--customize-hook={_CUSTOMIZE}", SUITE, str(target)]
        _run_streaming(cmd, progress)
        return
    if not shutil.which("debootstrap"):
        raise LabError("neither mmdebstrap nor debootstrap is installed (run scripts/setup.sh)")
    _run_streaming(["debootstrap", "--variant=minbase", f"--include={include}", SUITE, str(target)], progress)
    _run_streaming(["sh", "-c", _CUSTOMIZE, "sh", str(target)], progress)


def _pack(tree: Path, tarball: Path) -> None:
    tmp = tarball.with_suffix(".tmp")
    with open(tmp, "wb") as out:
        tar = subprocess.Popen(["tar", "-C", str(tree), "--numeric-owner", "--xattrs", "-cf", "-", "."],
                               stdout=subprocess.PIPE)
        zst = subprocess.run(["zstd", "-T0", "-3", "-q"], check=False, stdin=tar.stdout, stdout=out)
        if tar.wait() != 0 or zst.returncode != 0:
            raise LabError(f"could not pack the base into {tarball}")
    os.replace(tmp, tarball)


def _unpack(tarball: Path, rootfs: Path) -> None:
    tmp = rootfs.with_name(rootfs.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    cmd = f"zstd -dc -q {tarball} | tar -C {tmp} --numeric-owner --xattrs -xf -"
    if subprocess.run(["sh", "-c", cmd], check=False).returncode != 0:
        raise LabError(f"could not unpack the cached base {tarball}")
    os.replace(tmp, rootfs)


def ensure_base(progress: Progress = lambda _line: None) -> BaseImage:
    """Return the base, building and/or unpacking it first if the cache lacks it."""
    tarball, rootfs = paths()
    if rootfs.is_dir():
        return BaseImage(tarball, rootfs, None)
    cache_dir().mkdir(parents=True, exist_ok=True)
    # Several test sessions or engineers may start at once: one builds, the others wait.
    with open(cache_dir() / ".lock", "w") as lock:
        progress("waiting for the base-image lock")
        fcntl.flock(lock, fcntl.LOCK_EX)
        if rootfs.is_dir():
            return BaseImage(tarball, rootfs, None)
        return _build_or_unpack(tarball, rootfs, progress)


def _build_or_unpack(tarball: Path, rootfs: Path, progress: Progress) -> BaseImage:
    built = None
    if not tarball.exists():
        start = time.monotonic()
        tree = cache_dir() / f".build-{base_hash()}"
        shutil.rmtree(tree, ignore_errors=True)
        progress(f"building the {SUITE} base (one time, a few minutes)")
        _bootstrap(tree, progress)
        progress("packing the base tarball")
        _pack(tree, tarball)
        os.replace(tree, rootfs)
        built = time.monotonic() - start
        return BaseImage(tarball, rootfs, built)
    progress(f"unpacking cached base {tarball.name}")
    _unpack(tarball, rootfs)
    return BaseImage(tarball, rootfs, built)
