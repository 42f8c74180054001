"""Defensive parsers for a host's system facts: OS, CPU, memory, disks, packages, users, cron, data.

Each takes the raw text of one script section and a `Reader` for warnings, accepts only lines
matching a strict shape, and never evaluates or executes anything it reads.
"""

from __future__ import annotations

import re

from migration.discovery.facts import CronJob, DataDir, Filesystem, OsInfo, Package, User
from migration.discovery.lines import Reader, clip, redact, to_int

_OS_KEY = re.compile(r"^([A-Z][A-Z0-9_]{0,63})=(.*)$")
_DF = re.compile(r"^(\S+)\s+(\S+)\s+(\d{1,19})\s+(\d{1,19})\s+(\d{1,19})\s+(?:\d{1,3}%|-)\s+(/.*)$")
_PACKAGE = re.compile(r"^([a-z0-9][a-z0-9+.-]{0,127}(?::[a-z0-9-]{1,32})?)\t([A-Za-z0-9.+~:-]{1,128})\t(\S+)$")
_USER_NAME = re.compile(r"^[a-z_][a-z0-9_.-]{0,31}\$?$")
_CRON_FILE = re.compile(r"^[A-Za-z0-9_.-]{1,128}$")
_CRON_ENV = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*\s*=")
_CRON_FIELD = re.compile(r"^[0-9A-Za-z*/,-]{1,64}$")
_CRON_SPECIAL = ("@reboot", "@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly")
_PATH = re.compile(r"^/[^\t]*$")


def parse_os_release(reader: Reader) -> dict[str, str]:
    """KEY=value pairs of /etc/os-release, unquoted without any shell evaluation."""
    values: dict[str, str] = {}
    for number, line in reader.lines():
        if line.lstrip().startswith("#"):
            continue
        match = _OS_KEY.match(line)
        if not match:
            reader.bad(number, line)
            continue
        values.setdefault(match.group(1), clip(_unquote(match.group(2)), 256))
    return values


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        value = value[1:-1]
    return re.sub(r"\\(.)", r"\1", value)


def parse_os(release: Reader, uname: Reader) -> OsInfo:
    """OS identity from os-release plus kernel release and machine from `uname -srm`."""
    values = parse_os_release(release)
    kernel, arch = "", ""
    for number, line in uname.lines():
        parts = line.split()
        if len(parts) == 3 and all(re.fullmatch(r"[\w.+~-]{1,128}", p) for p in parts):
            kernel, arch = parts[1], parts[2]
            break
        uname.bad(number, line)
    return OsInfo(id=values.get("ID", ""), version_id=values.get("VERSION_ID", ""),
                  pretty_name=values.get("PRETTY_NAME", ""), kernel=kernel, arch=arch)


def parse_hostname(reader: Reader) -> str:
    for number, line in reader.lines():
        if re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9.-]{0,252}", line.strip()):
            return line.strip()
        reader.bad(number, line)
    return ""


def parse_cpu_count(reader: Reader) -> int | None:
    for number, line in reader.lines():
        value = to_int(line.strip(), 1, 1_000_000)
        if value is not None:
            return value
        reader.bad(number, line)
    return None


def parse_memory_kb(reader: Reader) -> int | None:
    """MemTotal from /proc/meminfo, in kB."""
    for number, line in reader.lines():
        match = re.fullmatch(r"MemTotal:\s+(\d{1,19}) kB", line.strip())
        if match:
            return to_int(match.group(1))
    if reader.text.strip():
        reader.warn(0, "no MemTotal line")
    return None


def parse_df(reader: Reader) -> tuple[Filesystem, ...]:
    """`df -PTk` rows, one per mount point (first wins), headers skipped."""
    found: dict[str, Filesystem] = {}
    for number, line in reader.lines():
        if line.startswith("Filesystem"):
            continue
        match = _DF.match(line)
        if not match:
            reader.bad(number, line)
            continue
        device, fstype, size, used, avail, mount = match.groups()
        found.setdefault(mount, Filesystem(clip(device, 256), clip(fstype, 32), int(size), int(used),
                                           int(avail), clip(mount, 512)))
    return tuple(found.values())


def parse_packages(reader: Reader) -> tuple[Package, ...]:
    """Installed packages from `dpkg-query` (name TAB version TAB status)."""
    packages: list[Package] = []
    for number, line in reader.lines():
        match = _PACKAGE.match(line)
        if not match:
            reader.bad(number, line)
        elif match.group(3) == "installed":
            packages.append(Package(match.group(1), match.group(2)))
    return tuple(packages)


def parse_passwd(reader: Reader) -> tuple[User, ...]:
    """People (uid >= 1000) and service accounts (uid 100-999) from /etc/passwd."""
    users: list[User] = []
    for number, line in reader.lines():
        user = _passwd_line(line)
        if user is None:
            reader.bad(number, line)
        elif user.kind:
            users.append(user)
    return tuple(users)


def _passwd_line(line: str) -> User | None:
    parts = line.split(":")
    if len(parts) != 7 or not _USER_NAME.match(parts[0]):
        return None
    uid, gid = to_int(parts[2], 0, 2**32 - 1), to_int(parts[3], 0, 2**32 - 1)
    if uid is None or gid is None:
        return None
    kind = "person" if 1000 <= uid < 65534 else "service" if 100 <= uid < 1000 else ""
    return User(parts[0], uid, gid, clip(parts[5], 256), clip(parts[6], 128), kind)


def parse_cron(reader: Reader, system: bool) -> tuple[CronJob, ...]:
    """Jobs from `file TAB line` rows; system crontabs carry a user field, user crontabs do not."""
    jobs: list[CronJob] = []
    for number, line in reader.lines():
        source, _, entry = line.partition("\t")
        entry = entry.strip()
        if not entry or entry.startswith("#") or _CRON_ENV.match(entry):
            continue
        job = _cron_entry(source, entry, system) if _CRON_FILE.match(source) else None
        if job is None:
            reader.bad(number, line)
        else:
            jobs.append(job)
    return tuple(jobs)


def _cron_entry(source: str, entry: str, system: bool) -> CronJob | None:
    width = 1 if entry.startswith("@") else 5
    parts = entry.split(None, width + (1 if system else 0))
    if len(parts) <= width + (1 if system else 0):
        return None
    schedule = parts[:width]
    if width == 1 and schedule[0] not in _CRON_SPECIAL:
        return None
    if width == 5 and not all(_CRON_FIELD.match(f) for f in schedule):
        return None
    user = parts[width] if system else source
    if not _USER_NAME.match(user):
        return None
    # Where the entry lives, as a path under /etc or /var/spool/cron (profile.cron_file).
    where = ("crontab" if source == "crontab" else f"cron.d/{source}") if system else f"crontabs/{source}"
    return CronJob(where, user, " ".join(schedule), clip(redact(parts[-1]), 512))


def parse_du(reader: Reader) -> tuple[DataDir, ...]:
    """`du -sk` rows (size TAB path) for data folders."""
    dirs: dict[str, DataDir] = {}
    for number, line in reader.lines():
        size, _, path = line.partition("\t")
        value = to_int(size)
        if value is None or not _PATH.match(path):
            reader.bad(number, line)
            continue
        dirs.setdefault(path, DataDir(clip(path, 512), value))
    return tuple(dirs.values())
