"""Helpers for the unseen-app test (tests/integration/migrate/test_unseen_app.py): an estate with one empty legacy host, and the app planted on it
by hand over SSH, the way a vendor's technician would (tests/fixtures/unseen/install.sh).

Not a test module. Nothing here is product code: the toolkit must learn this app from the host.
"""

from __future__ import annotations

import hashlib
import io
import json
import shlex
import subprocess
import tarfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from migration import lab as labs
from migration.lab import LabAccess
from migration.lab.appinstall import portal_conf
from tests.support.lab import VENDOR_INVENTORY as VENDOR

FILES = Path(__file__).resolve().parents[1] / "fixtures" / "unseen"

APP = "persuratan-garut"
HOST, TARGET = "grt-app2", "pdn-t05"
PORT = 7321
SERVICE = "surat.garutkab.go.id"
LETTERS, ATTACHMENTS = 300, 40
# What the agency declared: who owns it, where it runs, its port and its name on the portal. No paths.
DECLARED = {"id": APP, "name": "Persuratan Dinas Kabupaten Garut", "agency": "pemkab-garut",
            "function": "correspondence", "criticality": "medium", "data_class": "internal", "data_gb": 1,
            "hosts": [HOST], "port": PORT, "service": SERVICE}


# (legacy host, its address, its target, the target's address), on the vendor estate's 10.76 octets
Pair = tuple[str, str, str, str]
PAIRS: tuple[Pair, ...] = ((HOST, "10.76.62.21", TARGET, "10.76.70.25"),)


def estate_copy(dst: Path, pairs: tuple[Pair, ...]) -> Path:
    """inventory/vendor cut down to Garut and the national DC, plus empty legacy hosts and their
    targets: the lab starts them with nothing installed (no app is declared yet)."""
    dst.mkdir(parents=True)
    (dst / "estate.yaml").write_text((VENDOR / "estate.yaml").read_text())

    def keep(name: str, ids: set[str], extra: list[dict[str, Any]] | None = None) -> None:
        rows = [r for r in yaml.safe_load((VENDOR / name).read_text()) if r["id"] in ids]
        (dst / name).write_text(yaml.safe_dump(rows + (extra or []), sort_keys=False))
    keep("agencies.yaml", {"pemkab-garut", "komdigi"})
    keep("datacenters.yaml", {"dc-garut", "pdn-cikarang"})
    common = {"os": "debian-12", "cpu": 2, "memory_gb": 4, "disk_gb": 60}
    keep("hosts.yaml", {"pdn-portal"}, [
        *({"id": host, "datacenter": "dc-garut", "ip": ip, "role": "legacy", **common, "target": target}
          for host, ip, target, _ in pairs),
        *({"id": target, "datacenter": "pdn-cikarang", "ip": ip, "role": "target", **common}
          for _, _, target, ip in pairs)])
    (dst / "apps.yaml").write_text("[]\n")
    (dst / "dependencies.yaml").write_text("[]\n")
    return dst


def declare(estate_dir: Path, declared: dict[str, Any]) -> None:
    """The agency adds the app to its inventory, as it knows it."""
    rows = yaml.safe_load((estate_dir / "apps.yaml").read_text()) or []
    (estate_dir / "apps.yaml").write_text(yaml.safe_dump([*rows, declared], sort_keys=False))


def bundle(files: Path = FILES) -> bytes:
    """The vendor's setup folder as a tar stream, to unpack on a host."""
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w") as tar:
        for f in sorted(files.iterdir()):
            tar.add(f, arcname=f.name)
    return out.getvalue()


@contextmanager
def empty_lab(base: Path, name: str, octet: int, pairs: tuple[Pair, ...], declared: dict[str, Any]
              ) -> Iterator[tuple[LabAccess, Path, dict[str, str]]]:
    """A lab of `estate_copy(pairs)` renumbered to `octet` as estate `name`, the app declared once
    it is up (the lab installs no app of its own): (access, estate folder, host -> address).
    Brought down when the block ends."""
    folder = labs.renumber(estate_copy(base / "src", pairs), base / "estate", name, octet, from_octet=76)
    labs.down(name)
    lab = labs.up(folder)
    try:
        declare(lab.run_dir / "estate", declared)
        yield lab, lab.run_dir / "estate", {h: str(v["ip"]) for h, v in lab.hosts().items()}
    finally:
        labs.down(name)


def install(lab: LabAccess, host: str, files: Path, command: str) -> None:
    """Unpack the vendor's setup folder `files` on `host` and run `command` in it as root."""
    done = ssh_in(lab, host, f"set -e; d=$(mktemp -d); tar -x -C $d; sh $d/{command}; rm -rf $d", bundle(files))
    assert done.returncode == 0, f"install on {host} failed: {done.stderr.decode()[-2000:]}"


def publish(lab: LabAccess, service: str, backend_ip: str, port: int) -> None:
    """The service's route on the national portal, as it was published before the move."""
    route = shlex.quote(portal_conf(service, backend_ip, port))
    done = ssh_in(lab, "pdn-portal", f"printf %s {route} > /etc/nginx/conf.d/dcc-{service}.conf && nginx -s reload")
    assert done.returncode == 0, done.stderr.decode()


def plant(lab: LabAccess, portal_ip: str, host_ip: str) -> None:
    """Copy the setup folder to the host and run the vendor's install script there as root;
    publish the service on the national portal the way it was published before the move."""
    install(lab, HOST, FILES, f"install.sh {PORT} {LETTERS} {ATTACHMENTS}")
    publish(lab, SERVICE, host_ip, PORT)
    wait_healthy(portal_ip)


def ssh_in(lab: LabAccess, host: str, command: str, stdin: bytes = b"") -> Any:
    """`command` on `host` with `stdin`, its output as bytes."""
    return subprocess.run([*lab.ssh_args(host), command], input=stdin, capture_output=True, timeout=120, check=False)


# Run on a host: every file under the given folders with its SHA-256, owner and mode, and every
# folder with its owner and mode; SQLite files and their -wal/-shm are left out of the checksums (a
# running app rewrites them in place): each database's rows instead, read from a copy (so a WAL left
# by a stopped writer is read, and the original is not touched).
_SNAPSHOT = r"""
import hashlib, json, os, shutil, sqlite3, stat, sys, tempfile
roots, dbs = json.loads(sys.argv[1]), json.loads(sys.argv[2])
skip = {p + s for p in dbs for s in ("-wal", "-shm", "-journal")}
def meta(st):
    return f"{st.st_uid}:{st.st_gid} {stat.S_IMODE(st.st_mode):o}"
files, tables = {}, {}
for root in roots:
    for d, _, names in os.walk(root):
        files[d + "/"] = meta(os.lstat(d))
        for n in names:
            p = os.path.join(d, n)
            st = os.lstat(p)
            if p in skip or not stat.S_ISREG(st.st_mode):
                continue
            with open(p, "rb") as f:
                digest = "sqlite" if p in dbs else hashlib.sha256(f.read()).hexdigest()
            files[p] = f"{digest} {meta(st)}"
for db in dbs:
    tmp = tempfile.mkdtemp()
    for s in ("", "-wal", "-shm"):
        if os.path.exists(db + s):
            shutil.copy(db + s, os.path.join(tmp, "db" + s))
    conn = sqlite3.connect(os.path.join(tmp, "db"))
    for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"):
        rows = conn.execute(f'SELECT * FROM "{name}" ORDER BY rowid').fetchall()
        tables[f"{db}:{name}"] = [len(rows), hashlib.sha256(repr(rows).encode()).hexdigest()]
    conn.close()
    shutil.rmtree(tmp)
print(json.dumps({"files": files, "tables": tables}))
"""


@dataclass(frozen=True)
class Snapshot:
    files: dict[str, str]               # path -> "sha256 uid:gid mode" (a folder: path/ -> "uid:gid mode")
    tables: dict[str, tuple[int, str]]  # "<db file>:<table>" -> (rows, sha256 of every row)

    def moved(self, old: str, new: str) -> Snapshot:
        """The same snapshot with paths under `old` written under `new` (a retained copy)."""
        def swap(path: str) -> str:
            return new + path[len(old):] if path.startswith(old) else path
        return Snapshot({swap(p): d for p, d in self.files.items()},
                        {swap(k): v for k, v in self.tables.items()})


def snapshot(lab: LabAccess, host: str, roots: list[str], dbs: list[str]) -> Snapshot:
    argv = " ".join(shlex.quote(json.dumps(x)) for x in (roots, dbs))
    done = ssh_in(lab, host, f"python3 - {argv}", _SNAPSHOT.encode())
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    raw = json.loads(done.stdout)
    return Snapshot(raw["files"], {k: (v[0], v[1]) for k, v in raw["tables"].items()})


def ssh(lab: LabAccess, host: str, command: str) -> subprocess.CompletedProcess[str]:
    return lab.ssh(host, command)


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


def request(ip: str, path: str, method: str = "GET", data: bytes | None = None, port: int = 80,
            service: str = SERVICE) -> Answer:
    """One HTTP request, through the portal (port 80, `service` as the Host header) or straight to a
    host; status 0 and the reason when nothing answered."""
    req = urllib.request.Request(f"http://{ip}:{port}{path}", data=data, method=method,
                                 headers={"Host": service} if port == 80 else {})
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return Answer(resp.status, resp.read())
    except urllib.error.HTTPError as err:
        return Answer(err.code, err.read())
    except OSError as err:
        return Answer(0, str(err).encode())


def wait_healthy(ip: str, port: int = 80, seconds: float = 60) -> Answer:
    deadline = time.monotonic() + seconds
    while True:
        got = request(ip, "/_/healthz", port=port)
        if got.status == 200 or time.monotonic() > deadline:
            return got
        time.sleep(0.5)


@dataclass
class Writes:
    """Letters and attachments the app acknowledged (201), by where they were sent."""

    letters: dict[int, str]   # id -> nomor
    files: dict[str, str]     # name -> sha256

    @classmethod
    def none(cls) -> Writes:
        return cls({}, {})


def write(ip: str, tag: str, count: int, writes: Writes, port: int = 80) -> None:
    """`count` letters and one attachment per five letters; every 201 is remembered."""
    for i in range(count):
        nomor = f"{tag}-{i:03d}"
        got = request(ip, "/api/v2/surat", "POST", json.dumps({"nomor": nomor, "perihal": f"uji {tag}"}).encode(),
                      port=port)
        assert got.status == 201, f"POST letter {nomor}: HTTP {got.status} {got.body[:200]!r}"
        writes.letters[int(got.json()["id"])] = nomor
        if i % 5 == 0:
            name, blob = f"{tag}-{i:03d}.pdf", hashlib.sha256(nomor.encode()).digest() * 300
            got = request(ip, f"/api/v2/berkas/{name}", "PUT", blob, port=port)
            assert got.status == 201, f"PUT {name}: HTTP {got.status} {got.body[:200]!r}"
            writes.files[name] = hashlib.sha256(blob).hexdigest()


def served(ip: str, writes: Writes, port: int = 80) -> list[str]:
    """What of `writes` the app does not serve back (empty: everything is there)."""
    missing = []
    letters = {row["id"]: row["nomor"] for row in request(ip, "/api/v2/surat?limit=100000", port=port).json()}
    missing += [f"letter {i} ({n})" for i, n in writes.letters.items() if letters.get(i) != n]
    for name, digest in writes.files.items():
        got = request(ip, f"/api/v2/berkas/{name}", port=port)
        if got.status != 200 or hashlib.sha256(got.body).hexdigest() != digest:
            missing.append(f"file {name} (HTTP {got.status})")
    return missing
