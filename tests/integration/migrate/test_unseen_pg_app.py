"""A second app nobody wrote for the toolkit, of another shape than the first (test_unseen_app.py):
SIPKD Kas, a Python service under its own user whose receipts live in PostgreSQL on a second
legacy host. Its settings, with the database host's address, are in /etc/default/sipkd, which its
init script (named after neither the app nor its user) sources; its uploads are in a folder of the
web root that its user owns; its health answer is plain text naming no host; its database and
role are named after nothing the inventory says. Planted by hand on two empty hosts, declared as
an agency would (no paths), discovered, reviewed without an edit, then migrated and failed back
with a writer posting receipts through the portal the whole time: every receipt the app
acknowledged must be served at the end. Real lab (estate `unseenpg`, octet 89 + shift).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from migration.backupstore.server import LocalS3Server
from migration.inventory import load_estate
from migration.lab import LabAccess
from migration.profile import load_profile, profile_path
from migration.profile.model import Profile
from tests.support import unseen as U
from tests.support import unseen_pg as S
from tests.support.lab import shifted
from tests.support.writers import Tally

pytestmark = [pytest.mark.integration, pytest.mark.slow]
NAME, OCTET = shifted("unseenpg", 89)
DCC = str(Path(sys.executable).parent / "dcc")


@dataclass
class Env:
    lab: LabAccess
    estate_dir: Path
    ips: dict[str, str]
    s3: LocalS3Server
    plan: Path

    def dcc(self, *args: str) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "COLUMNS": "200", "DCC_S3_ENDPOINT": self.s3.endpoint_url}
        return subprocess.run([DCC, *args, "--estate", str(self.estate_dir)], check=False, capture_output=True,
                              text=True, env=env, timeout=900)

    def on(self, host: str, command: str) -> str:
        done = self.lab.ssh(host, command)
        assert done.returncode == 0, f"{host}: {command}: {done.stderr}"
        return done.stdout

    @property
    def portal(self) -> str:
        return self.ips["pdn-portal"]

    def upstream(self) -> str:
        """Which host:port the portal proxied a health request to (its X-Dcc-Upstream header)."""
        return self.on("pdn-portal", f"curl -si -H 'Host: {S.SERVICE}' http://127.0.0.1/ping | "
                                     "sed -n 's/^X-Dcc-Upstream: //Ip' | tr -d '\\r'").strip()


def _ok(run: subprocess.CompletedProcess[str]) -> str:
    assert run.returncode == 0, f"{run.args[1:3]} exited {run.returncode}:\n{run.stdout[-4000:]}\n{run.stderr[-3000:]}"
    return run.stdout


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Env]:
    base = tmp_path_factory.mktemp("unseenpg")
    with U.empty_lab(base, NAME, OCTET, S.PAIRS, S.DECLARED) as (lab, estate_dir, ips), LocalS3Server() as s3:
        S.plant(lab, ips)
        yield Env(lab, estate_dir, ips, s3, base / "plan.json")


@pytest.fixture(scope="module")
def proposal(env: Env) -> Profile:
    _ok(env.dcc("discover"))
    return load_profile(profile_path(env.estate_dir, S.APP, proposed=True), load_estate(env.estate_dir))


def test_discovery_ties_config_data_and_database_to_the_app(env: Env, proposal: Profile) -> None:
    [svc] = proposal.services(S.WEB)
    assert (svc.name, svc.init, svc.run_as) == ("sipkd-kas", "sysv", "keuangan"), svc
    # The settings file is found because the init script sources it; what it names follows from it.
    assert proposal.config_paths(S.WEB) == (S.CONFIG,)
    assert "/etc/init.d/sipkd-kas names /etc/default/sipkd" in proposal.layouts[0].config[0].prov.evidence
    assert proposal.code_paths(S.WEB) == ("/var/www/sipkd",)
    assert proposal.data_paths(S.WEB) == (S.UPLOADS,), "the uploads folder the settings name, its user's"
    [db] = proposal.databases()
    assert (db.engine, db.host, db.names, db.owner) == ("postgresql", S.DB, ("sipkd_prod",), "keu_app"), db
    assert f"named in {S.CONFIG}" in db.prov.evidence
    [rewrite] = proposal.rewrites()
    assert (rewrite.host, rewrite.file, rewrite.old, rewrite.new) == (
        S.WEB, S.CONFIG, f"SIPKD_DB_HOST={env.ips[S.DB]}", "SIPKD_DB_HOST={db_ip}"), rewrite
    assert proposal.health is not None and (proposal.health.path, proposal.health.port) == ("/ping", S.PORT)
    assert proposal.open_questions() == []


@pytest.fixture(scope="module")
def reviewed(env: Env, proposal: Profile) -> Profile:
    _ok(env.dcc("profile", "review", S.APP))
    _ok(env.dcc("plan", "--facts", str(env.estate_dir / "facts"), "--out", str(env.plan)))
    return load_profile(profile_path(env.estate_dir, S.APP), load_estate(env.estate_dir))


@dataclass(frozen=True)
class Moved:
    run: subprocess.CompletedProcess[str]
    verify: subprocess.CompletedProcess[str]
    writes: Tally
    uploads_before: str
    uploads_after: str
    source_rows: list[str]    # the source's database before the move (the writer then adds rows)
    target_rows: list[str]
    config: str               # the target's settings file: owner, mode, database host line
    upstream: str


def _rows(env: Env, host: str) -> list[str]:
    return env.on(host, "runuser -u postgres -- psql -XAt -F ' ' -d sipkd_prod -c "
                        "'SELECT id, nomor, jumlah FROM kas_masuk ORDER BY id'").splitlines()


def _config(env: Env, host: str) -> str:
    return env.on(host, f"stat -c '%U:%G %a' {S.CONFIG}; grep '^SIPKD_DB_HOST=' {S.CONFIG}")


@pytest.fixture(scope="module")
def moved(env: Env, reviewed: Profile) -> Moved:
    uploads_before, source_rows = env.on(S.WEB, S.UPLOADS_SUM), _rows(env, S.DB)
    with S.writer(env.portal) as writer:
        run = env.dcc("migrate", "--plan", str(env.plan), "--wave", "1")
    verify = env.dcc("verify", "--plan", str(env.plan), "--app", S.APP)
    return Moved(run, verify, writer.tally, uploads_before, env.on(S.WEB_TARGET, S.UPLOADS_SUM), source_rows,
                 _rows(env, S.DB_TARGET), _config(env, S.WEB_TARGET), env.upstream())


def test_the_app_moves_and_verifies(moved: Moved) -> None:
    _ok(moved.run)
    _ok(moved.verify)


def test_the_portal_serves_it_from_the_target_with_its_database_there(env: Env, moved: Moved) -> None:
    assert moved.upstream == f"{env.ips[S.WEB_TARGET]}:{S.PORT}"
    assert moved.config.split() == ["root:keuangan", "640", f"SIPKD_DB_HOST={env.ips[S.DB_TARGET]}"], moved.config


def test_the_target_holds_the_sources_data(moved: Moved) -> None:
    assert moved.uploads_after == moved.uploads_before and S.PROOFS <= moved.uploads_before.count("\n")
    assert len(moved.source_rows) == S.ROWS
    assert moved.target_rows[:S.ROWS] == moved.source_rows, "every row the source had, as it had it"


def test_every_receipt_acknowledged_during_the_move_is_served(env: Env, moved: Moved) -> None:
    acked = moved.writes.titles("acked")
    assert acked, "the writer got no receipt through"
    assert acked - S.receipts(env.portal) == set()


@dataclass(frozen=True)
class Back:
    run: subprocess.CompletedProcess[str]
    writes: Tally
    config: str
    upstream: str


@pytest.fixture(scope="module")
def back(env: Env, moved: Moved) -> Back:
    _ok(moved.run)
    with S.writer(env.portal) as writer:
        run = env.dcc("rollback", "--plan", str(env.plan), "--app", S.APP)
    return Back(run, writer.tally, _config(env, S.WEB), env.upstream())


def test_failback_returns_the_source_with_its_own_database(env: Env, back: Back) -> None:
    _ok(back.run)
    assert back.upstream == f"{env.ips[S.WEB]}:{S.PORT}"
    assert back.config.split() == ["root:keuangan", "640", f"SIPKD_DB_HOST={env.ips[S.DB]}"], back.config


def test_no_acknowledged_receipt_is_lost_by_the_move_and_the_failback(env: Env, moved: Moved, back: Back) -> None:
    acked = moved.writes.titles("acked") | back.writes.titles("acked")
    assert back.writes.titles("acked"), "the writer got no receipt through during the failback"
    assert acked - S.receipts(env.portal) == set()
    counts = ["/".join(str(len(w.titles(o))) for o in ("acked", "refused", "unknown")) for w in (moved.writes, back.writes)]
    print(f"\nSIPKD writer: move {counts[0]}, failback {counts[1]} (acknowledged/refused/unanswered), 0 lost")
