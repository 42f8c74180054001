"""An estate's access files: where the pipeline looks for them, and that what the writer writes
(the lab's `dcc lab up`) is what the readers (discovery, execution, verify) read back."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from migration.access import keys, ssh, write
from migration.access.files import AccessFiles, access_for, default_dir
from migration.errors import InputError


@dataclass(frozen=True)
class _Host:
    id: str
    ip: str
    role: str
    datacenter: str


HOSTS = (_Host("web1", "10.9.1.11", "legacy", "dc-one"), _Host("t01", "10.9.2.11", "target", "pdn-two"))


@pytest.mark.parametrize(("env", "expected"), [
    ({}, "/var/lib/dcc/lab/lab/access"),
    ({"DCC_LAB_DIR": "/srv/labs"}, "/srv/labs/lab/access"),
    ({"DCC_LAB_DIR": "/srv/labs", "DCC_ACCESS_DIR": "/etc/dcc/access"}, "/etc/dcc/access"),
])
def test_the_default_folder_is_documented_and_overridable(monkeypatch: pytest.MonkeyPatch, env: dict[str, str],
                                                          expected: str) -> None:
    for name in ("DCC_LAB_DIR", "DCC_ACCESS_DIR"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert default_dir("lab") == Path(expected)


def test_the_lab_writes_where_the_pipeline_looks(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from migration.lab import LabAccess

    monkeypatch.delenv("DCC_ACCESS_DIR", raising=False)
    monkeypatch.setenv("DCC_LAB_DIR", str(tmp_path))
    assert LabAccess.for_estate("lab").root == default_dir("lab") == tmp_path / "lab" / "access"


def test_a_folder_nobody_wrote_is_one_line_naming_the_missing_file(monkeypatch: pytest.MonkeyPatch,
                                                                   tmp_path: Path) -> None:
    monkeypatch.setenv("DCC_ACCESS_DIR", str(tmp_path / "nowhere"))
    with pytest.raises(InputError) as err:
        access_for("lab")
    assert err.value.line() == f"{tmp_path / 'nowhere'}: no access file (is the lab up? `dcc lab up`): " \
                               f"{tmp_path / 'nowhere' / 'ssh_config'}"
    assert AccessFiles(tmp_path / "nowhere").addresses() == {}


def test_what_is_written_is_what_the_readers_read(tmp_path: Path) -> None:
    files = AccessFiles(tmp_path / "access")
    host_keys = {h.id: keys.new_keypair().public_openssh for h in HOSTS}
    write.write_all(files, HOSTS, host_keys, control_dir=tmp_path / "ctl", comment="written by a test")
    assert files.require() == files
    assert files.addresses() == {"web1": "10.9.1.11", "t01": "10.9.2.11"}
    assert files.hosts()["t01"] == {"ip": "10.9.2.11", "role": "target", "datacenter": "pdn-two"}
    inventory = yaml.safe_load(files.ansible_inventory.read_text())["all"]
    assert inventory["children"]["pdn_two"]["hosts"] == {"t01": {}}, "groups by data center, '-' as '_'"
    assert inventory["hosts"]["web1"] == {"ansible_host": "10.9.1.11"}
    assert f"ControlPath {tmp_path / 'ctl'}/%C" in files.ssh_config.read_text()
    known = ssh.KnownHosts(files.known_hosts)
    for host in HOSTS:  # pinned under the address discovery dials and under the host's id
        pinned = known.pinned(ssh.SshTarget(host.id, host.ip))
        assert [f"{k.get_name()} {k.get_base64()}" for k in pinned.values()] == [host_keys[host.id]], host.id


def test_only_the_lab_and_the_documented_default_know_where_the_lab_runs() -> None:
    """Product code gets access folders from the user or from `default_dir`, never from the lab's layout."""
    root = Path(__file__).resolve().parents[2]
    while not (root / "pyproject.toml").is_file():
        root = root.parent
    allowed = {root / "migration" / "access" / "files.py"}
    sources = [p for pkg in ("migration", "stacks") for p in sorted((root / pkg).rglob("*.py"))
               if p not in allowed and (root / "migration" / "lab") not in p.parents]
    assert len(sources) > 100, "the scan found too few modules"
    naming = [str(p.relative_to(root)) for p in sources if "DCC_LAB_DIR" in p.read_text() or
              "/var/lib/dcc/lab" in p.read_text()]
    assert naming == [], f"these name the lab's run dir: {naming}; take an AccessFiles (migration.access.files)"
