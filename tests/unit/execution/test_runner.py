"""Reducing ansible-runner stats to per-host outcomes, and per-app decisions from them (no network)."""

from __future__ import annotations

import pytest

from migration.execution.runner import HostOutcome, PhaseResult, _outcomes
from migration.execution.steps import by_hosts
from tests.support.appmoves import move

STATS = {"ok": {"a": 3, "b": 2, "c": 1}, "changed": {"a": 1}, "failures": {"b": 1}, "dark": {"d": 1},
         "skipped": {"e": 2}}


@pytest.mark.parametrize(("host", "expected"), [
    ("a", HostOutcome("a", ok=3, changed=1)),
    ("b", HostOutcome("b", ok=2, failed=True)),
    ("d", HostOutcome("d", unreachable=True)),
    ("e", HostOutcome("e")),           # only skipped tasks: ran, nothing to do
])
def test_stats_become_host_outcomes(host, expected):
    assert _outcomes(STATS, [host], {})[host] == expected


def test_a_host_missing_from_stats_did_not_run():
    assert _outcomes(STATS, ["zz"], {}) == {}
    assert _outcomes(None, ["a"], {}) == {}
    assert not PhaseResult("p", "failed", 2, {}).host_ok("a")


@pytest.mark.parametrize(("hosts", "ok", "changed"), [
    ({"s": HostOutcome("s", ok=1), "t-s": HostOutcome("t-s", ok=1, changed=2)}, True, True),
    ({"s": HostOutcome("s", ok=1), "t-s": HostOutcome("t-s", failed=True)}, False, False),
    ({"s": HostOutcome("s", ok=1)}, False, False),  # the target never reported
])
def test_an_app_succeeds_only_if_every_host_with_a_job_did(hosts, ok, changed):
    m = move("app", ("s",))
    jobs = {"s": [{"app": "app"}], "t-s": [{"app": "app"}]}
    outcome = by_hosts([m], jobs, PhaseResult("deploy", "successful", 0, hosts))["app"]
    assert (outcome.ok, outcome.changed) == (ok, changed)


PROBE = """\
- name: Probe the settings this run was given
  hosts: all
  gather_facts: false
  tasks:
    - name: Fact gathering is what this run's tuning asked for
      ansible.builtin.assert:
        that: lookup('ansible.builtin.config', 'DEFAULT_GATHERING') == want
"""


def localhost_phase(tmp_path, monkeypatch, name: str, playbook: str):
    """Access to localhost (local connection) and `playbook` as the phase `name`; returns the access."""
    import sys

    from migration.access.files import AccessFiles
    from migration.execution import runner

    access = AccessFiles(tmp_path / "access")
    access.root.mkdir()
    access.ssh_config.write_text("")
    access.ansible_inventory.write_text(
        f"all:\n  hosts:\n    localhost:\n      ansible_connection: local\n"
        f"      ansible_python_interpreter: {sys.executable}\n")
    playbooks = tmp_path / "playbooks"
    playbooks.mkdir()
    (playbooks / f"{name}.yml").write_text(playbook)
    monkeypatch.setattr(runner, "PLAYBOOK_DIR", playbooks)
    return access


def test_each_run_gets_its_own_tuning_in_a_reused_work_dir(tmp_path, monkeypatch):
    """ansible-runner keeps the first call's envvars in env/ and prefers them over later calls'
    arguments; a baseline run after a tuned one in the same work dir must still get Ansible's defaults."""
    from migration.execution import runner

    access = localhost_phase(tmp_path, monkeypatch, "probe", PROBE)
    work = tmp_path / "work"
    results = [
        runner.run_phase("probe", ["localhost"], {"want": want}, access=access, work_dir=work,
                         ident=f"probe-{n}", tuning=tuning)
        for n, (tuning, want) in enumerate([(runner.RunnerTuning(), "explicit"),
                                            (runner.RunnerTuning.baseline(), "implicit")])
    ]
    assert [(r.status, r.host_ok("localhost")) for r in results] == [("successful", True)] * 2
    assert not (work / "runner" / "env" / "envvars").exists()


CP_PROBE = """\
- name: Probe where ssh control sockets go
  hosts: all
  gather_facts: false
  tasks:
    - name: The ssh plugin's control_path_dir is this work dir's
      ansible.builtin.assert:
        that: lookup('ansible.builtin.config', 'control_path_dir', plugin_type='connection', plugin_name='ssh') == want
"""


def test_ansibles_own_ssh_connections_are_kept_per_work_dir(tmp_path, monkeypatch):
    """With Ansible's defaults (the baseline) the ControlPath is keyed by host name, port and user
    under ~/.ansible/cp: two estates with a host of the same name would share a connection."""
    from migration.execution import runner

    access = localhost_phase(tmp_path, monkeypatch, "cp", CP_PROBE)
    wanted = []
    for name in ("estate-a", "estate-b"):
        work = tmp_path / name / "work"
        want = str(runner.control_path_dir(work) / "cp")
        wanted.append(want)
        result = runner.run_phase("cp", ["localhost"], {"want": want}, access=access, work_dir=work,
                                  ident="cp", tuning=runner.RunnerTuning.baseline())
        assert (result.status, result.host_ok("localhost")) == ("successful", True), result
    assert wanted[0] != wanted[1]


def test_a_phase_leaves_ctrl_c_and_sigterm_as_it_found_them(tmp_path, monkeypatch):
    """ansible-runner installs handlers for SIGINT and SIGTERM that only cancel its playbook, and
    never puts the old ones back: after one phase, Ctrl-C and SIGTERM did nothing between phases."""
    import signal

    from migration.execution import runner

    access = localhost_phase(tmp_path, monkeypatch, "probe", PROBE)
    before = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    result = runner.run_phase("probe", ["localhost"], {"want": "explicit"}, access=access, work_dir=tmp_path / "w",
                              ident="probe", tuning=runner.RunnerTuning())
    assert result.status == "successful"
    assert {sig: signal.getsignal(sig) for sig in before} == before


SIGNALLED = """- name: Signal the controller, then take long enough to be cancelled
  hosts: all
  gather_facts: false
  tasks:
    - name: The controller gets SIGTERM while this playbook runs
      ansible.builtin.command: kill -TERM {{ controller }}
      changed_when: false
    - name: Wait (cancelled before it ends)
      ansible.builtin.pause:
        seconds: 30
    - name: Never reached when the signal cancelled the playbook
      ansible.builtin.file:
        path: "{{ marker }}"
        state: touch
        mode: "0644"
"""


def test_a_signal_during_a_phase_cancels_its_playbook_and_is_raised_again_after_it(tmp_path, monkeypatch):
    """The signal is neither lost nor acted on mid-playbook: the playbook is cancelled, and once
    ansible-runner returns, the process's own handler gets it (here a recorder; by default SIGTERM
    ends the process)."""
    import os
    import signal

    from migration.execution import runner

    access = localhost_phase(tmp_path, monkeypatch, "signalled", SIGNALLED)
    got: list[int] = []

    def record(signum, _frame):
        got.append(signum)

    previous = signal.signal(signal.SIGTERM, record)
    try:
        marker = tmp_path / "reached"
        result = runner.run_phase("signalled", ["localhost"], {"controller": os.getpid(), "marker": str(marker)},
                                  access=access, work_dir=tmp_path / "w", ident="signalled",
                                  tuning=runner.RunnerTuning())
        assert result.status == "canceled" and not result.host_ok("localhost"), result
        assert not marker.exists()
        assert got == [signal.SIGTERM], "the signal must reach the process's own handler, once"
        assert signal.getsignal(signal.SIGTERM) is record
    finally:
        signal.signal(signal.SIGTERM, previous)
