"""Run one pipeline phase playbook through ansible-runner and reduce it to per-host outcomes.

The only module that imports `ansible_runner`. It honours the private_data_dir contract
(`env/ inventory/ project/` in, `artifacts/<ident>/` out) and decides from status, rc, stats
and events, never from stdout.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from migration.access.files import AccessFiles
from migration.atomic import write_text_atomic

PLAYBOOK_DIR = Path(__file__).resolve().parents[2] / "playbooks"


@dataclass(frozen=True)
class HostOutcome:
    """What one host did in one phase run."""

    host: str
    ok: int = 0
    changed: int = 0
    failed: bool = False
    unreachable: bool = False
    message: str = ""

    @property
    def succeeded(self) -> bool:
        return not (self.failed or self.unreachable)


@dataclass(frozen=True)
class PhaseResult:
    """The reduced result of one playbook run: runner status, rc and one outcome per host."""

    phase: str
    status: str
    rc: int
    hosts: dict[str, HostOutcome] = field(default_factory=dict)
    artifacts: Path | None = None

    @property
    def changed(self) -> int:
        return sum(h.changed for h in self.hosts.values())

    def host_ok(self, host: str) -> bool:
        outcome = self.hosts.get(host)
        # A host that never reported was not run at all (e.g. the play aborted): not ok.
        return outcome is not None and outcome.succeeded


@dataclass(frozen=True)
class RunnerTuning:
    """The levers that make a phase fast; `baseline()` is Ansible's own defaults, for the bench."""

    forks: int = 20
    ansible_defaults: bool = False
    warm_connections: bool = True  # open each batch's SSH connections while Ansible starts up

    @staticmethod
    def baseline() -> RunnerTuning:
        return RunnerTuning(forks=5, ansible_defaults=True, warm_connections=False)


def _envvars(access: AccessFiles, tuning: RunnerTuning, control_dir: Path) -> dict[str, str]:
    base = {
        "ANSIBLE_HOST_KEY_CHECKING": "True",
        "ANSIBLE_RETRY_FILES_ENABLED": "False",
        "ANSIBLE_NOCOLOR": "True",
        "ANSIBLE_LOCAL_TEMP": str(control_dir / "tmp"),
        # Ansible's own multiplexed connections (the baseline's ControlPersist) are keyed by host
        # name, port and user in ~/.ansible/cp: every estate with a host of the same name would
        # share them, and a run could ride on another estate's connection. One dir per work dir.
        "ANSIBLE_SSH_CONTROL_PATH_DIR": str(control_dir / "cp"),
        # ansible-playbook lives beside this interpreter (the venv), which may not be on PATH.
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    if tuning.ansible_defaults:
        # No pipelining, facts gathered, Ansible's own ssh args; the inventory's -F keeps keys pinned.
        return base
    # Hosts are reached by id, so the lab's ssh_config applies whole: pinned known_hosts, key and its
    # ControlPath, which the lab's faults close, so a cut link is met rather than hung on.
    return {
        **base,
        "ANSIBLE_PIPELINING": "True",
        "ANSIBLE_SSH_ARGS": f"-F {access.ssh_config} -o ServerAliveInterval=5 -o ServerAliveCountMax=3",
        "ANSIBLE_GATHERING": "explicit",
        "ANSIBLE_PYTHON_INTERPRETER": "/usr/bin/python3",
        "ANSIBLE_TIMEOUT": "15",
        # Each host goes through a play's tasks at its own pace instead of waiting for the slowest
        # host at every task. A play that reads another host's facts pins `strategy: linear`.
        "ANSIBLE_STRATEGY": "free",
        # The phases ship scripts: no pty per command, and the script goes over the shared
        # connection through dd instead of starting an sftp-server for each file.
        "ANSIBLE_SSH_USETTY": "False",
        "ANSIBLE_SSH_TRANSFER_METHOD": "piped",
        # Start-up: the runner's inventory is one YAML file, and only ansible.builtin is used;
        # skipping the other inventory parsers and the sys.path collection scan saves ~0.4 s a run.
        "ANSIBLE_INVENTORY_ENABLED": "yaml",
        "ANSIBLE_COLLECTIONS_SCAN_SYS_PATH": "False",
    }


def _prepare(private_dir: Path, access: AccessFiles) -> None:
    """Lay out `env/ inventory/ project/`; project links to the repo's playbooks."""
    import yaml

    # ansible-runner writes the first call's envvars/extravars/settings into env/ and lets those
    # files override every later call's arguments; each call passes its own (suppress_env_files),
    # and files left by older runs are removed so a changed tuning is never shadowed.
    env = private_dir / "env"
    env.mkdir(parents=True, exist_ok=True)
    for stale in ("envvars", "extravars", "settings", "passwords", "cmdline", "ssh_key"):
        (env / stale).unlink(missing_ok=True)
    (private_dir / "inventory").mkdir(exist_ok=True)
    inventory = yaml.safe_load(access.ansible_inventory.read_text())
    for name, hostvars in (inventory.get("all", {}).get("hosts") or {}).items():
        # Connect by id so ssh_config's `Host <id>` block (and its ControlPath) is the one used.
        (hostvars or {}).update(ansible_host=name)
    write_text_atomic(private_dir / "inventory" / "hosts.yaml", yaml.safe_dump(inventory))
    project = private_dir / "project"
    if not project.exists():
        project.symlink_to(PLAYBOOK_DIR, target_is_directory=True)


def _outcomes(stats: dict[str, dict[str, int]] | None, hosts: list[str], msgs: dict[str, str]) -> dict[str, HostOutcome]:
    stats = stats or {}
    out: dict[str, HostOutcome] = {}
    seen = set().union(*(set(v) for v in stats.values())) if stats else set()
    for host in hosts:
        if host not in seen:
            continue
        out[host] = HostOutcome(
            host=host,
            ok=stats.get("ok", {}).get(host, 0),
            changed=stats.get("changed", {}).get(host, 0),
            failed=host in stats.get("failures", {}),
            unreachable=host in stats.get("dark", {}),
            message=msgs.get(host, ""),
        )
    return out


class _FailureCollector:
    """Keeps the first failure message per host from the event stream (messages only, no_log respected)."""

    def __init__(self) -> None:
        self.messages: dict[str, str] = {}

    def __call__(self, event: dict[str, Any]) -> bool:
        kind = event.get("event", "")
        if kind in ("runner_on_failed", "runner_on_unreachable", "runner_item_on_failed"):
            data = event.get("event_data", {})
            host = data.get("host", "")
            res = data.get("res", {}) or {}
            task = data.get("task", "")
            msg = _reason(res)
            if host and host not in self.messages:
                self.messages[host] = f"{task}: {msg.strip().splitlines()[-1] if msg.strip() else msg}"[:300]
        return True  # keep the event in artifacts


def _reason(res: dict[str, Any]) -> str:
    """Why a task failed, in one line: a role's argument check names every bad field; a script's own
    last word on stderr says why (Ansible's msg only "non-zero return code")."""
    errors = res.get("argument_errors")
    if isinstance(errors, list) and errors:
        return "; ".join(" ".join(str(e).split()) for e in errors)
    err = res.get("stderr")
    msg = err if isinstance(err, str) and err.strip() else res.get("msg") or "failed"
    return msg if isinstance(msg, str) else "failed"


def run_phase(
    phase: str,
    hosts: list[str],
    extravars: dict[str, Any],
    *,
    access: AccessFiles,
    work_dir: Path,
    ident: str,
    tuning: RunnerTuning | None = None,
) -> PhaseResult:
    """Run `playbooks/<phase>.yml` on `hosts` and reduce it to per-host outcomes."""
    import ansible_runner

    tuning = tuning or RunnerTuning()
    if not hosts:
        return PhaseResult(phase=phase, status="successful", rc=0)
    private_dir = work_dir / "runner"
    _prepare(private_dir, access)
    control_dir = control_path_dir(work_dir)
    (control_dir / "tmp").mkdir(parents=True, exist_ok=True)
    collector = _FailureCollector()
    with _signals_deferred() as cancelled:
        runner = ansible_runner.run(
            private_data_dir=str(private_dir),
            playbook=f"{phase}.yml",
            ident=ident,
            extravars=extravars,
            limit=",".join(sorted(set(hosts))),
            forks=tuning.forks,
            envvars=_envvars(access, tuning, control_dir),
            quiet=True,
            event_handler=collector,
            settings={"suppress_ansible_output": True},
            suppress_env_files=True,
            cancel_callback=cancelled,
        )
    _scrub_environment(private_dir / "artifacts" / ident)
    return PhaseResult(
        phase=phase,
        status=runner.status,
        rc=int(runner.rc if runner.rc is not None else -1),
        hosts=_outcomes(runner.stats, sorted(set(hosts)), collector.messages),
        artifacts=private_dir / "artifacts" / ident,
    )


@contextmanager
def _signals_deferred() -> Iterator[Callable[[], bool]]:
    """SIGINT and SIGTERM while a playbook runs: noted, the playbook cancelled (ansible-runner polls
    the callback this yields), and once ansible-runner has returned, the handlers are put back
    and the signal raised again, so it does what it does anywhere else (SIGTERM ends the process,
    Ctrl-C raises KeyboardInterrupt). Left to itself, ansible-runner installs handlers that only
    set a flag it reads while its playbook process lives, and never puts the old ones back: a
    signal between playbooks, or in the moments before a playbook starts or after it ends, was
    lost, and a run could only be stopped by SIGKILL."""
    if threading.current_thread() is not threading.main_thread():
        yield lambda: False  # only the main thread may set handlers (and gets signals)
        return
    caught: list[int] = []

    def note(signum: int, _frame: object) -> None:
        caught.append(signum)

    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    for sig in saved:
        signal.signal(sig, note)
    try:
        yield lambda: bool(caught)
    finally:
        for sig, handler in saved.items():
            signal.signal(sig, handler if handler is not None else signal.SIG_DFL)
        if caught:
            signal.raise_signal(caught[0])


def _scrub_environment(artifacts: Path) -> None:
    """ansible-runner records the whole process environment in `command`; secrets (e.g. S3 keys) may
    live there, so keep only the command line and cwd."""
    command = artifacts / "command"
    if command.is_file():
        data = json.loads(command.read_text())
        data.pop("env", None)
        write_json_atomic(command, data)


def control_path_dir(work_dir: Path) -> Path:
    """A short dir for SSH control sockets (unix socket paths are capped at 108 bytes)."""
    import hashlib

    tag = hashlib.sha256(str(work_dir.resolve()).encode()).hexdigest()[:10]
    path = Path("/run/dcc-exec") / tag
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def write_json_atomic(path: Path, data: Any) -> None:
    """Write JSON atomically so a crash never leaves half a file."""
    write_text_atomic(path, json.dumps(data, indent=1, sort_keys=True))


def leftover_playbooks(work_dir: Path) -> list[int]:
    """Pids of ansible-playbook processes (and their forks) still running on this work dir's
    private_data_dir: what a killed `dcc migrate` or `dcc rollback` left behind."""
    private = {str(work_dir / "runner"), str((work_dir / "runner").resolve())}
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            argv = [a.decode(errors="replace") for a in (entry / "cmdline").read_bytes().split(b"\0")]
        except OSError:
            continue  # gone meanwhile, or not ours to read
        playbook = any(Path(a).name == "ansible-playbook" for a in argv[:2])
        if playbook and any(p + "/" in a for a in argv for p in private):
            found.append(int(entry.name))
    return sorted(found)


def wait_for_leftover_playbooks(work_dir: Path, timeout: float = 900.0) -> list[int]:
    """Wait until no playbook left by an interrupted run is still working on this work dir.

    ansible-runner starts each playbook in its own session, so killing the orchestrator does not
    stop it. Starting the next run beside it would run a phase twice on the same hosts at once
    (e.g. two restores of one database). Waiting lets it finish; the journal then decides what
    runs again. Returns the pids waited for; past `timeout` it is a MigrationFailed naming them.
    """
    from migration.errors import MigrationFailed

    first = leftover_playbooks(work_dir)
    deadline = time.monotonic() + timeout
    pids = first
    while pids:
        if time.monotonic() > deadline:
            raise MigrationFailed(
                f"a playbook left by an interrupted run is still running after {timeout:.0f} s "
                f"(pids {' '.join(map(str, pids))}); let it finish or stop it, then run again",
                where=str(work_dir / "runner"),
            )
        time.sleep(0.5)
        pids = leftover_playbooks(work_dir)
    return first
