"""OpenSSH ed25519 key files (the client identity of an access folder, a host's own key): made
in-process (no ssh-keygen fork per host), written atomically, read back to their public half."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from migration.atomic import write_text_atomic


@dataclass(frozen=True)
class KeyPair:
    private_openssh: str
    public_openssh: str  # "ssh-ed25519 AAAA..." without comment


def new_keypair() -> KeyPair:
    key = Ed25519PrivateKey.generate()
    priv = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH,
                             serialization.NoEncryption()).decode()
    pub = key.public_key().public_bytes(serialization.Encoding.OpenSSH,
                                        serialization.PublicFormat.OpenSSH).decode()
    return KeyPair(priv, pub)


def public_from_private(private_openssh: str) -> str:
    key = serialization.load_ssh_private_key(private_openssh.encode(), password=None)
    return key.public_key().public_bytes(serialization.Encoding.OpenSSH,
                                         serialization.PublicFormat.OpenSSH).decode()


def load_or_create(private_path: Path) -> KeyPair:
    """Reuse a key that survives in an upper dir or run dir, so a reboot keeps its identity."""
    if private_path.exists():
        priv = private_path.read_text()
        return KeyPair(priv, public_from_private(priv))
    pair = new_keypair()
    write_text_atomic(private_path, pair.private_openssh, mode=0o600)
    write_text_atomic(private_path.with_name(private_path.name + ".pub"), pair.public_openssh + "\n")
    return pair
