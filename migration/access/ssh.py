"""One pinned, time-bounded SSH connection per host (paramiko), and bounded command runs on it.

Host keys come only from the estate's known_hosts file: an unknown key is refused unless the
caller accepts new keys (then it is recorded atomically), and a changed key is always refused.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import select
import socket
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from migration.atomic import write_text_atomic
from migration.errors import InputError, RemoteError

if TYPE_CHECKING:  # paramiko is imported lazily so `dcc --help` stays fast
    import paramiko


class Unreachable(RemoteError):
    """No TCP connection: no route, connection refused, or the connect timed out."""

    status = "unreachable"


class SshTimeout(RemoteError):
    """The SSH handshake or a command did not finish in time."""

    status = "timeout"


class AuthRefused(RemoteError):
    """The host refused our key."""

    status = "auth-refused"


class HostKeyUnknown(RemoteError):
    """The host's key is not in known_hosts and new keys were not accepted."""

    status = "host-key-unknown"


class HostKeyChanged(RemoteError):
    """The host presented a key different from the pinned one: possible impersonation."""

    status = "host-key-changed"


class SshFailed(RemoteError):
    """Any other SSH protocol failure (bad banner, negotiation failed, channel refused)."""

    status = "ssh-error"


@dataclass(frozen=True)
class SshTarget:
    """Where to connect: `host_id` names the host in messages, `address` is dialled."""

    host_id: str
    address: str
    port: int = 22
    user: str = "root"

    def known_hosts_name(self) -> str:
        """The name OpenSSH records the key under (`addr` on 22, else `[addr]:port`)."""
        return self.address if self.port == 22 else f"[{self.address}]:{self.port}"


@dataclass(frozen=True)
class SshOptions:
    identity: Path
    connect_timeout: float = 10.0
    accept_new_keys: bool = False


@dataclass(frozen=True)
class CommandResult:
    exit_status: int | None  # None when the output was cut at the size limit before exit
    stdout: bytes
    stderr: bytes
    truncated: bool


def fingerprint(key: paramiko.PKey) -> str:
    """OpenSSH-style SHA256 fingerprint, e.g. `SHA256:abc...`."""
    digest = hashlib.sha256(key.asbytes()).digest()
    return "SHA256:" + base64.b64encode(digest).decode().rstrip("=")


class KnownHosts:
    """The pinned host keys of an estate, shared by the worker threads of one run."""

    def __init__(self, path: Path) -> None:
        import paramiko
        from paramiko.hostkeys import InvalidHostKey

        self.path = path
        self._lock = threading.Lock()
        self._keys = paramiko.HostKeys()
        if path.exists():
            try:
                self._keys.load(str(path))
            except (OSError, UnicodeDecodeError, paramiko.SSHException, InvalidHostKey, ValueError) as exc:
                line = exc.args[0] if isinstance(exc, InvalidHostKey) else exc
                raise InputError(f"cannot read known_hosts: bad entry {str(line)[:80]!r}", where=str(path)) from exc

    def pinned(self, target: SshTarget) -> dict[str, paramiko.PKey]:
        """Key type -> pinned key, looked up by address (as OpenSSH does) and by host id."""
        found: dict[str, paramiko.PKey] = {}
        for name in (target.known_hosts_name(), target.host_id):
            with self._lock:
                entry = self._keys.lookup(name)
            if entry is None:
                continue
            for key_type in entry:
                found.setdefault(key_type, entry[key_type])
        return found

    def check(self, target: SshTarget, key: paramiko.PKey, accept_new: bool) -> None:
        """Raise unless `key` is the pinned key; record it when unknown and `accept_new`."""
        pinned = self.pinned(target)
        if key.get_name() in pinned:
            expected = pinned[key.get_name()]
            if expected.asbytes() != key.asbytes():
                raise HostKeyChanged(
                    f"HOST KEY CHANGED: known_hosts pins {expected.get_name()} {fingerprint(expected)}, "
                    f"host presented {fingerprint(key)}; refusing to connect",
                    where=target.host_id,
                )
            return
        if pinned:  # a pinned key exists, but the host offered another type only
            shown = ", ".join(f"{k.get_name()} {fingerprint(k)}" for k in pinned.values())
            raise HostKeyChanged(
                f"HOST KEY CHANGED: known_hosts pins {shown}, host presented {key.get_name()} "
                f"{fingerprint(key)}; refusing to connect",
                where=target.host_id,
            )
        if not accept_new:
            raise HostKeyUnknown(
                f"unknown host key {key.get_name()} {fingerprint(key)} (not in {self.path}); "
                "check it and rerun with --accept-new-keys to record it",
                where=target.host_id,
            )
        self._record(target, key)

    def _record(self, target: SshTarget, key: paramiko.PKey) -> None:
        line = f"{target.known_hosts_name()} {key.get_name()} {key.get_base64()}\n"
        with self._lock:
            if self._keys.lookup(target.known_hosts_name()):  # another thread pinned it meanwhile
                raise HostKeyChanged("host key was recorded concurrently by another host entry; rerun",
                                     where=target.host_id)
            self._keys.add(target.known_hosts_name(), key.get_name(), key)
            current = self.path.read_text() if self.path.exists() else ""
            if current and not current.endswith("\n"):
                current += "\n"
            write_text_atomic(self.path, current + line)


def load_identity(path: Path) -> paramiko.PKey:
    """The client's private key; a missing or unreadable file is the user's mistake."""
    import paramiko

    try:
        return paramiko.PKey.from_path(path)
    except (OSError, paramiko.SSHException, ValueError) as exc:
        raise InputError(f"cannot load SSH identity: {exc}", where=str(path)) from exc


def connect(target: SshTarget, options: SshOptions, known: KnownHosts,
            identity: paramiko.PKey) -> paramiko.Transport:
    """Open, verify and authenticate one transport; every failure is a `RemoteError`."""
    import paramiko

    _quiet_paramiko()
    sock = _dial(target, options.connect_timeout)
    transport = paramiko.Transport(sock)
    try:
        _prefer_pinned_types(transport, known.pinned(target))
        # start_client's own deadline decides; paramiko's inner timers only back it up, so a silent
        # host is reported as a timeout rather than as whichever inner timer fired first.
        transport.banner_timeout = transport.handshake_timeout = 2 * options.connect_timeout
        transport.auth_timeout = options.connect_timeout
        _handshake(transport, target, options.connect_timeout)
        known.check(target, transport.get_remote_server_key(), options.accept_new_keys)
        _authenticate(transport, target, identity)
    except BaseException:
        transport.close()
        raise
    return transport


def _quiet_paramiko() -> None:
    # paramiko's transport thread logs tracebacks (e.g. a banner read cut by our timeout); with no
    # handler configured, logging's last resort would print them. Each failure already reaches the
    # caller as one RemoteError, so the log adds nothing.
    logger = logging.getLogger("paramiko")
    if not any(isinstance(h, logging.NullHandler) for h in logger.handlers):
        logger.addHandler(logging.NullHandler())


def _dial(target: SshTarget, timeout: float) -> socket.socket:
    try:
        return socket.create_connection((target.address, target.port), timeout=timeout)
    except TimeoutError as exc:
        raise Unreachable(f"connect to {target.address}:{target.port} timed out after {timeout:g}s",
                          where=target.host_id) from exc
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise Unreachable(f"cannot connect to {target.address}:{target.port}: {reason}",
                          where=target.host_id) from exc


def _prefer_pinned_types(transport: paramiko.Transport, pinned: dict[str, paramiko.PKey]) -> None:
    # Ask for the key type we pinned first, so a host with several keys shows the one we know.
    if not pinned:
        return
    options = transport.get_security_options()
    ours = [t for t in options.key_types if t in pinned]
    options.key_types = ours + [t for t in options.key_types if t not in pinned]


def _handshake(transport: paramiko.Transport, target: SshTarget, timeout: float) -> None:
    import paramiko

    try:
        transport.start_client(timeout=timeout)
        # start_client returns quietly when its timeout passes mid-negotiation.
        if not transport.is_active() or transport.host_key is None:
            raise TimeoutError
    except TimeoutError as exc:
        raise SshTimeout(f"SSH handshake timed out after {timeout:g}s", where=target.host_id) from exc
    except (paramiko.SSHException, EOFError, OSError) as exc:
        raise SshFailed(f"SSH handshake failed: {exc or type(exc).__name__}", where=target.host_id) from exc


def _authenticate(transport: paramiko.Transport, target: SshTarget, identity: paramiko.PKey) -> None:
    import paramiko

    try:
        transport.auth_publickey(target.user, identity)
    except paramiko.AuthenticationException as exc:
        raise AuthRefused(f"key authentication refused for user {target.user}", where=target.host_id) from exc
    except (paramiko.SSHException, EOFError, OSError) as exc:
        raise SshFailed(f"authentication failed: {exc or type(exc).__name__}", where=target.host_id) from exc


def run(transport: paramiko.Transport, command: str, *, host_id: str, timeout: float,
        max_bytes: int, stdin: bytes = b"") -> CommandResult:
    """Run `command` (a fixed string of ours), feed it `stdin`, read at most `max_bytes` of stdout."""
    import paramiko

    try:
        channel = transport.open_session(timeout=timeout)
        channel.settimeout(timeout)
        channel.exec_command(command)
        if stdin:
            channel.sendall(stdin)
        channel.shutdown_write()
        return _drain(channel, host_id, time.monotonic() + timeout, max_bytes)
    except (paramiko.SSHException, EOFError, OSError) as exc:
        raise SshFailed(f"command channel failed: {exc or type(exc).__name__}", where=host_id) from exc


def _drain(channel: paramiko.Channel, host_id: str, deadline: float, max_bytes: int) -> CommandResult:
    out, err = bytearray(), bytearray()
    try:
        while True:
            while channel.recv_ready():
                out += channel.recv(65536)
            while channel.recv_stderr_ready():
                err += channel.recv_stderr(65536)[: max(0, 65536 - len(err))]
            if len(out) > max_bytes:
                return CommandResult(None, bytes(out[:max_bytes]), bytes(err), truncated=True)
            if channel.exit_status_ready() and channel.eof_received and not channel.recv_ready():
                return CommandResult(channel.recv_exit_status(), bytes(out), bytes(err), truncated=False)
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise SshTimeout("remote command did not finish in time", where=host_id)
            select.select([channel], [], [], min(remaining, 0.5))
    finally:
        channel.close()
