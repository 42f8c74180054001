"""Bench: load + assess + plan the national sample, beside `ansible-inventory --list` on the same hosts.

Generates the sample (seeded) at scales 0.1, 0.3 and 1.0 in a temp folder, times each in a fresh
process (wall, CPU, peak RSS), writes the 1.0 estate's hosts as an Ansible YAML inventory and times
`ansible-inventory -i <it> --list` in the same run (~3 minutes; only at scale 1.0), then prints the
ratio. Goal at 1.0: < 5 s wall, < 1 GB, <= 0.5x ansible-inventory.

    .venv/bin/python bench/bench_plan.py [--scales 0.1,0.3,1.0] [--seed 2024] [--no-ansible]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = ROOT / ".venv" / "bin"
# Runs in a fresh interpreter so each scale's peak memory is its own.
CHILD = """
import json, resource, sys, time
from migration.inventory import load_estate
from migration.plan import make_plan
from migration.plan.io import dumps
clock, cpu = time.perf_counter, time.process_time
t0, c0 = clock(), cpu()
estate = load_estate(sys.argv[1])
t1, c1 = clock(), cpu()
plan = make_plan(estate)
t2, c2 = clock(), cpu()
text = dumps(plan)
t3, c3 = clock(), cpu()
print(json.dumps({"hosts": len(estate.hosts), "apps": len(estate.apps), "waves": len(plan.waves),
                  "load": t1 - t0, "plan": t2 - t1, "dump": t3 - t2, "cpu": c2 - c0, "dump_cpu": c3 - c2,
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "json_mb": len(text) / 1e6}))
"""


def generate(folder: Path, seed: int, scale: float) -> None:
    from migration.inventory.generate import GenerateSettings, write_estate

    write_estate(folder, GenerateSettings(seed=seed, scale=scale))


def run_toolkit(folder: Path) -> dict:
    out = subprocess.run([sys.executable, "-c", CHILD, str(folder)], capture_output=True, text=True, check=True,
                         cwd=ROOT, timeout=600)
    return json.loads(out.stdout)


def write_ansible_inventory(folder: Path, path: Path) -> int:
    """The estate's hosts as an Ansible YAML inventory: a group per data center, host vars from the inventory."""
    from migration.inventory import load_estate

    estate = load_estate(folder)
    groups: dict[str, dict] = {}
    for host in estate.hosts.values():
        group = groups.setdefault(host.datacenter.replace("-", "_"), {"hosts": {}})
        group["hosts"][host.id] = {"ansible_host": host.ip, "dcc_role": host.role, "dcc_os": host.os,
                                   "dcc_cpu": host.cpu, "dcc_memory_gb": host.memory_gb, "dcc_disk_gb": host.disk_gb}
    path.write_text(yaml.safe_dump({"all": {"children": groups}}, sort_keys=True))
    return len(estate.hosts)


def run_ansible_inventory(path: Path) -> tuple[float, float]:
    """Wall seconds and CPU seconds of `ansible-inventory -i path --list` (output discarded)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run([str(VENV_BIN / "ansible-inventory"), "-i", str(path), "--list"], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=1800)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", default="0.1,0.3,1.0")
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--no-ansible", action="store_true", help="skip the ansible-inventory baseline (~3 min)")
    args = parser.parse_args()
    scales = [float(s) for s in args.scales.split(",")]
    print(f"load average before: {Path('/proc/loadavg').read_text().split()[:3]} (2 cores shared; read walls with that)")
    with tempfile.TemporaryDirectory(prefix="dcc-bench-plan-") as tmp:
        results = {scale: measure(Path(tmp) / f"scale-{scale}", args.seed, scale) for scale in scales}
        if args.no_ansible or 1.0 not in results:
            print("ansible-inventory baseline skipped (it runs only at scale 1.0, without --no-ansible)")
            return
        inventory = Path(tmp) / "ansible-inventory.yaml"
        hosts = write_ansible_inventory(Path(tmp) / "scale-1.0", inventory)
        wall, cpu = run_ansible_inventory(inventory)
        print_ratio(results[1.0], hosts, wall, cpu)


def measure(folder: Path, seed: int, scale: float) -> dict:
    """Generate the sample at `scale`, time load + assess + plan in a fresh process, print one row."""
    start = time.perf_counter()
    generate(folder, seed, scale)
    gen = time.perf_counter() - start
    r = run_toolkit(folder) | {"generate": gen}
    print(f"scale {scale:>4}: {r['hosts']:>6,} hosts {r['apps']:>6,} apps {r['waves']:>3} waves | "
          f"wall {r['load'] + r['plan']:5.2f} s (load {r['load']:4.2f} + assess/plan {r['plan']:4.2f}) | "
          f"CPU {r['cpu']:5.2f} s | peak RSS {r['rss_mb']:4.0f} MB | "
          f"plan file {r['json_mb']:.1f} MB in {r['dump']:.2f} s wall, {r['dump_cpu']:.2f} s CPU | generate {gen:.1f} s")
    return r


def print_ratio(r: dict, hosts: int, wall: float, cpu: float) -> None:
    ours_wall, ours_cpu = r["load"] + r["plan"], r["cpu"]
    print(f"ansible-inventory --list on the same {hosts:,} hosts: {wall:.2f} s wall, {cpu:.2f} s CPU")
    print(f"ratio dcc(load+assess+plan) / ansible-inventory at scale 1.0: {ours_wall / wall:.3f}x wall, "
          f"{ours_cpu / cpu:.3f}x CPU (goal <= 0.5x); dcc {ours_wall:.2f} s wall (goal < 5 s), "
          f"{ours_cpu:.2f} s CPU, peak {r['rss_mb']:.0f} MB (goal < 1024 MB)")


if __name__ == "__main__":
    main()
