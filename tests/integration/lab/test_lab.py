"""The lab end to end on real hosts: ssh with pinned keys, separate filesystems, the sample
apps directly and through the portal, the faults, bad input and a clean `down`.

Runs as root on estate `labt` (10.78.x.y). Tests run in file order: `down` is last.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import yaml

from migration import lab
from migration.errors import InputError, LabError
from migration.lab import LabAccess, cleanup, faults, hosts, naming, network, state
from migration.lab.appinstall import SEED_FILES, SEED_ROWS, http_hosts, seed_file
from tests.support.lab import shifted

pytestmark = pytest.mark.integration
NAME, OCTET = shifted("labt", 78)
DCC = str(Path(__file__).resolve().parents[3] / ".venv" / "bin" / "dcc")


@pytest.fixture(scope="module")
def acc(make_lab) -> LabAccess:
    return make_lab(NAME, OCTET)


def ip(acc: LabAccess, host: str) -> str:
    return acc.hosts()[host]["ip"]


def get_json(url: str, host_header: str | None = None) -> dict:
    req = urllib.request.Request(url, headers={"Host": host_header} if host_header else {})
    with urllib.request.urlopen(req, timeout=5) as resp:
        assert resp.status == 200, f"{url} answered {resp.status}"
        return json.loads(resp.read())


def test_ssh_to_every_host_with_pinned_keys(acc: LabAccess) -> None:
    config = acc.ssh_config.read_text()
    assert config.count("StrictHostKeyChecking yes") == len(acc.hosts())
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = dict(zip(acc.hosts(), pool.map(lambda h: acc.ssh(h, "cat /etc/hostname"), acc.hosts())))
    failed = {h: r.stderr for h, r in results.items() if r.returncode != 0}
    assert failed == {}, f"ssh failed: {failed}"
    names = {h: r.stdout.strip() for h, r in results.items()}
    assert names == {h: h for h in acc.hosts()}, f"hostnames differ from ids: {names}"


def test_ssh_by_ip_uses_the_same_pinned_settings(acc: LabAccess) -> None:
    res = acc.ssh(ip(acc, "kmk-db1"), "hostname")  # as Ansible does with ansible_host
    assert res.returncode == 0 and res.stdout == "kmk-db1\n", res.stderr


def test_ansible_inventory_works_as_written(acc: LabAccess) -> None:
    ansible = str(Path(DCC).with_name("ansible"))
    res = subprocess.run([ansible, "-i", str(acc.ansible_inventory), "pdn_cikarang:&portal", "-m", "ansible.builtin.ping",
                          "-o"], check=False, capture_output=True, text=True, timeout=120,
                         env={**os.environ, "ANSIBLE_HOST_KEY_CHECKING": "True"})
    assert res.returncode == 0 and "pdn-portal | SUCCESS" in res.stdout, res.stdout + res.stderr


def test_wrong_host_key_is_refused(acc: LabAccess, tmp_path: Path) -> None:
    lines = acc.known_hosts.read_text().splitlines()
    swapped = [lines[0].split()[0] + " " + " ".join(lines[1].split()[1:])] + lines[1:]
    (tmp_path / "kh").write_text("\n".join(swapped) + "\n")
    host = lines[0].split(",")[0]
    res = subprocess.run(["ssh", "-F", str(acc.ssh_config), "-o", f"UserKnownHostsFile={tmp_path / 'kh'}",
                          "-o", "ControlPath=none", host, "true"], check=False, capture_output=True, text=True,
                         timeout=30)
    assert res.returncode != 0 and "host key" in res.stderr.lower(), res.stderr


def test_hosts_have_separate_filesystems(acc: LabAccess) -> None:
    assert acc.ssh("pdn-t05", "echo marker-t05 > /root/only-here").returncode == 0
    assert acc.ssh("pdn-t06", "test -e /root/only-here").returncode == 1
    upper = acc.run_dir / "hosts" / "pdn-t05" / "upper" / "root" / "only-here"
    assert upper.read_text() == "marker-t05\n"


def test_hosts_resolve_peers_by_id_across_subnets(acc: LabAccess) -> None:
    res = acc.ssh("kmk-api1", "getent hosts pdn-t01 && ping -c1 -W2 pdn-t01 >/dev/null && echo ok")
    assert res.stdout.split()[-1] == "ok" and ip(acc, "pdn-t01") in res.stdout, res.stdout + res.stderr


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1):
            return True
    except OSError:
        return False


def test_nothing_is_forwarded_off_the_lab_bridges(acc: LabAccess) -> None:
    """An outsider interface (our own netns, not an estate bridge) must not be reachable via
    forwarding, while the same outsider is reachable from the root namespace itself."""
    ns, outer = f"dcc-{NAME}-outsider-x", f"dvout{OCTET}"
    net, server = f"10.{OCTET}.200", None
    try:
        subprocess.run(["ip", "netns", "add", ns], check=True)
        subprocess.run(["ip", "link", "add", outer, "type", "veth", "peer", "name", "eth0", "netns", ns], check=True)
        subprocess.run(["ip", "addr", "add", f"{net}.1/24", "dev", outer], check=True)
        subprocess.run(["ip", "link", "set", outer, "up"], check=True)
        for cmd in (f"addr add {net}.2/24 dev eth0", "link set eth0 up", f"route add default via {net}.1"):
            subprocess.run(["ip", "-n", ns, *cmd.split()], check=True)
        listener = (f"import socket; s = socket.create_server(('{net}.2', 8000)); "
                    "c = None\nwhile True:\n c, _ = s.accept(); c.recv(1024); "
                    "c.sendall(b'HTTP/1.0 200 OK\\r\\nContent-Length: 0\\r\\n\\r\\n'); c.close()")
        server = subprocess.Popen(["ip", "netns", "exec", ns, "/usr/bin/python3", "-S", "-c", listener],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not _answers(f"http://{net}.2:8000/"):
            time.sleep(0.1)
        assert _answers(f"http://{net}.2:8000/"), "the outsider is not reachable at all; the test would prove nothing"
        res = acc.ssh("kmk-web1", f"curl -s -m 2 -o /dev/null http://{net}.2:8000/")
        assert res.returncode == 28, f"a lab host reached a non-lab interface (curl rc={res.returncode})"
    finally:
        if server is not None:
            server.kill()
            server.wait()
        subprocess.run(["ip", "link", "delete", outer], check=False, capture_output=True)
        subprocess.run(["ip", "netns", "delete", ns], check=False, capture_output=True)


def test_access_files_contract(acc: LabAccess) -> None:
    inv = yaml.safe_load(acc.ansible_inventory.read_text())["all"]
    assert inv["vars"]["ansible_ssh_common_args"] == f"-F {acc.ssh_config}"
    assert set(inv["children"]["target"]["hosts"]) == {f"pdn-t0{i}" for i in range(1, 10)}
    assert inv["hosts"]["kmk-web1"]["ansible_host"] == f"10.{OCTET}.1.11"
    assert acc.identity.stat().st_mode & 0o077 == 0


def test_every_app_answers_health_directly_and_through_the_portal(acc: LabAccess) -> None:
    est = lab.lifecycle.load_running(NAME)
    extra = {"web-db": ("rows", SEED_ROWS), "files": ("files", SEED_FILES), "api": ("status", "ok")}
    portal = ip(acc, "pdn-portal")
    for app in est.apps:
        host = http_hosts(app)[0]
        body = get_json(f"http://{ip(acc, host)}:{app.port}/health")
        key, value = extra[app.archetype]
        assert (body["status"], body["app"], body["host"], body[key]) == ("ok", app.id, host, value), body
        via = get_json(f"http://{portal}/health", app.service)
        assert (via["app"], via["host"], via[key]) == (app.id, host, value), f"portal route {app.service}: {via}"


def test_seeded_file_is_deterministic(acc: LabAccess) -> None:
    name, blob = seed_file("arsip-kemenkes", 7)
    on_disk = acc.run_dir / "hosts" / "kmk-files1" / "root" / "srv" / "arsip-kemenkes" / "data" / name
    assert on_disk.read_bytes() == blob


def test_api_apps_hold_established_connections_to_real_peers(acc: LabAccess) -> None:
    res = acc.ssh("kmk-api1", "ss -Htn state established")
    peers = {line.split()[-1] for line in res.stdout.splitlines()}
    assert f"{ip(acc, 'kmk-web1')}:8080" in peers and f"{ip(acc, 'kmk-files1')}:8081" in peers, res.stdout
    res = acc.ssh("jbr-app1", "ss -Htn state established")
    assert ":8081" not in res.stdout, f"perizinan-jabar must not call eoffice-bogor: {res.stdout}"


def test_targets_run_only_sshd(acc: LabAccess) -> None:
    res = acc.ssh("pdn-t07", "ss -Hltn")
    ports = sorted({line.split()[3].rsplit(":", 1)[1] for line in res.stdout.splitlines()})
    assert ports == ["22"], res.stdout


def test_fault_link_down_then_up(acc: LabAccess) -> None:
    faults.apply(NAME, "pdn-t01", "link-down")
    assert not hosts.ssh_banner(ip(acc, "pdn-t01"), timeout=1)
    cut = subprocess.run([*acc.ssh_args("pdn-t01")[:-1], "-o", "ConnectTimeout=2", "pdn-t01", "true"],
                         check=False, capture_output=True, text=True, timeout=30)
    assert cut.returncode == 255 and "timed out" in cut.stderr, cut.stderr
    faults.apply(NAME, "pdn-t01", "link-down", off=True)
    assert hosts.ssh_banner(ip(acc, "pdn-t01"), timeout=3)
    assert acc.ssh("pdn-t01", "true").returncode == 0


def test_fault_total_loss(acc: LabAccess) -> None:
    faults.apply(NAME, "pdn-t02", "loss", "100")
    try:
        assert not hosts.ssh_banner(ip(acc, "pdn-t02"), timeout=1)
    finally:
        faults.apply(NAME, "pdn-t02", "loss", off=True)
    assert hosts.ssh_banner(ip(acc, "pdn-t02"), timeout=3)


def test_fault_delay_is_a_tbf_rate_limit_both_ways(acc: LabAccess) -> None:
    outer, ns = naming.veth_outer(NAME, "pdn-t02"), naming.netns(NAME, "pdn-t02")
    qdiscs = lambda: (subprocess.run(["tc", "qdisc", "show", "dev", outer], capture_output=True, text=True,
                                     check=True).stdout,
                      subprocess.run(["ip", "netns", "exec", ns, "tc", "qdisc", "show", "dev", "eth0"],
                                     capture_output=True, text=True, check=True).stdout)
    faults.apply(NAME, "pdn-t02", "delay", "2mbit")
    try:
        assert all("tbf" in q and "2Mbit" in q for q in qdiscs()), qdiscs()
        assert acc.ssh("pdn-t02", "true").returncode == 0  # slow, not cut
    finally:
        faults.apply(NAME, "pdn-t02", "delay", off=True)
    assert not any("tbf" in q for q in qdiscs()), qdiscs()


def test_fault_sshd_stop_refuses_port_22(acc: LabAccess) -> None:
    assert acc.ssh("pdn-t03", "true").returncode == 0  # opens a shared connection first
    faults.apply(NAME, "pdn-t03", "sshd-stop")
    with pytest.raises(ConnectionRefusedError):
        __import__("socket").create_connection((ip(acc, "pdn-t03"), 22), timeout=2)
    assert acc.ssh("pdn-t03", "true").returncode == 255
    faults.apply(NAME, "pdn-t03", "sshd-stop", off=True)
    assert acc.ssh("pdn-t03", "true").returncode == 0


def test_fault_crash_then_boot_keeps_data(acc: LabAccess) -> None:
    assert acc.ssh("pdn-t04", "echo kept > /root/before-crash").returncode == 0
    from migration.lab.lifecycle import host_init_pid

    pid1 = host_init_pid(NAME, "pdn-t04")
    faults.apply(NAME, "pdn-t04", "crash")
    assert not Path(f"/proc/{pid1}").exists() or Path(f"/proc/{pid1}/status").read_text().find("zombie") > 0
    assert not hosts.ssh_banner(ip(acc, "pdn-t04"), timeout=1)
    assert [h.up for h in lab.status(NAME) if h.id == "pdn-t04"] == [False]
    faults.boot(NAME, "pdn-t04")
    assert acc.ssh("pdn-t04", "cat /root/before-crash").stdout == "kept\n"


def test_lab_up_again_reboots_only_crashed_hosts(acc: LabAccess) -> None:
    from migration.lab.lifecycle import host_init_pid

    before = host_init_pid(NAME, "pdn-t07")
    faults.apply(NAME, "pdn-t06", "crash")
    lab.up(acc.run_dir / "estate")
    assert host_init_pid(NAME, "pdn-t07") == before, "a running host was restarted"
    assert acc.ssh("pdn-t06", "hostname").stdout == "pdn-t06\n"


def test_fault_disk_full_gives_enospc(acc: LabAccess) -> None:
    faults.apply(NAME, "bgr-files1", "disk-full")
    try:
        res = acc.ssh("bgr-files1", "echo x > /srv/eoffice-bogor/data/new.txt")
        assert res.returncode != 0 and "No space left on device" in res.stderr, res.stderr
    finally:
        faults.apply(NAME, "bgr-files1", "disk-full", off=True)
    assert acc.ssh("bgr-files1", "ls /srv/eoffice-bogor/data/2019 | wc -l").stdout.strip() == "50"


@pytest.mark.parametrize("args, needle", [
    (["fault", NAME, "no-such-host", "crash"], "unknown host 'no-such-host'"),
    (["fault", NAME, "pdn-t01", "meteor"], "unknown fault kind 'meteor'"),
    (["exec", NAME, "no-such-host", "--", "true"], "unknown host 'no-such-host'"),
])
def test_bad_input_is_one_line(acc: LabAccess, args: list[str], needle: str) -> None:
    res = subprocess.run([DCC, "lab", *args], check=False, capture_output=True, text=True, timeout=60)
    assert res.returncode == InputError.exit_code, res.stderr
    assert needle in res.stderr and len(res.stderr.strip().splitlines()) == 1, res.stderr


def test_non_root_gets_one_line(acc: LabAccess) -> None:
    res = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", DCC, "lab", "up"],
                         check=False, capture_output=True, text=True, timeout=60, cwd="/")
    assert res.returncode == 3 and len(res.stderr.strip().splitlines()) == 1 and "root" in res.stderr, res.stderr


def test_overlapping_estate_is_refused(acc: LabAccess, tmp_path: Path) -> None:
    other = lab.renumber(acc.run_dir / "estate", tmp_path / "other", f"{NAME}-other", OCTET)
    with pytest.raises(LabError, match=f"overlaps running estate '{NAME}'"):
        lab.up(other)
    assert not naming.run_dir(f"{NAME}-other").exists() or not list(naming.run_dir(f"{NAME}-other").glob("hosts/*"))


def test_down_leaves_nothing(acc: LabAccess) -> None:
    est = lab.lifecycle.load_running(NAME)
    links = network.bridges(est) + [naming.veth_outer(NAME, h.id) for h in est.hosts]
    pids = list(state.load(NAME).pids.values())
    lab.down(NAME)
    assert cleanup.leftovers(NAME) == []
    assert [b for b in links if network.link_exists(b)] == []
    assert [p for p in pids if os.path.exists(f"/proc/{p}")] == []
    assert not naming.run_dir(NAME).exists()
