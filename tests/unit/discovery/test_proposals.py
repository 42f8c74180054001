"""Profile proposals inferred from recorded host output: each archetype (the lab's, vendor-shaped
ones and one unlike any), then partial and hostile output, then the proposal store."""

from __future__ import annotations

from pathlib import Path

import pytest

from migration.discovery.proposals import write_proposals
from migration.discovery.propose import propose_all
from migration.inventory import load_estate
from migration.profile import conventional, load_profile, profile_path, write_profile
from migration.profile.diff import pipeline_fields
from migration.profile.review import reviewed
from tests.support.layout import (
    FIXTURES,
    MARKER,
    PHP_WEB,
    VENDOR_ESTATE,
    facts_of,
    lab_facts,
    output,
    vendor_facts,
)

LAB = Path(__file__).resolve().parents[3] / "inventory" / "lab"


@pytest.fixture(scope="module")
def lab_proposals():
    return propose_all(load_estate(LAB), lab_facts())


@pytest.fixture(scope="module")
def vendor_proposals():
    return propose_all(load_estate(VENDOR_ESTATE), vendor_facts())


@pytest.mark.parametrize("app", ["simpeg-kemenkes", "arsip-kemenkes", "sehat-api", "perizinan-jabar"])
def test_lab_apps_are_proposed_as_the_convention_says(lab_proposals, app: str) -> None:
    """web-db with its database on another host, files, api, web-db with its database beside it."""
    estate = load_estate(LAB)
    proposal = lab_proposals[app]
    assert proposal.profile.open_questions() == []
    assert pipeline_fields(proposal.profile) == pipeline_fields(conventional(app, estate))
    wanted = {(r.host, r.file, r.old, r.new) for r in conventional(app, estate).rewrites()}
    assert wanted <= {(r.host, r.file, r.old, r.new) for r in proposal.profile.rewrites()}


def test_lab_evidence_names_the_facts(lab_proposals) -> None:
    profile = lab_proposals["simpeg-kemenkes"].profile
    assert "names its pidfile /run/simpeg-kemenkes.pid" in profile.services("kmk-web1")[0].prov.evidence
    assert profile.layout("kmk-web1").data[0].prov.evidence == \
        "/etc/simpeg-kemenkes/app.conf:5 names /srv/simpeg-kemenkes/data"
    assert "holds a session as simpeg_kemenkes" in profile.databases()[0].prov.evidence
    api = lab_proposals["sehat-api"].profile.rewrites("kmk-api1")[0]
    assert api.new == "PEERS=http://{target:kmk-web1}:8080,http://{target:kmk-files1}:8081"


# app -> what the proposal must say on its host (code, config, data, service, run as, health path)
VENDOR = {
    "simpatda-depok": ("dpk-web1", ("/var/www/simpatda",),
                       ("/etc/apache2/sites-available/simpatda.conf", "/etc/apache2/sites-enabled/simpatda.conf"),
                       ("/var/www/simpatda/uploads",), ("apache2", "sysv", "root"), "/status.php"),
    "ekinerja-garut": ("grt-app1", ("/usr/local/ekinerja",), ("/etc/ekinerja",), ("/var/lib/ekinerja",),
                       ("ekinerjad", "sysv", "ekinerja"), "/api/ping"),
    "rekap-desa": ("kds-batch1", ("/home/rekap",), ("/etc/default/rekapdesa",), ("/var/spool/rekapdesa",),
                   ("rekapdesa-web", "sysv", "rekap"), "/status"),
    "antrian-kiosk": ("ksk-app1", ("/data/antrian/current",), ("/data/antrian/shared/config.toml",),
                      ("/data/antrian/shared",), ("antrian", "systemd", "antrian"), "/"),
}


@pytest.mark.parametrize("app", sorted(VENDOR))
def test_vendor_shaped_apps(vendor_proposals, app: str) -> None:
    host, code, config, data, (service, init, user), health = VENDOR[app]
    profile = vendor_proposals[app].profile
    assert profile.hosts == (host,)
    assert profile.code_paths(host) == code
    assert profile.config_paths(host) == config
    assert profile.data_paths(host) == data
    got = profile.services(host)[0]
    assert (got.name, got.init, got.run_as) == (service, init, user)
    assert profile.health is not None and profile.health.path == health
    for _, item in _entries(profile):
        assert item.prov.evidence, f"{app}: an entry without evidence: {item}"


def _entries(profile):
    from migration.profile.walk import entries

    return entries(profile)


def test_php_app_database_on_another_host_and_ip_rewrite(vendor_proposals) -> None:
    profile = vendor_proposals["simpatda-depok"].profile
    db = profile.databases()[0]
    assert (db.engine, db.host, db.names, db.owner, db.port) == ("mariadb", "dpk-db1", ("simpatda",), "simpatda_app",
                                                                  3306)
    assert "database.php:7" in db.prov.evidence
    [rewrite] = profile.rewrites()
    assert (rewrite.file, rewrite.new) == ("/var/www/simpatda/config/database.php", "'host'     => '{db_ip}',")
    assert rewrite.render({"db_ip": "10.76.70.22"}) == "'host'     => '10.76.70.22',"
    assert {p.name for p in profile.packages("dpk-web1")} == {"apache2-bin", "libapache2-mod-php8.2",
                                                              "php8.2-mysql"}
    assert [(u.name, u.uid) for u in profile.users("dpk-web1")] == [("www-data", 33)]


def test_service_user_sqlite_and_cron_spool(vendor_proposals) -> None:
    ekinerja = vendor_proposals["ekinerja-garut"].profile
    [db] = ekinerja.databases()
    assert (db.engine, db.path, db.owner) == ("sqlite", "/var/lib/ekinerja/ekinerja.db", "ekinerja")
    assert [(u.name, u.uid, u.gid) for u in ekinerja.users("grt-app1")] == [("ekinerja", 1201, 1201)]
    rekap = vendor_proposals["rekap-desa"].profile
    [job] = rekap.cron("kds-batch1")
    assert (job.user, job.schedule, job.source) == ("rekap", "* * * * *", "cron.d/rekapdesa")
    assert "run-parts" not in str(rekap.cron("kds-batch1")), "a system job that touches no app path was taken"
    assert job.file == "/etc/cron.d/rekapdesa" and rekap.cron_files("kds-batch1") == ("/etc/cron.d/rekapdesa",)


@pytest.mark.parametrize(("app", "host", "logs"), [
    ("ekinerja-garut", "grt-app1", ("/var/log/ekinerja",)),   # the service's own output, held open
    ("rekap-desa", "kds-batch1", ("/var/log/rekapdesa",)),    # the status page's, and the cron job's
    ("simpatda-depok", "dpk-web1", ()),                       # /var/log/apache2 is the web server's, shared
])
def test_log_folders_are_the_apps_own_never_a_packages(vendor_proposals, app: str, host: str, logs: tuple) -> None:
    profile = vendor_proposals[app].profile
    assert profile.log_paths(host) == logs
    assert not [p for p in profile.data_paths(host) if p.startswith("/var/log")]


def test_unlike_layout_marks_what_it_cannot_infer(vendor_proposals) -> None:
    profile = vendor_proposals["antrian-kiosk"].profile
    assert profile.open_questions() == [("health", "no health route found in the app's code or config")]
    assert [(d.engine, d.host, d.names) for d in profile.databases() if not d.is_file] == \
        [("postgresql", "ksk-db1", ("antrian",))]
    assert "pid 90 on ksk-app1 holds a session" in profile.databases()[0].prov.evidence
    assert profile.rewrites()[0].new == 'upstream_db = "postgres://antrian@{db_ip}:5432/antrian"'
    service = profile.services("ksk-app1")[0]
    assert service.start == "systemctl start antrian.service"
    assert service.file == "/etc/systemd/system/antrian.service"


def test_missing_sections_give_open_questions_not_guesses() -> None:
    """The lab's web host without its layout section: the listener is still seen (ss), but what
    starts it and where it lives are open questions, not guesses."""
    raw = (FIXTURES / "lab-kmk-web1.out").read_text()
    start = raw.index(f"{MARKER} layout")
    end = raw.index(f"{MARKER} db-catalog")
    facts = {**lab_facts(), "kmk-web1": facts_of("kmk-web1", "", (raw[:start] + raw[end:]).encode())}
    assert "layout: section missing" in facts["kmk-web1"].warnings
    profile = propose_all(load_estate(LAB), facts)["simpeg-kemenkes"].profile
    service = profile.services("kmk-web1")[0]
    assert (service.init, service.prov.status) == ("none", "needs-review")
    assert "python3 /opt/simpeg-kemenkes/app.py" in service.start
    assert profile.code_paths("kmk-web1") == () and profile.data_paths("kmk-web1") == ()
    assert [q[0] for q in profile.open_questions()] == ["hosts.kmk-web1.services[0]", "health"]
    assert profile.databases()[0].names == ("simpeg_kemenkes",), "the db host's facts still tie the session"


def test_no_listener_and_no_facts_are_named(vendor_proposals) -> None:
    estate = load_estate(VENDOR_ESTATE)
    facts = vendor_facts()
    facts.pop("grt-app1")
    facts.pop("ksk-db1")
    proposals = propose_all(estate, facts)
    assert "ekinerja-garut" not in proposals, "an app none of whose hosts was discovered has no proposal"
    antrian = proposals["antrian-kiosk"]
    assert antrian.notes == (
        "ksk-db1: no facts stored (not discovered); its part of antrian-kiosk is not in the proposal",)
    assert [(d.engine, d.host, d.prov.status) for d in antrian.profile.databases() if not d.is_file] == \
        [("postgresql", "ksk-db1", "needs-review")]
    assert "pid 90 on ksk-app1 is connected to 10.76.64.20:5432" in antrian.profile.databases()[0].prov.reason
    quiet = facts_of("kds-batch1", "10.76.63.11", output(ps="1 0 root 1000 /sbin/init", ss_listen=""))
    profile = propose_all(estate, {**facts, "kds-batch1": quiet})["rekap-desa"].profile
    assert profile.open_questions() == [("health", "nothing listens on port 8090 on kds-batch1")]


HOSTILE = [
    ("a huge line", "L|/var/www/simpatda/x.php:1:" + "A" * 10_000),
    ("dot-dot path", "U|d|root|root||/var/www/../../etc/shadow"),
    ("dot-dot in an fd", "F|l-w|9|/var/www/simpatda/../../../etc/passwd"),
    ("symlink loop reported", "find: File system loop detected; '/srv/a/b' is part of the same loop as '/srv/a'."),
    ("a loop-long path", "U|d|root|root||" + "/srv/loop" * 200),
    ("relative path", "U|d|root|root||srv/x"),
    ("bad pid", "P|-1"),
    ("fd before any process", "F|lrw|3|/srv/early"),
]


def test_a_layout_line_with_control_characters_is_kept_escaped() -> None:
    """Discovery keeps every line (issue 15): the escape sequence arrives as text, never raw."""
    line = "L|/var/www/simpatda/config/database.php:9:'host' => '\x1b[31mevil'"
    raw = PHP_WEB.decode().replace("P\t60\n", line.replace("|", "\t") + "\nP\t60\n", 1)
    facts = facts_of("dpk-web1", "10.76.61.11", raw.encode())
    texts = [c.text for c in facts.layout.config_lines]
    assert not any("\x1b" in t for t in texts), texts
    assert any("[31mevil" in t for t in texts), texts


@pytest.mark.parametrize(("what", "line"), HOSTILE, ids=[h[0] for h in HOSTILE])
def test_hostile_layout_lines_are_dropped_with_a_warning(what: str, line: str) -> None:
    raw = PHP_WEB.decode()
    hostile = raw.replace("P\t60\n", line.replace("|", "\t") + "\nP\t60\n", 1)
    if what == "fd before any process":
        hostile = raw.replace("F\tlrw\t/proc/60/exe", line.replace("|", "\t") + "\nF\tlrw\t/proc/60/exe", 1)
    facts = facts_of("dpk-web1", "10.76.61.11", hostile.encode())
    assert any(w.startswith("layout: line") for w in facts.warnings), f"{what}: no warning in {facts.warnings}"
    paths = [p.path for p in facts.layout.paths] + [c.path for c in facts.layout.config_lines]
    assert not any(".." in p or not p.startswith("/") or len(p) > 1024 for p in paths), what
    assert not any("\x1b" in c.text or len(c.text) > 600 for c in facts.layout.config_lines), what
    estate = load_estate(VENDOR_ESTATE)
    profile = propose_all(estate, {**vendor_facts(), "dpk-web1": facts})["simpatda-depok"].profile
    assert profile.code_paths("dpk-web1") == ("/var/www/simpatda",), what


def test_unclaimed_folders_on_a_single_app_host_are_noted_in_the_proposal(tmp_path: Path) -> None:
    estate = load_estate(VENDOR_ESTATE)
    notes = propose_all(estate, vendor_facts())["simpatda-depok"].notes
    expected = "dpk-web1: folders no package owns and nothing ties to the app: /var/lib/dcc-lab (? KiB); add any that are its"
    assert notes == (expected,)
    write_proposals(estate, tmp_path, vendor_facts())
    text = profile_path(tmp_path, "simpatda-depok", proposed=True).read_text()
    assert "# note: dpk-web1: folders no package owns" in text


def test_a_host_that_hit_its_time_limit_is_named_in_the_warnings() -> None:
    raw = PHP_WEB.decode().replace("P\t60\n", "P\t60\nW\ttime limit reached; the rest left out\n", 1)
    facts = facts_of("dpk-web1", "10.76.61.11", raw.encode())
    assert any("time limit reached" in w for w in facts.warnings), facts.warnings


def test_credentials_never_reach_a_rewrite() -> None:
    raw = PHP_WEB.decode().replace(
        "L\t/var/www/simpatda/config/database.php:7:'database' => 'simpatda',",
        "L\t/var/www/simpatda/config/database.php:7:$dsn = 'mysql://app:hunter2@10.76.61.12/simpatda';")
    facts = {**vendor_facts(), "dpk-web1": facts_of("dpk-web1", "10.76.61.11", raw.encode())}
    profile = propose_all(load_estate(VENDOR_ESTATE), facts)["simpatda-depok"].profile
    masked = [r for r in profile.rewrites() if "mysql://" in r.old]
    assert masked and "hunter2" not in masked[0].old and masked[0].prov.needs_review


def test_proposals_never_overwrite_a_reviewed_profile_and_show_the_difference(tmp_path: Path) -> None:
    estate = load_estate(VENDOR_ESTATE)
    outcomes = {o.app: o for o in write_proposals(estate, tmp_path, vendor_facts())}
    assert set(outcomes) == {"simpatda-depok", "ekinerja-garut", "rekap-desa", "antrian-kiosk"}
    assert outcomes["antrian-kiosk"].questions == 1 and outcomes["rekap-desa"].reviewed is None
    proposal = load_profile(profile_path(tmp_path, "rekap-desa", proposed=True), estate)
    done = reviewed(proposal, None, where="x")
    assert done.reviewed and not any(i.prov.status != "reviewed" for _, i in _entries(done))
    current = write_profile(profile_path(tmp_path, "rekap-desa"), done)
    before = current.read_bytes()
    moved = vendor_facts()
    raw = output(hostname="kds-batch1")  # the status page is gone: nothing listens
    moved["kds-batch1"] = facts_of("kds-batch1", "10.76.63.11", raw)
    again = {o.app: o for o in write_proposals(estate, tmp_path, moved)}["rekap-desa"]
    assert current.read_bytes() == before, "a reviewed profile was rewritten"
    assert again.reviewed == current
    kinds = {(c.field, c.kind) for c in again.changes}
    assert ("hosts.kds-batch1.services", "removed") in kinds and ("health", "changed") in kinds


def test_review_refuses_open_questions(tmp_path: Path) -> None:
    estate = load_estate(VENDOR_ESTATE)
    write_proposals(estate, tmp_path, vendor_facts())
    proposal = load_profile(profile_path(tmp_path, "antrian-kiosk", proposed=True), estate)
    with pytest.raises(Exception, match=r"health: still needs review: no health route found"):
        reviewed(proposal, None, where="antrian-kiosk.proposed.yaml")
