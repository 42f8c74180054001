"""Each role's `meta/argument_specs.yml` against the jobs the orchestrator builds (jobs.py) for the
lab's and the vendor estate's apps, passed as the playbooks pass them; and a job of the wrong shape, fed to a real
ansible-playbook through the runner (local connection: no network), fails naming the field."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import yaml
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from jinja2.nativetypes import NativeEnvironment

from migration.access.files import AccessFiles
from migration.execution import jobs as J
from migration.execution.runner import run_phase
from migration.execution.wave import ENGINE_SCRIPTS, AppMove, read_plan, retirements, wave_moves
from migration.inventory import load_estate
from migration.profile import load_profiles
from tests.support.migrate import write_plan

ROOT = Path(__file__).resolve().parents[3]
PLAYBOOKS = ROOT / "playbooks"
LAB = ROOT / "inventory" / "lab"
APPS = ["simpeg-kemenkes", "arsip-kemenkes", "sehat-api", "eoffice-jabar", "perizinan-jabar"]


def spec_of(role: str) -> dict[str, Any]:
    specs = yaml.safe_load((PLAYBOOKS / "roles" / role / "meta" / "argument_specs.yml").read_text())
    options: dict[str, Any] = specs["argument_specs"]["main"]["options"]
    return options


def estate_moves(estate_dir: Path, apps: list[str], replaced: dict[str, str], tmp_path: Path) -> list[AppMove]:
    """One wave of `apps` and the apps shared services replace, with their profiles (as the session
    attaches them)."""
    path = write_plan(estate_dir, [apps], tmp_path / "plan.json", replaced)
    estate, plan = load_estate(estate_dir), read_plan(path)
    profiles = load_profiles(estate_dir)
    moves = wave_moves(estate, plan, 1, path) + retirements(estate, plan, 1)
    return [replace(m, profile=profiles[m.app]) for m in moves]


def phase_jobs(moves: list[AppMove], tmp_path: Path) -> dict[str, J.Jobs]:
    """Every phase's jobs, as the steps build them (datapath archives: any path)."""
    moving = [m for m in moves if not m.retiring]
    return {
        "preflight": J.preflight(moves), "backup": J.backup(moves), "collect": J.collect(moves, tmp_path),
        "deliver": J.deliver(moving, {m.app: tmp_path / m.app for m in moving}),
        "restore": J.restore(moving, {m.app: "0" * 64 for m in moving}),
        "deploy": J.deploy(moving, {}, {}), "cutover": J.route(moves, to_source=False),
        "decommission": J.decommission(moves, 30), "rollback": J.rollback(moves),
        # The lab's apps have no cron jobs: serve's jobs are the `start` items a rollback runs.
        "serve": J.serve(moving) or {h: [j for j in js if j["kind"] == "start"] for h, js in J.rollback(moving).items()},
    }


def role_inputs(phase: str, jobs: J.Jobs) -> list[tuple[str, str, str, Any]]:
    """(host, role, variable, value) for each play of the phase's playbook, its `vars` rendered as
    Ansible would for that host."""
    env = NativeEnvironment()
    out = []
    for play in yaml.safe_load((PLAYBOOKS / f"{phase}.yml").read_text()):
        for entry in play["roles"]:
            for var, expr in entry["vars"].items():
                for host in jobs:
                    value = env.from_string(expr).render(dcc_jobs=jobs, inventory_hostname=host)
                    out.append((host, entry["role"], var, value))
    return out


PHASES = ["preflight", "backup", "collect", "deliver", "restore", "deploy", "cutover", "decommission", "rollback",
          "serve"]


# The lab's first wave with an app replaced by a shared service (PostgreSQL), and the vendor
# estate's apps (MariaDB, a file database, cron jobs).
ESTATES = {"lab": (LAB, APPS, {"lapor-bogor": "SP4N-LAPOR"}),
           "vendor": (ROOT / "inventory" / "vendor", ["simpatda-depok", "ekinerja-garut", "rekap-desa"], {})}


@pytest.fixture(scope="module", params=sorted(ESTATES))
def jobs(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> dict[str, J.Jobs]:
    tmp = tmp_path_factory.mktemp("jobs")
    return phase_jobs(estate_moves(*ESTATES[request.param], tmp), tmp)


@pytest.mark.parametrize("phase", PHASES)
def test_every_job_the_orchestrator_builds_fits_its_roles_argument_specs(jobs, phase):
    inputs = role_inputs(phase, jobs[phase])
    assert inputs, f"{phase}: no job built for the lab's wave"
    for host, role, var, value in inputs:
        checked = ArgumentSpecValidator(spec_of(role)).validate({var: value}, validate_role_argument_spec=True)
        assert checked.error_messages == [], f"{phase}.yml, {role} on {host}: {checked.error_messages}"


def test_every_role_describes_its_inputs():
    roles = sorted(p.name for p in (PLAYBOOKS / "roles").iterdir() if p.is_dir())
    assert len(roles) == 10
    for role in roles:
        spec = spec_of(role)
        defaults = PLAYBOOKS / "roles" / role / "defaults" / "main.yml"
        inputs = yaml.safe_load(defaults.read_text()) if defaults.is_file() else {}
        jobs_var = f"{role}_jobs"
        if jobs_var in (inputs or {}):
            assert spec[jobs_var]["type"] == "list" and spec[jobs_var]["elements"] == "dict", role
            assert spec[jobs_var]["options"], f"{role}: describe the fields of a job"


def test_a_job_names_only_an_engine_script_of_dcc_engines():
    """`script` is joined to the engines folder on the controller: only the known scripts pass."""
    for role in sorted(p.name for p in (PLAYBOOKS / "roles").iterdir() if p.is_dir()):
        fields = spec_of(role).get(f"{role}_jobs", {}).get("options", {})
        if "script" in fields:
            assert set(fields["script"]["choices"]) == set(ENGINE_SCRIPTS.values()), role


# -- a wrong shape through a real ansible-playbook ----------------------------------------------------

ROUTE = {"app": "simpeg-kemenkes", "service": "simpeg.kemenkes.go.id", "backend": "10.77.10.21", "port": 8080}
BAD = {  # host -> (phase, its jobs, what the failure must name)
    "no-port": ("cutover", [{k: v for k, v in ROUTE.items() if k != "port"}], "missing required arguments: port"),
    "typo": ("cutover", [{**ROUTE, "prot": 80}], "dcc_cutover_jobs.prot"),
    "not-a-port": ("cutover", [{**ROUTE, "port": "eighty"}], "port"),
    "bad-mode": ("cutover", [{**ROUTE, "mode": "open"}], "mode"),
    "not-a-list": ("cutover", {"app": "x"}, "dcc_cutover_jobs"),
    "no-digest": ("restore", [{"kind": "app", "app": "a", "data": []}], "kind is app but all of the following are missing: digest"),
    "bad-engine": ("restore", [{"kind": "db", "app": "a", "key": "a:db:x", "script": "../../../bin/x", "argv": []}],
                   "script must be one of"),
}


def local_access(tmp_path: Path) -> AccessFiles:
    """Access files whose hosts are this machine (connection local): nothing is reached over a network."""
    root = tmp_path / "access"
    root.mkdir()
    hosts = {h: {"ansible_connection": "local"} for h in BAD}
    (root / "ansible_inventory.yaml").write_text(yaml.safe_dump({"all": {"hosts": hosts}}))
    (root / "ssh_config").write_text("")
    return AccessFiles(root)


@pytest.mark.parametrize("phase", sorted({p for p, _, _ in BAD.values()}))
def test_a_job_of_the_wrong_shape_fails_at_role_start_naming_the_field(tmp_path, phase):
    hosts = [h for h, (p, _, _) in BAD.items() if p == phase]
    jobs = {h: BAD[h][1] for h in hosts}
    result = run_phase(phase, hosts, {"dcc_jobs": jobs}, access=local_access(tmp_path), work_dir=tmp_path,
                       ident=f"bad-{phase}")
    assert result.status == "failed"
    for host in hosts:
        outcome = result.hosts[host]
        assert outcome.failed and outcome.ok == 0, f"{host}: nothing may run before the check: {outcome}"
        assert "Validating arguments" in outcome.message and BAD[host][2] in outcome.message, outcome.message
