"""Host-key pinning decisions of `migration.access.ssh.KnownHosts`, with generated keys and no network."""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path

import paramiko
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from migration.access import ssh
from migration.errors import InputError

TARGET = ssh.SshTarget("kmk-web1", "10.79.1.11")


def _key() -> paramiko.PKey:
    line = Ed25519PrivateKey.generate().public_key().public_bytes(Encoding.OpenSSH, PublicFormat.OpenSSH)
    return paramiko.PKey.from_type_string("ssh-ed25519", base64.b64decode(line.split()[1]))


KEY, OTHER = _key(), _key()


def _file(tmp_path: Path, names: str | None, key: paramiko.PKey = KEY) -> Path:
    path = tmp_path / "known_hosts"
    path.write_text(f"{names} {key.get_name()} {key.get_base64()}\n" if names else "")
    return path


@pytest.mark.parametrize(("names", "key", "accept", "error"), [
    ("10.79.1.11", KEY, False, None),
    ("kmk-web1,10.79.1.11", KEY, False, None),  # the lab's `<id>,<ip>` form
    ("kmk-web1", KEY, False, None),  # pinned under the host id only
    ("10.79.1.11", OTHER, False, ssh.HostKeyChanged),
    ("10.79.1.11", OTHER, True, ssh.HostKeyChanged),  # accepting new keys never replaces a pinned one
    ("[10.79.1.11]:2222", KEY, False, ssh.HostKeyUnknown),  # another port is another entry
    (None, KEY, False, ssh.HostKeyUnknown),
])
def test_check(tmp_path: Path, names: str | None, key: paramiko.PKey, accept: bool,
               error: type[Exception] | None) -> None:
    path = _file(tmp_path, names, key)
    before = path.read_text()
    known = ssh.KnownHosts(path)
    if error is None:
        known.check(TARGET, KEY, accept)
    else:
        with pytest.raises(error) as caught:
            known.check(TARGET, KEY, accept)
        assert caught.value.where == "kmk-web1"
    assert path.read_text() == before


def test_changed_key_message_names_both_fingerprints(tmp_path: Path) -> None:
    with pytest.raises(ssh.HostKeyChanged) as caught:
        ssh.KnownHosts(_file(tmp_path, "10.79.1.11", OTHER)).check(TARGET, KEY, False)
    assert ssh.fingerprint(OTHER) in caught.value.message and ssh.fingerprint(KEY) in caught.value.message


def test_accept_new_appends_atomically_keeping_the_mode(tmp_path: Path) -> None:
    path = _file(tmp_path, "10.79.1.99", OTHER)
    path.chmod(0o644)
    ssh.KnownHosts(path).check(TARGET, KEY, True)
    assert path.read_text().splitlines()[1] == f"10.79.1.11 ssh-ed25519 {KEY.get_base64()}"
    assert path.stat().st_mode & 0o777 == 0o644
    assert sorted(p.name for p in tmp_path.iterdir()) == ["known_hosts"]
    ssh.KnownHosts(path).check(TARGET, KEY, False)  # pinned from now on


def test_fingerprint_is_openssh_sha256() -> None:
    expected = base64.b64encode(hashlib.sha256(KEY.asbytes()).digest()).decode().rstrip("=")
    assert ssh.fingerprint(KEY) == f"SHA256:{expected}"


@pytest.mark.parametrize("content", ["10.0.0.1 ssh-ed25519 AAAA!!!notbase64\n", "\xff\xfe binary\n"])
def test_corrupt_known_hosts_is_one_input_error_naming_the_file(tmp_path: Path, content: str) -> None:
    bad = tmp_path / "known_hosts"
    bad.write_bytes(content.encode("latin-1"))
    with pytest.raises(InputError, match="cannot read known_hosts") as caught:
        ssh.KnownHosts(bad)
    assert caught.value.where == str(bad)


@pytest.mark.parametrize(("target", "name"), [
    (ssh.SshTarget("a", "10.0.0.1"), "10.0.0.1"), (ssh.SshTarget("a", "10.0.0.1", 2222), "[10.0.0.1]:2222")])
def test_known_hosts_name(target: ssh.SshTarget, name: str) -> None:
    assert target.known_hosts_name() == name
