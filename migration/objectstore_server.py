"""A local S3 endpoint on loopback (moto in server mode) for the demo, the lab and the tests.

It speaks real S3 over HTTP, so `migration.transfer` talks to it exactly as to a production
store. Loopback only: the project sends no traffic anywhere else.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
import time
from types import TracebackType
from typing import Any, Self

from migration.errors import DccError, InputError

READY_TIMEOUT_S = 10.0


class LocalS3Server:
    """Context manager: starts moto's S3 server on `host:port` (0 = a free port), stops it on exit."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        _check_loopback(host)
        if not 0 <= port <= 65535:
            raise InputError(f"port {port} is out of range", where="port")
        self.host, self.port = host, port
        self._server: Any = None

    @property
    def endpoint_url(self) -> str:
        if self._server is None:
            raise DccError("the local S3 server is not running")
        return f"http://{self.host}:{self.port}"

    def start(self) -> Self:
        """Start the server in a thread and wait until it answers HTTP."""
        try:
            from moto.server import ThreadedMotoServer
        except ImportError:
            raise DccError("moto[server] is not installed (uv sync installs it with the dev group)")
        # werkzeug logs every request to stderr by default; library code must stay silent.
        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        server = ThreadedMotoServer(ip_address=self.host, port=self.port, verbose=False)
        try:
            server.start()
        except OSError as exc:
            raise InputError(f"cannot listen on {self.host}:{self.port}: {exc.strerror}", where="port")
        self._server = server
        self.port = server.get_host_and_port()[1]
        _wait_until_answers(self.host, self.port)
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, _t: type[BaseException] | None, _e: BaseException | None, _tb: TracebackType | None
    ) -> None:
        self.stop()


def _check_loopback(host: str) -> None:
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise InputError(
            f"{host!r} is not a loopback address; the local S3 server listens on loopback only", where="host"
        )


def _wait_until_answers(host: str, port: int) -> None:
    """Poll with a bounded deadline: a bare HTTP request must get an HTTP status line back."""
    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((host, port), timeout=1) as sock:
                sock.sendall(f"GET / HTTP/1.0\r\nHost: {host}\r\n\r\n".encode())
                if sock.recv(16).startswith(b"HTTP/"):
                    return
        except OSError:
            pass
        time.sleep(0.05)
    raise DccError(f"local S3 server on {host}:{port} did not answer within {READY_TIMEOUT_S:.0f} s")
