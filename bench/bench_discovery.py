"""Benchmark: `dcc discover` against an Ansible fact run over the same 20 lab hosts, side by side,
and discovery with profile proposals against discovery as it was before them (goal <= 1.5x).

Baseline: ansible-playbook (forks 10, pipelining, the lab's ControlPersist ssh_config) running
`ansible.builtin.setup`, `service_facts` and one `dpkg-query`/`ss`/`ps`/`du` command task
(community.general.listen_ports_facts is not in ansible-core, so `ss` stands in for it, and
package_facts needs python3-apt, which the hosts lack, so `dpkg-query` stands in for that).
Prints both wall times, the ratio (goal <= 0.2) and the SSH logins each side made, counted
from every host's own sshd log. The proposals side runs the full script (layout sections too) and
writes every app's proposal; the plain side runs the script without them; rounds alternate and
the medians are compared. Usage (root): .venv/bin/python bench/bench_discovery.py [--skip-ansible]
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from migration import lab
from migration.discovery import Settings, discover_all, select_targets
from migration.discovery.proposals import write_proposals
from migration.inventory import load_estate

ROUNDS = 5

_SHIFT = int(os.environ.get("DCC_TEST_LAB_SHIFT", "0") or 0)  # as tests/support/lab.py
NAME, OCTET = (f"discs{_SHIFT}", 79 + _SHIFT) if _SHIFT else ("disc", 79)  # discovery's reserved lab copy
PLAYBOOK = """\
- name: Gather the facts dcc discover gathers
  hosts: all
  gather_facts: false
  tasks:
    - name: Gather system facts
      ansible.builtin.setup:
    - name: Gather services
      ansible.builtin.service_facts:
    - name: Gather packages, sockets, processes, data folders and cron (see module docstring)
      ansible.builtin.shell: >-
        dpkg-query -W; ss -Htlnp; ss -Htnp state established; ps -eo pid=,ppid=,user=,rss=,args= -ww;
        du -sxk /srv/* /var/lib/postgresql 2>/dev/null; cat /etc/passwd; cat /etc/crontab /etc/cron.d/* 2>/dev/null || true
      changed_when: false
"""


def accepted_logins(acc: lab.LabAccess, hosts: list[str]) -> int:
    """SSH logins accepted so far, summed over every host's own sshd log."""
    total = 0
    for host in hosts:
        log = acc.run_dir / "hosts" / host / "root" / "var" / "log" / "sshd.log"
        total += log.read_text(errors="replace").count("Accepted publickey") if log.exists() else 0
    return total


def close_masters(acc: lab.LabAccess, hosts: list[str]) -> None:
    """Start the baseline cold: no ControlMaster left over from earlier ssh use."""
    for host in hosts:
        subprocess.run(["ssh", "-F", str(acc.ssh_config), "-O", "exit", host], capture_output=True,
                       timeout=10, check=False)


def write_inventory(acc: lab.LabAccess, work: Path) -> Path:
    """Hosts named by id, so `ssh -F ssh_config <id>` picks the lab's pinned-key Host block.

    (The lab's ansible_inventory.yaml dials the ip, which no `Host` block in ssh_config matches,
    so ssh falls back to ~/.ssh/known_hosts and refuses.)
    """
    hosts = {h: {} for h in sorted(acc.hosts())}
    data = {"all": {"hosts": hosts, "vars": {
        "ansible_user": "root", "ansible_python_interpreter": "/usr/bin/python3",
        "ansible_ssh_common_args": f"-F {acc.ssh_config}"}}}
    path = work / "inventory.json"
    path.write_text(json.dumps(data))
    return path


def run_ansible(acc: lab.LabAccess, work: Path) -> tuple[float, float]:
    """Wall seconds and controller CPU seconds of the baseline playbook."""
    (work / "discover.yml").write_text(PLAYBOOK)
    env = {**os.environ, "ANSIBLE_PIPELINING": "1", "ANSIBLE_FORKS": "10", "ANSIBLE_HOST_KEY_CHECKING": "1",
           "ANSIBLE_STDOUT_CALLBACK": "ansible.builtin.minimal", "ANSIBLE_LOCAL_TEMP": str(work / "tmp")}
    playbook = ROOT / ".venv" / "bin" / "ansible-playbook"
    cpu = _children_cpu()
    started = time.monotonic()
    done = subprocess.run([str(playbook), "-i", str(write_inventory(acc, work)), str(work / "discover.yml")],
                          capture_output=True, text=True, env=env, timeout=900, check=False)
    elapsed = time.monotonic() - started
    if done.returncode != 0:
        raise SystemExit(f"ansible baseline failed (rc {done.returncode}):\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    return elapsed, _children_cpu() - cpu


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_dcc(acc: lab.LabAccess, estate_dir: Path, layout: bool = True,
            proposals: Path | None = None) -> tuple[float, float, int, int]:
    """Wall seconds, controller CPU seconds, connections opened, hosts. With `proposals`, the
    facts are stored there and every app's profile proposal is written beside them (timed too)."""
    estate = load_estate(estate_dir)
    targets = select_targets(estate)
    settings = Settings(known_hosts=acc.known_hosts, identity=acc.identity, concurrency=16, layout=layout)
    cpu, started = time.process_time(), time.monotonic()
    outcomes = discover_all(targets, settings)
    if proposals is not None:
        write_proposals(estate, proposals, {o.host: o.facts for o in outcomes if o.facts is not None})
    elapsed, cpu = time.monotonic() - started, time.process_time() - cpu
    failed = [f"{o.host}: {o.status} {o.message}" for o in outcomes if not o.ok]
    if failed:
        raise SystemExit("dcc discover failed on: " + "; ".join(failed))
    return elapsed, cpu, sum(o.ssh_connections for o in outcomes), len(outcomes)


def run_pair(acc: lab.LabAccess, work: Path) -> tuple[list[float], list[float], list[float], list[float]]:
    """ROUNDS alternating runs of plain discovery and discovery with proposals: walls and CPU."""
    plain_s, plain_cpu, full_s, full_cpu = [], [], [], []
    for _ in range(ROUNDS):
        s, c, _, _ = run_dcc(acc, acc.run_dir / "estate", layout=False)
        plain_s.append(s)
        plain_cpu.append(c)
        s, c, _, _ = run_dcc(acc, acc.run_dir / "estate", layout=True, proposals=work)
        full_s.append(s)
        full_cpu.append(c)
    return plain_s, plain_cpu, full_s, full_cpu


def ensure_lab(work: Path) -> tuple[lab.LabAccess, bool]:
    acc = lab.LabAccess.for_estate(NAME)
    if acc.ssh_config.exists() and all(h.up and h.sshd for h in lab.status(NAME)):
        return acc, False
    folder = lab.renumber(ROOT / "inventory" / "lab", work / "estate", NAME, OCTET)
    lab.down(NAME)
    return lab.up(folder), True


def main() -> None:
    skip_ansible = "--skip-ansible" in sys.argv[1:]
    work = Path(tempfile.mkdtemp(prefix="bench-disc-"))
    acc, started_lab = ensure_lab(work)
    try:
        hosts = sorted(acc.hosts())
        time.sleep(3)  # let the api apps open their keep-alive connections
        if not skip_ansible:
            close_masters(acc, hosts)
            before = accepted_logins(acc, hosts)
            ansible_s, ansible_cpu = run_ansible(acc, work)
            ansible_logins = accepted_logins(acc, hosts) - before
        before = accepted_logins(acc, hosts)
        dcc_s, dcc_cpu, dcc_connections, count = run_dcc(acc, acc.run_dir / "estate")
        dcc_logins = accepted_logins(acc, hosts) - before
        plain_s, plain_cpu, full_s, full_cpu = run_pair(acc, work)
        load = os.getloadavg()
    finally:
        if started_lab:
            lab.down(NAME)
        shutil.rmtree(work, ignore_errors=True)
    print(f"hosts: {count}")
    if not skip_ansible:
        print(f"ansible-playbook (setup + service_facts + dpkg/ss/ps task, forks 10): {ansible_s:.1f} s, "
              f"{ansible_cpu:.1f} CPU-s on the controller, {ansible_logins} ssh logins (ControlPersist on)")
    print(f"dcc discover (paramiko, 16 threads): {dcc_s:.1f} s, {dcc_cpu:.1f} CPU-s on the controller, "
          f"{dcc_connections} connections opened, {dcc_logins} ssh logins")
    if not skip_ansible:
        print(f"ratio dcc/ansible: {dcc_s / ansible_s:.3f} (goal <= 0.2)")
    walls = ", ".join(f"{a:.2f}/{b:.2f}" for a, b in zip(plain_s, full_s))
    print(f"discovery without / with profile proposals, {ROUNDS} alternating rounds (s): {walls}")
    plain, full = statistics.median(plain_s), statistics.median(full_s)
    print(f"median: {plain:.2f} s without, {full:.2f} s with proposals ({statistics.median(plain_cpu):.2f} / "
          f"{statistics.median(full_cpu):.2f} CPU-s on the controller)")
    print(f"ratio with/without proposals: {full / plain:.2f} (goal <= 1.5); load average {load[0]:.2f} "
          f"{load[1]:.2f} {load[2]:.2f}")


if __name__ == "__main__":
    main()
