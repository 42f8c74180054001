"""Host-key pinning and per-host SSH failures against a real throwaway sshd on 127.0.0.1.

The sshd runs from openssh-server with its own host key and authorized key in a tmp dir,
so the failure paths are exercised against the real protocol, not a mock.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from migration.access import ssh
from migration.discovery.collect import Settings, discover_host

pytestmark = pytest.mark.integration
SSHD = "/usr/sbin/sshd"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _keygen(path: Path) -> str:
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(path)], check=True)
    return path.with_suffix(".pub").read_text().split()[1]


def _wait_banner(port: int) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                if s.recv(4).startswith(b"SSH-"):
                    return
        except OSError:
            time.sleep(0.05)
    raise AssertionError(f"sshd on 127.0.0.1:{port} never sent its banner")


@pytest.fixture(scope="module")
def sshd(tmp_path_factory: pytest.TempPathFactory):
    if os.geteuid() != 0 or not Path(SSHD).exists():
        pytest.fail("needs root and openssh-server (scripts/setup.sh installs it)")
    d = tmp_path_factory.mktemp("sshd")
    host_b64 = _keygen(d / "hostkey")
    _keygen(d / "client")
    shutil.copy(d / "client.pub", d / "authorized_keys")
    _keygen(d / "stranger")
    port = _free_port()
    (d / "sshd_config").write_text(
        f"Port {port}\nListenAddress 127.0.0.1\nHostKey {d}/hostkey\nAuthorizedKeysFile {d}/authorized_keys\n"
        f"PidFile {d}/sshd.pid\nStrictModes no\nUsePAM no\nPasswordAuthentication no\n"
        "PermitRootLogin prohibit-password\n")
    Path("/run/sshd").mkdir(exist_ok=True)
    proc = subprocess.Popen([SSHD, "-D", "-e", "-f", str(d / "sshd_config")], stderr=subprocess.DEVNULL)
    try:
        _wait_banner(port)
        yield {"dir": d, "port": port, "host_b64": host_b64}
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=10)


def _known(d: Path, port: int, b64: str | None) -> Path:
    path = d / f"known_hosts_{time.monotonic_ns()}"
    path.write_text(f"[127.0.0.1]:{port} ssh-ed25519 {b64}\n" if b64 else "")
    return path


def _discover(sshd: dict, known: Path, *, identity: str = "client", accept: bool = False,
              port: int | None = None):
    settings = Settings(known_hosts=known, identity=sshd["dir"] / identity, accept_new_keys=accept,
                        connect_timeout=5, command_timeout=30)
    target = ssh.SshTarget("h1", "127.0.0.1", port or sshd["port"])
    return discover_host(target, settings, ssh.KnownHosts(known), ssh.load_identity(settings.identity))


def test_pinned_key_connects_once_and_gathers_facts(sshd: dict) -> None:
    outcome = _discover(sshd, _known(sshd["dir"], sshd["port"], sshd["host_b64"]))
    assert outcome.status == "ok", outcome.message
    assert outcome.ssh_connections == 1
    assert sshd["port"] in {s.port for s in outcome.facts.listening}, outcome.facts.listening
    assert outcome.facts.os.id and outcome.facts.memory_kb and outcome.facts.packages


def test_unknown_key_is_refused_without_accept_new(sshd: dict) -> None:
    known = _known(sshd["dir"], sshd["port"], None)
    outcome = _discover(sshd, known)
    assert outcome.status == "host-key-unknown", outcome
    assert "--accept-new-keys" in outcome.message
    assert known.read_text() == "", "a refused key must not be recorded"


def test_accept_new_records_the_key_then_pins_it(sshd: dict) -> None:
    known = _known(sshd["dir"], sshd["port"], None)
    assert _discover(sshd, known, accept=True).status == "ok"
    assert known.read_text() == f"[127.0.0.1]:{sshd['port']} ssh-ed25519 {sshd['host_b64']}\n"
    assert _discover(sshd, known).status == "ok"


def test_changed_key_aborts_naming_both_fingerprints(sshd: dict) -> None:
    other = (sshd["dir"] / "stranger.pub").read_text().split()[1]
    known = _known(sshd["dir"], sshd["port"], other)
    outcome = _discover(sshd, known, accept=True)
    assert outcome.status == "host-key-changed", outcome
    assert outcome.message.count("SHA256:") == 2, outcome.message
    assert known.read_text().split()[2] == other, "--accept-new-keys must never replace a pinned key"


def test_auth_refused_for_a_key_not_authorized(sshd: dict) -> None:
    outcome = _discover(sshd, _known(sshd["dir"], sshd["port"], sshd["host_b64"]), identity="stranger")
    assert outcome.status == "auth-refused", outcome


def test_closed_port_is_unreachable(sshd: dict) -> None:
    outcome = _discover(sshd, _known(sshd["dir"], sshd["port"], sshd["host_b64"]), port=_free_port())
    assert outcome.status == "unreachable", outcome
    assert outcome.ssh_connections == 0


@pytest.fixture
def silent_port():
    """A TCP port that accepts connections and never says a word (a tarpit)."""
    import threading

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(4)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield server.getsockname()[1]
    stop.set()
    thread.join(timeout=5)
    for conn in held:
        conn.close()
    server.close()


def test_silent_host_times_out_instead_of_hanging(sshd: dict, silent_port: int) -> None:
    settings = Settings(known_hosts=_known(sshd["dir"], sshd["port"], sshd["host_b64"]),
                        identity=sshd["dir"] / "client", connect_timeout=1)
    target = ssh.SshTarget("tarpit", "127.0.0.1", silent_port)
    outcome = discover_host(target, settings, ssh.KnownHosts(settings.known_hosts),
                            ssh.load_identity(settings.identity))
    assert outcome.status == "timeout", outcome
    assert outcome.message == "SSH handshake timed out after 1s"


@pytest.fixture
def transport(sshd: dict):
    options = ssh.SshOptions(identity=sshd["dir"] / "client", connect_timeout=5)
    known = ssh.KnownHosts(_known(sshd["dir"], sshd["port"], sshd["host_b64"]))
    t = ssh.connect(ssh.SshTarget("h1", "127.0.0.1", sshd["port"]), options, known,
                    ssh.load_identity(options.identity))
    yield t
    t.close()


def test_output_past_the_limit_is_cut(transport) -> None:
    result = ssh.run(transport, "head -c 200000 /dev/zero", host_id="h1", timeout=30, max_bytes=1000)
    assert result.truncated and len(result.stdout) == 1000 and result.exit_status is None


def test_command_past_its_deadline_raises_timeout(transport) -> None:
    with pytest.raises(ssh.SshTimeout, match="did not finish in time"):
        ssh.run(transport, "sleep 5", host_id="h1", timeout=0.5, max_bytes=1000)


def test_exit_status_and_stderr_come_back(transport) -> None:
    result = ssh.run(transport, "echo out; echo err >&2; exit 3", host_id="h1", timeout=30, max_bytes=1000)
    assert (result.exit_status, result.stdout, result.stderr, result.truncated) == (3, b"out\n", b"err\n", False)



def test_silent_host_leaves_no_traceback_on_stderr(sshd: dict, silent_port: int) -> None:
    # Outside pytest's log capture, as in `dcc discover`: paramiko's thread must not print.
    code = (
        "import time; from pathlib import Path; from migration.access import ssh\n"
        "from migration.discovery.collect import Settings, discover_host\n"
        f"s = Settings(known_hosts=Path('{sshd['dir']}/none'), identity=Path('{sshd['dir']}/client'),"
        " connect_timeout=1)\n"
        f"o = discover_host(ssh.SshTarget('t', '127.0.0.1', {silent_port}), s, ssh.KnownHosts(s.known_hosts),"
        " ssh.load_identity(s.identity))\n"
        "time.sleep(1); print(o.status)\n")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False)
    assert run.stdout.strip() == "timeout", run.stdout + run.stderr
    assert run.stderr == ""


def test_discover_all_stores_each_host_as_it_answers(sshd: dict, tmp_path: Path) -> None:
    from migration.discovery import discover_all, read_facts

    settings = Settings(known_hosts=_known(sshd["dir"], sshd["port"], sshd["host_b64"]),
                        identity=sshd["dir"] / "client", connect_timeout=5)
    targets = [ssh.SshTarget("h1", "127.0.0.1", sshd["port"]), ssh.SshTarget("h2", "127.0.0.1", _free_port())]
    seen: list[str] = []
    outcomes = discover_all(targets, settings, lambda o: seen.append(o.host), facts_dir=tmp_path / "facts")
    assert [(o.host, o.status) for o in outcomes] == [("h1", "ok"), ("h2", "unreachable")]
    assert sorted(seen) == ["h1", "h2"]
    assert outcomes[0].facts is None and sshd["port"] in outcomes[0].summary.ports
    assert read_facts(tmp_path / "facts" / "h1.json").host == "h1"
    assert sorted(p.name for p in (tmp_path / "facts").iterdir()) == ["h1.json"]


def test_stdin_reaches_the_command(transport) -> None:
    result = ssh.run(transport, "/bin/sh -s", host_id="h1", timeout=30, max_bytes=1000,
                     stdin=b"echo from-stdin; exit 4\n")
    assert (result.exit_status, result.stdout) == (4, b"from-stdin\n")
