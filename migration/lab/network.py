"""The lab's network: one bridge per data-center subnet, a veth per host, routing, and
an nftables table that keeps lab traffic on this machine (nothing forwarded elsewhere).

Hosts in different subnets reach each other through the root namespace (no NAT).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from migration.lab import naming
from migration.lab.estate import Host, LabEstate
from migration.lab.run import ip_batch, run


def netns_list() -> set[str]:
    out = run(["ip", "netns", "list"]).stdout
    return {line.split()[0] for line in out.splitlines() if line.strip()}


def link_exists(name: str) -> bool:
    return Path("/sys/class/net", name).exists()


def used_datacenters(est: LabEstate) -> list[Any]:
    ids = {h.datacenter for h in est.hosts}
    return [d for d in est.datacenters if d.id in ids]


def bridges(est: LabEstate) -> list[str]:
    return [naming.bridge(est.name, d.id) for d in used_datacenters(est)]


def ensure_bridges(est: LabEstate) -> None:
    lines = []
    for dc in used_datacenters(est):
        br = naming.bridge(est.name, dc.id)
        if not link_exists(br):
            lines += [f"link add {br} type bridge", f"addr add {dc.gateway}/{dc.subnet.prefixlen} dev {br}"]
        lines.append(f"link set {br} up")
    ip_batch(lines)
    Path("/proc/sys/net/ipv4/ip_forward").write_text("1\n")


def nft_ruleset(est: LabEstate) -> str:
    """Drop anything forwarded between this estate's bridges and any other interface."""
    table = naming.nft_table(est.name)
    brs = ", ".join(f'"{b}"' for b in bridges(est))
    return (
        f"table inet {table}\n"
        f"delete table inet {table}\n"
        f"table inet {table} {{\n"
        f"  chain forward {{\n"
        f"    type filter hook forward priority -10; policy accept;\n"
        f"    iifname {{ {brs} }} oifname != {{ {brs} }} counter drop\n"
        f"    oifname {{ {brs} }} iifname != {{ {brs} }} counter drop\n"
        f"  }}\n"
        f"}}\n"
    )


def ensure_firewall(est: LabEstate) -> None:
    run(["nft", "-f", "-"], input=nft_ruleset(est))


def create_host_link(est: LabEstate, host: Host) -> None:
    """netns + veth pair: the outer end joins the data center's bridge, the inner is eth0."""
    ns, outer = naming.netns(est.name, host.id), naming.veth_outer(est.name, host.id)
    if ns not in netns_list():
        run(["ip", "netns", "add", ns])
    dc = est.datacenter(host.datacenter)
    if link_exists(outer) and run(["ip", "-n", ns, "link", "show", "eth0"], check=False).returncode != 0:
        # A veth whose peer sits in a dying namespace of an earlier run (netns teardown is async).
        run(["ip", "link", "delete", outer])
    if not link_exists(outer):
        ip_batch([f"link add {outer} type veth peer name eth0 netns {ns}",
                  f"link set {outer} master {naming.bridge(est.name, dc.id)}", f"link set {outer} up"])
        ip_batch(["link set lo up", f"addr add {host.ip}/{dc.subnet.prefixlen} dev eth0",
                  "link set eth0 up", f"route add default via {dc.gateway}"], netns=ns)


def set_link(est: LabEstate, host_id: str, up: bool) -> None:
    run(["ip", "link", "set", naming.veth_outer(est.name, host_id), "up" if up else "down"])


def delete_estate_network(estate: str, bridge_names: list[str], namespaces: list[str],
                          veths: list[str]) -> None:
    """Remove the estate's namespaces, veths, bridges and nft table (idempotent).

    Veths are deleted explicitly: a namespace is torn down asynchronously by the kernel,
    and its veth would linger (and confuse the next `up`) until then."""
    for ns in namespaces:
        run(["ip", "netns", "delete", ns], check=False)
    for veth in veths:
        if link_exists(veth):
            run(["ip", "link", "delete", veth], check=False)
    for br in bridge_names:
        if link_exists(br):
            run(["ip", "link", "delete", br], check=False)
    run(["nft", "delete", "table", "inet", naming.nft_table(estate)], check=False)
