"""An app nobody wrote for the toolkit (issue 14, "built for apps never seen"): planted by hand on
an empty legacy host, declared as an agency would (id, agency, host, port, portal name; no paths),
then discovered, reviewed without a single edit, planned, migrated, verified, cut over and failed
back, with nothing of it known to the product code. Real lab (estate `unseen`, octet 88 + shift).

The app (tests/fixtures/unseen): a Python HTTP service run by the interpreter from
/srv/tatanaskah/releases/3.2.1 behind a `current` symlink, settings in /usr/local/etc, started by
an init script named `tnd-http` through start-stop-daemon as its own user `tatanaskah` (uid 2417),
health on /_/healthz, letters in a SQLite file without a database suffix that it keeps open (WAL),
attachments and that file under /home/tatanaskah/naskah/var, a log under /var/log/tatanaskah, a
nightly job in the user's own crontab, and the vendor's unpacked setup folder left in /opt.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from migration.backupstore.server import LocalS3Server
from migration.inventory import load_estate
from migration.lab import LabAccess
from migration.profile import load_profile, profile_path
from migration.profile.diff import pipeline_fields
from migration.profile.model import Profile
from tests.support import unseen as U
from tests.support.lab import shifted

pytestmark = [pytest.mark.integration, pytest.mark.slow]
NAME, OCTET = shifted("unseen", 88)
DCC = str(Path(sys.executable).parent / "dcc")
APP, HOST, TARGET = U.APP, U.HOST, U.TARGET
DATA_DIR = "/home/tatanaskah/naskah/var"
DB_FILE = f"{DATA_DIR}/register.dat"
SETUP_LEFTOVER = "/opt/tatanaskah-setup-3.2.1"
CRONTAB = "/var/spool/cron/crontabs/tatanaskah"  # the service user's own crontab, not a cron.d file
OWNED = "tatanaskah:crontab:600"  # as `crontab -u` writes it


@dataclass
class Env:
    lab: LabAccess
    estate_dir: Path
    ips: dict[str, str]
    s3: LocalS3Server | None = None
    plan: Path | None = None
    writes: U.Writes = field(default_factory=U.Writes.none)

    def dcc(self, *args: str, timeout: float = 900) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "COLUMNS": "200"}
        if self.s3 is not None:
            env["DCC_S3_ENDPOINT"] = self.s3.endpoint_url
        return subprocess.run([DCC, *args, "--estate", str(self.estate_dir)], check=False, capture_output=True,
                              text=True, env=env, timeout=timeout)

    @property
    def portal(self) -> str:
        return self.ips["pdn-portal"]

    def ssh(self, host: str, command: str) -> subprocess.CompletedProcess[str]:
        return self.lab.ssh(host, command)


def _ok(run: subprocess.CompletedProcess[str]) -> str:
    assert run.returncode == 0, f"{run.args[1:3]} exited {run.returncode}:\n{run.stdout[-4000:]}\n{run.stderr[-3000:]}"
    return run.stdout


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Env]:
    with U.empty_lab(tmp_path_factory.mktemp("unseen"), NAME, OCTET, U.PAIRS, U.DECLARED) as (lab, estate_dir, ips), \
            LocalS3Server() as s3:
        yield Env(lab, estate_dir, ips, s3)


# --- discovery and review: the only human step is `dcc profile review` ---------------------------

@dataclass(frozen=True)
class Discovered:
    output: str
    proposal: Profile
    text: str


def _discover(env: Env) -> Discovered:
    out = _ok(env.dcc("discover"))
    path = profile_path(env.estate_dir, APP, proposed=True)
    return Discovered(out, load_profile(path, load_estate(env.estate_dir)), path.read_text())


@pytest.fixture(scope="module")
def too_early(env: Env) -> tuple[Discovered, subprocess.CompletedProcess[str]]:
    """Discovery and a review attempt while the app is declared but not installed yet."""
    return _discover(env), env.dcc("profile", "review", APP)


@pytest.fixture(scope="module")
def planted(env: Env, too_early: object) -> Env:
    U.plant(env.lab, env.portal, env.ips[HOST])
    return env


@pytest.fixture(scope="module")
def discovered(planted: Env) -> Discovered:
    return _discover(planted)


def test_what_discovery_cannot_know_is_an_open_question_and_review_waits_for_it(
        too_early: tuple[Discovered, subprocess.CompletedProcess[str]]) -> None:
    """Declared but nothing listening yet: nothing is guessed, the health check is a question the
    reviewer must answer, and `dcc profile review` refuses the proposal, naming it."""
    early, review = too_early
    questions = early.proposal.open_questions()
    assert [field for field, _ in questions] == ["health"], questions
    assert f"nothing listens on port {U.PORT}" in questions[0][1], questions
    assert "# NEEDS REVIEW:" in early.text
    assert not any(h.services or h.code or h.data for h in early.proposal.layouts), early.proposal.layouts
    assert review.returncode != 0 and "health" in review.stderr, (review.returncode, review.stdout, review.stderr)


@pytest.fixture(scope="module")
def reviewed(env: Env, discovered: Discovered) -> Profile:
    _ok(env.dcc("profile", "review", APP))
    return load_profile(profile_path(env.estate_dir, APP), load_estate(env.estate_dir))


def test_discovery_ties_the_service_its_user_and_its_port_to_the_app(discovered: Discovered) -> None:
    p = discovered.proposal
    [svc] = p.services(HOST)
    assert (svc.name, svc.init, svc.start, svc.stop, svc.check, svc.run_as) == (
        "tnd-http", "sysv", "/etc/init.d/tnd-http start", "/etc/init.d/tnd-http stop", "/etc/init.d/tnd-http status",
        "tatanaskah"), svc
    assert "/run/tnd/http.pid" in svc.prov.evidence, svc.prov
    assert [(u.name, u.uid, u.gid) for u in p.users(HOST)] == [("tatanaskah", 2417, 2417)]
    assert [(g.name, g.gid) for g in p.groups(HOST)] == [("tatanaskah", 2417)]
    assert p.ports(HOST) == (U.PORT,)
    [job] = p.cron(HOST)
    assert (job.user, job.schedule, job.file) == ("tatanaskah", "17 3 * * *", CRONTAB), job
    assert "/srv/tatanaskah" in job.prov.evidence, job.prov
    assert {pkg.name for pkg in p.packages(HOST)} >= {"python3.11-minimal"}, p.packages(HOST)


def test_discovery_finds_code_config_and_data_where_the_vendor_put_them(discovered: Discovered) -> None:
    p = discovered.proposal
    assert p.code_paths(HOST) == ("/srv/tatanaskah",), "the release tree with its `current` link"
    assert p.config_paths(HOST) == ("/usr/local/etc/tatanaskah/naskah.toml",)
    assert p.log_paths(HOST) == ("/var/log/tatanaskah",), "the folder its service logs into"
    data = p.data_paths(HOST)
    # The service user's home, or a folder inside it down to the storage root: each holds the data.
    assert data and all(d in ("/home/tatanaskah", "/home/tatanaskah/naskah", DATA_DIR) for d in data), data
    [db] = p.databases()
    assert (db.engine, db.host, db.path) == ("sqlite", HOST, DB_FILE), db
    assert p.health is not None
    assert (p.health.path, p.health.port, p.health.expect_status) == ("/_/healthz", U.PORT, 200), p.health
    assert "main.py" in p.health.prov.evidence
    assert p.rewrites() == (), "the app names no other host of the estate"


def test_every_proposed_entry_has_evidence_and_nothing_is_guessed(discovered: Discovered) -> None:
    p = discovered.proposal
    layout = next(h for h in p.layouts if h.host == HOST)
    entries = [*layout.services, *layout.code, *layout.config, *layout.data, *layout.logs, *layout.users,
               *layout.groups, *layout.cron, *layout.packages, *layout.ports, *p.databases(), p.health]
    assert all(e is not None and e.prov.evidence and e.prov.status == "inferred" for e in entries), entries
    assert p.open_questions() == []


def test_what_discovery_cannot_tie_to_the_app_is_named_for_the_reviewer(discovered: Discovered) -> None:
    """The vendor's leftover setup folder is no part of the proposal, but the reviewer is told of it."""
    notes = [line for line in discovered.text.splitlines() if line.startswith("# note:")]
    assert any(SETUP_LEFTOVER in n and HOST in n for n in notes), notes
    assert not any(SETUP_LEFTOVER in path for path in discovered.proposal.data_paths(HOST)
                   + discovered.proposal.code_paths(HOST))
    assert SETUP_LEFTOVER in discovered.output


def test_review_accepts_the_proposal_as_it_is(env: Env, discovered: Discovered, reviewed: Profile) -> None:
    assert reviewed.reviewed and reviewed.version == 1
    assert pipeline_fields(reviewed) == pipeline_fields(discovered.proposal)
    assert reviewed.open_questions() == []
    assert not profile_path(env.estate_dir, APP, proposed=True).exists()


# --- migration: plan, migrate, verify, cut over ---------------------------------------------------

@dataclass(frozen=True)
class Migrated:
    run: subprocess.CompletedProcess[str]
    verify: subprocess.CompletedProcess[str]
    before: U.Snapshot       # the source, after the writes, before the migration
    target: U.Snapshot       # the target once migrated
    retained: U.Snapshot     # the source's decommissioned copy, at its original paths
    health: U.Answer         # through the portal
    route: str               # the portal's route file
    source_state: str        # the source's service, boot link and cron job after decommission
    target_state: str        # the same on the target, which serves now
    left: str                # the transfer's copies left on any host
    again: subprocess.CompletedProcess[str]  # `dcc migrate` of the same wave, run a second time


def _wave_of(plan: Path) -> int:
    waves = json.loads(plan.read_text())["waves"]
    return next(w["number"] for w in waves if APP in w["apps"])


def _roots(profile: Profile) -> tuple[list[str], list[str]]:
    return list(profile.data_paths(HOST)), [d.path for d in profile.databases() if d.is_file]


def _retained(env: Env, host: str, roots: list[str], dbs: list[str]) -> U.Snapshot:
    """The newest decommissioned copy on `host` (`/var/lib/dcc-retained/<app>-<stamp>/<path>`), at
    the paths it had when it served."""
    kept = env.ssh(host, f"ls -1d /var/lib/dcc-retained/{APP}-*/ | tail -n 1").stdout.strip().rstrip("/")
    assert kept, f"no retained copy of {APP} on {host}"
    return U.snapshot(env.lab, host, [kept + r for r in roots], [kept + d for d in dbs]).moved(kept, "")


def _service_state(env: Env, host: str) -> str:
    """`running|stopped`, whether it starts at boot (1|0), its cron job `on|off|none` and the crontab's
    owner and mode (cron reads a user's crontab only if that user owns it)."""
    return env.ssh(host, "/etc/init.d/tnd-http status >/dev/null 2>&1 && echo running || echo stopped; "
                         "ls /etc/rc2.d | grep -c 'S[0-9][0-9]tnd-http$' || true; "
                         "{ crontab -u tatanaskah -l 2>/dev/null || true; } | grep -q '^17 3 .*tnd-vacuum' && echo on || "
                         f"{{ test -s {CRONTAB} && echo off || echo none; }}; "
                         f"stat -c %U:%G:%a {CRONTAB} 2>/dev/null || echo -").stdout


@pytest.fixture(scope="module")
def migrated(env: Env, reviewed: Profile, tmp_path_factory: pytest.TempPathFactory) -> Migrated:
    roots, dbs = _roots(reviewed)
    U.write(env.portal, "sebelum", 20, env.writes)  # acknowledged by the source before the move
    before = U.snapshot(env.lab, HOST, roots, dbs)
    env.plan = tmp_path_factory.mktemp("plan") / "plan.json"
    _ok(env.dcc("plan", "--facts", str(env.estate_dir / "facts"), "--out", str(env.plan)))
    run = env.dcc("migrate", "--plan", str(env.plan), "--wave", str(_wave_of(env.plan)))
    verify = env.dcc("verify", "--plan", str(env.plan), "--app", APP)
    target = U.snapshot(env.lab, TARGET, roots, dbs)
    retained = _retained(env, HOST, roots, dbs) if run.returncode == 0 else U.Snapshot({}, {})
    route = env.ssh("pdn-portal", f"cat /etc/nginx/conf.d/dcc-{U.SERVICE}.conf").stdout
    left = "".join(env.ssh(h, f"ls -d /var/lib/dcc/staging/{APP} /var/lib/dcc/incoming/{APP} 2>/dev/null").stdout
                   for h in (HOST, TARGET))
    health = U.request(env.portal, "/_/healthz")
    source_state, target_state = _service_state(env, HOST), _service_state(env, TARGET)
    again = env.dcc("migrate", "--plan", str(env.plan), "--wave", str(_wave_of(env.plan)))
    return Migrated(run, verify, before, target, retained, health, route, source_state, target_state, left, again)


def test_migrate_and_verify_exit_zero(migrated: Migrated) -> None:
    _ok(migrated.run)
    _ok(migrated.verify)


def test_the_target_holds_exactly_the_sources_data(migrated: Migrated) -> None:
    assert migrated.before.files, "nothing was checksummed on the source"
    assert migrated.target.files == migrated.before.files
    assert migrated.target.tables == migrated.before.tables
    assert migrated.target.tables[f"{DB_FILE}:surat"][0] == U.LETTERS + 20


def test_the_sources_retained_copy_is_what_it_served_last(migrated: Migrated) -> None:
    assert migrated.retained == migrated.before


def test_the_portal_serves_the_app_from_the_target(env: Env, migrated: Migrated) -> None:
    assert migrated.health.status == 200 and migrated.health.json()["surat"] == U.LETTERS + 20, migrated.health
    assert f'proxy_pass "http://{env.ips[TARGET]}:{U.PORT}";' in migrated.route, migrated.route
    assert U.served(env.portal, env.writes) == []


def test_a_second_run_of_the_wave_changes_nothing(migrated: Migrated) -> None:
    assert "migrated" not in _ok(migrated.again) and "unchanged" in migrated.again.stdout, migrated.again.stdout


def test_the_target_runs_the_service_at_boot_and_its_cron_job(migrated: Migrated) -> None:
    assert migrated.target_state.split() == ["running", "1", "on", OWNED], migrated.target_state


def test_the_source_is_decommissioned_and_the_transfer_forgotten(migrated: Migrated) -> None:
    assert migrated.source_state.split() == ["stopped", "0", "off", OWNED], migrated.source_state
    assert migrated.left == "", migrated.left


# --- failback: the target took writes; rolling back carries them to the source --------------------

@dataclass(frozen=True)
class FailedBack:
    run: subprocess.CompletedProcess[str]
    on_target: U.Snapshot    # the target's data as it served last (its decommissioned copy)
    source: U.Snapshot       # the source's data once it serves again
    missing: list[str]       # acknowledged writes the portal does not serve back
    route: str
    target_state: str
    source_state: str


@pytest.fixture(scope="module")
def failed_back(env: Env, migrated: Migrated, reviewed: Profile) -> FailedBack:
    _ok(migrated.run)
    roots, dbs = _roots(reviewed)
    U.write(env.portal, "sesudah", 15, env.writes)  # acknowledged by the target
    run = env.dcc("rollback", "--plan", str(env.plan), "--app", APP)
    on_target = _retained(env, TARGET, roots, dbs) if run.returncode == 0 else U.Snapshot({}, {})
    return FailedBack(run, on_target, U.snapshot(env.lab, HOST, roots, dbs), U.served(env.portal, env.writes),
                      env.ssh("pdn-portal", f"cat /etc/nginx/conf.d/dcc-{U.SERVICE}.conf").stdout,
                      _service_state(env, TARGET), _service_state(env, HOST))


def test_failback_exits_zero_and_the_source_serves_again(env: Env, failed_back: FailedBack) -> None:
    _ok(failed_back.run)
    assert f'proxy_pass "http://{env.ips[HOST]}:{U.PORT}";' in failed_back.route, failed_back.route
    assert failed_back.source_state.split() == ["running", "1", "on", OWNED], failed_back.source_state


def test_every_write_the_target_acknowledged_is_on_the_source(env: Env, failed_back: FailedBack) -> None:
    assert failed_back.missing == []
    assert len(env.writes.letters) == 35 and len(env.writes.files) == 7
    assert failed_back.source.tables[f"{DB_FILE}:surat"][0] == U.LETTERS + 35
    assert failed_back.source.files == failed_back.on_target.files
    assert failed_back.source.tables == failed_back.on_target.tables


def test_the_target_is_decommissioned_after_failback(failed_back: FailedBack) -> None:
    assert failed_back.target_state.split() == ["stopped", "0", "off", OWNED], failed_back.target_state
