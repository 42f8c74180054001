"""Faults injected into one lab host, each real: links, packet loss, rate limits, a dead
sshd, a crashed host, a full disk. `--off` undoes each (crash is undone by `boot`).

No netem on this kernel: loss is an nftables rule inside the host's namespace, and
"delay" is a tbf rate limit, which slows transfers but adds no fixed latency.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from migration.access import keys
from migration.errors import InputError, LabError
from migration.lab import cleanup, handle, hosts, lifecycle, naming, network, vendorinstall
from migration.lab.estate import LabEstate
from migration.lab.run import run

_FAULT_TABLE = "dcc_fault"


def _nsenter(name: str, host: str, cmd: list[str], check: bool = True) -> str:
    argv = hosts.nsenter_argv(lifecycle.host_init_pid(name, host)) + cmd
    return run(argv, check=check).stdout


def loss_rules(pct: int) -> str:
    """nft input rule dropping pct% of packets (numgen's range is 0-99, so 100% is a plain drop)."""
    rule = "drop" if pct >= 100 else f"numgen random mod 100 < {pct} drop" if pct > 0 else "accept"
    return (f"table inet {_FAULT_TABLE}\ndelete table inet {_FAULT_TABLE}\n"
            f"table inet {_FAULT_TABLE} {{\n  chain input {{\n"
            f"    type filter hook input priority -100; policy accept;\n"
            f"    {rule}\n  }}\n}}\n")


def _percent(value: str | None) -> int:
    try:
        pct = int((value or "100").rstrip("%"))
    except ValueError:
        raise InputError(f"loss needs a percent 0..100, got {value!r}", where="value") from None
    if not 0 <= pct <= 100:
        raise InputError(f"loss needs a percent 0..100, got {pct}", where="value")
    return pct


def _loss(est: LabEstate, host: str, value: str | None, off: bool) -> str:
    ns = naming.netns(est.name, host)
    if off:
        run(["ip", "netns", "exec", ns, "nft", "delete", "table", "inet", _FAULT_TABLE], check=False)
        return f"{host}: packet loss off"
    pct = _percent(value)
    run(["ip", "netns", "exec", ns, "nft", "-f", "-"], input=loss_rules(pct))
    return f"{host}: dropping {pct}% of incoming packets"


def _rate(est: LabEstate, host: str, value: str | None, off: bool) -> str:
    """tbf on both ends of the host's link: traffic to and from the host is rate limited."""
    ns, outer = naming.netns(est.name, host), naming.veth_outer(est.name, host)
    run(["tc", "qdisc", "del", "dev", outer, "root"], check=False)
    run(["ip", "netns", "exec", ns, "tc", "qdisc", "del", "dev", "eth0", "root"], check=False)
    if off:
        return f"{host}: rate limit off"
    rate = value or "1mbit"
    tbf = ["qdisc", "add", "dev", "X", "root", "tbf", "rate", rate, "burst", "32kbit", "latency", "400ms"]
    run(["tc", *[outer if a == "X" else a for a in tbf]])
    run(["ip", "netns", "exec", ns, "tc", *["eth0" if a == "X" else a for a in tbf]])
    return f"{host}: link limited to {rate} (tbf; no netem here, so no added fixed latency)"


def _sshd(est: LabEstate, host: str, value: str | None, off: bool) -> str:
    if off:
        _nsenter(est.name, host, ["/usr/sbin/sshd", "-E", "/var/log/sshd.log"])
        return f"{host}: sshd started"
    _nsenter(est.name, host, ["sh", "-c", "kill $(cat /run/sshd.pid)"])
    # A live multiplexed connection outlives sshd, as on a real host: close ours too.
    close_master(est, host)
    return f"{host}: sshd stopped (and our shared ssh connection closed)"


def _crash(est: LabEstate, host: str, value: str | None, off: bool) -> str:
    if off:
        boot(est.name, host)
        return f"{host}: booted"
    close_master(est, host)
    pid1 = lifecycle.host_init_pid(est.name, host)
    run(["kill", "-KILL", str(pid1)])
    _wait_gone(pid1)
    return f"{host}: crashed (PID 1 killed); `dcc lab boot {est.name} {host}` brings it back"


def _wait_gone(pid: int, timeout: float = 10) -> None:
    """SIGKILL is asynchronous: return once the process (and so its PID namespace) is gone."""
    deadline = time.monotonic() + timeout
    while cleanup.running(pid):
        if time.monotonic() > deadline:
            raise LabError(f"pid {pid} survived SIGKILL for {timeout:.0f} s")
        time.sleep(0.02)


def default_data_dir(est: LabEstate, host: str) -> str:
    apps = sorted(est.apps_on(host), key=lambda a: a.archetype != "files")
    if apps and apps[0].shape:
        return vendorinstall.data_dir(apps[0], host)
    return f"/srv/{apps[0].id}/data" if apps else "/srv/dcc-disk"


def _disk(est: LabEstate, host: str, value: str | None, off: bool) -> str:
    path = value or default_data_dir(est, host)
    if not path.startswith("/"):
        raise InputError(f"disk-full needs an absolute path inside the host, got {path!r}", where="value")
    if off:
        _nsenter(est.name, host, ["umount", path])
        return f"{host}: {path} is its own disk again"
    script = ('mkdir -p "$1" && mount -t tmpfs -o size=2m dcc-full "$1" && '
              '(dd if=/dev/zero of="$1/.dcc-fill" bs=64k 2>/dev/null; true)')
    _nsenter(est.name, host, ["sh", "-c", script, "sh", path])
    return f"{host}: {path} is now a full 2 MiB disk"


def close_master(est: LabEstate, host: str) -> None:
    """Close our multiplexed ssh connection to `host`, so the next ssh meets the fault
    instead of riding (or hanging on) a connection opened before it."""
    acc = handle.LabAccess.for_estate(est.name)
    run(["ssh", "-F", str(acc.ssh_config), "-O", "exit", host], check=False, timeout=10)


def _link(up: bool) -> Callable[[LabEstate, str, str | None, bool], str]:
    def apply(est: LabEstate, host: str, value: str | None, off: bool) -> str:
        state_up = up != off
        if not state_up:
            close_master(est, host)
        network.set_link(est, host, state_up)
        return f"{host}: link {'up' if state_up else 'down'}"
    return apply


KINDS: dict[str, Callable[[LabEstate, str, str | None, bool], str]] = {
    "link-down": _link(False), "link-up": _link(True), "loss": _loss, "delay": _rate,
    "sshd-stop": _sshd, "crash": _crash, "disk-full": _disk,
}


def apply(name: str, host: str, kind: str, value: str | None = None, *, off: bool = False) -> str:
    """Inject fault `kind` on `host` (or undo it with off=True); returns a one-line summary."""
    est = lifecycle.load_running(name)
    est.host(host)
    if kind not in KINDS:
        raise InputError(f"unknown fault kind {kind!r}; one of: {', '.join(KINDS)}", where="kind")
    return KINDS[kind](est, host, value, off)


def boot(name: str, host: str) -> None:
    """Restart one host on its own upper dir (after a crash), and wait for its sshd."""
    lifecycle.require_root()
    est = lifecycle.load_running(name)
    est.host(host)
    from migration.lab import base

    img = base.ensure_base()
    client_pub = keys.load_or_create(handle.LabAccess.for_estate(name).identity).public_openssh
    _, started = lifecycle.boot(est, host, img.rootfs, client_pub)
    hosts.wait_banners(est, [host])
    if started:
        from migration.lab import appinstall as apps

        apps.after_boot(est, [host])
