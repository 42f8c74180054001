"""Pure pipeline logic: plan reading, wave moves, batching and per-phase job lists (no network)."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from migration.errors import InputError
from migration.execution import jobs as J
from migration.execution.layout import layout_of
from migration.execution.wave import AppMove, batches, read_plan, retirements, wave_moves
from migration.inventory import load_estate
from migration.profile import CronEntry, Database, load_profiles
from tests.support.appmoves import move

LAB = Path(__file__).resolve().parents[3] / "inventory" / "lab"


def svc(app: str) -> list[str]:
    """The profile's one service of `app`, as dcc-app.sh reads it (name, init, start, stop, check),
    then its cron files (none)."""
    init = f"/etc/init.d/{app}d"
    return ["1", f"{app}d", "sysv", f"{init} start", f"{init} stop", f"{init} status", "0"]


def plan_file(tmp_path: Path, waves: list[dict]) -> Path:
    """A hand-made plan for the lab estate, in the full plan format (docs/plan-format.md)."""
    path = tmp_path / "plan.json"
    path.write_text(json.dumps({"format": 1, "estate": "lab", "inventory_digest": load_estate(LAB).digest,
                                "apps": {}, "move_groups": [],
                                "waves": [{"start": "2027-01-04", **w} for w in waves]}))
    return path


@pytest.mark.parametrize(("sizes", "limit", "expected"), [
    ([1, 1, 1], 2, [2, 1]),
    ([2, 1, 1], 2, [1, 2]),
    ([3], 2, [1]),            # an app larger than a batch still moves, alone
    ([1, 1, 1, 1, 1], 5, [5]),
    ([], 5, []),
])
def test_batches_keep_an_apps_hosts_together(sizes, limit, expected):
    moves = [move(f"a{i}", tuple(f"h{i}-{j}" for j in range(n))) for i, n in enumerate(sizes)]
    assert [len(b) for b in batches(moves, limit)] == expected


@pytest.mark.parametrize(("content", "fragment"), [
    ("{", "malformed JSON"),
    ('{"format": 2, "waves": []}', "unsupported plan format 2"),
    ('{"format": 1}', "missing key"),
])
def test_bad_plan_files_are_named(tmp_path, content, fragment):
    path = tmp_path / "plan.json"
    path.write_text(content)
    with pytest.raises(InputError) as err:
        read_plan(path)
    assert fragment in err.value.line() and str(path) in err.value.line()


def test_missing_wave_and_unknown_app_are_user_errors(tmp_path):
    estate = load_estate(LAB)
    path = plan_file(tmp_path, [{"number": 1, "apps": ["nope"], "hosts": []}])
    with pytest.raises(InputError, match="no wave 3"):
        wave_moves(estate, read_plan(path), 3, path)
    with pytest.raises(InputError, match="'nope' is not in the estate"):
        wave_moves(estate, read_plan(path), 1, path)


def test_web_db_app_moves_its_web_and_db_hosts(tmp_path):
    estate = load_estate(LAB)
    pairs = [{"source": "kmk-web1", "target": "pdn-t01", "app": "simpeg-kemenkes"},
             {"source": "kmk-db1", "target": "pdn-t02", "app": "simpeg-kemenkes"}]
    path = plan_file(tmp_path, [{"number": 1, "apps": ["simpeg-kemenkes"], "hosts": pairs}])
    [m] = wave_moves(estate, read_plan(path), 1, path)
    m = replace(m, profile=load_profiles(LAB)["simpeg-kemenkes"])  # as the session attaches it
    assert (m.primary[0].id, m.primary[1].id) == ("kmk-web1", "pdn-t01")
    assert m.db is not None and (m.db[0].id, m.db[1].id) == ("kmk-db1", "pdn-t02")
    assert m.sources == ("kmk-web1", "kmk-db1")
    [db] = m.databases
    assert (db.engine, db.name, db.owner, db.pair, db.script) == (
        "postgresql", "simpeg_kemenkes", "simpeg_kemenkes", m.db, "dcc-postgresql.sh")
    assert m.backup_prefix("lab", "20270104T000000Z") == "lab/simpeg-kemenkes/wave-1/20270104T000000Z"


@pytest.mark.parametrize(("builder", "hosts"), [
    (lambda ms: J.preflight(ms), {"s", "t-s", "db1", "tdb1"}),
    # The portal's route gets its maintenance answer, the source is frozen, the database dumped.
    (lambda ms: J.backup(ms), {"pdn-portal", "s", "db1"}),
    (lambda ms: J.backup(ms, maintenance=False), {"s", "db1"}),
    (lambda ms: J.restore(ms, {"app": "d"}), {"t-s", "tdb1"}),
    (lambda ms: J.deploy(ms), {"t-s"}),
    (lambda ms: J.route(ms, to_source=False), {"pdn-portal"}),
    # the source database closes; every host forgets the transfer's copies
    (lambda ms: J.decommission(ms, 30, date(2027, 1, 4)), {"s", "db1", "t-s", "tdb1"}),
    (lambda ms: J.rollback(ms), {"db1", "s", "t-s", "pdn-portal"}),
])
def test_each_phase_touches_only_its_hosts(builder, hosts):
    assert set(builder([move("app", ("s",), db=True)])) == hosts


def test_backup_freezes_every_source_before_the_dump():
    jobs = J.backup([move("app", ("s",), db=True)])
    assert jobs["s"] == [{"kind": "freeze", "app": "app", "argv": ["freeze", "app", *svc("app")]}]
    assert [j["kind"] for j in jobs["db1"]] == ["dump"]


def test_route_points_at_target_or_back_at_source():
    m = move("app", ("s",))
    assert J.route([m], to_source=False)["pdn-portal"][0]["backend"] == "10.77.10.1"
    assert J.route([m], to_source=True)["pdn-portal"][0]["backend"] == "10.77.1.1"


def _lab_move(tmp_path: Path, app: str, pairs: list[tuple[str, str]]) -> AppMove:
    hosts = [{"source": s, "target": t, "app": app} for s, t in pairs]
    path = plan_file(tmp_path, [{"number": 1, "apps": [app], "hosts": hosts}])
    [m] = wave_moves(load_estate(LAB), read_plan(path), 1, path)
    return replace(m, profile=load_profiles(LAB)[app])


def rewrites_of(job: dict) -> list[str]:
    """The (file old new) triples of a dcc-app.sh `deploy` item."""
    argv = job["argv"]
    at = 3 + 1 + 5 * int(argv[3])  # verb app incoming, then the services
    for _ in range(3):  # the cron files, the tree, then the data folders
        at += 1 + int(argv[at])
    return argv[at + 1:at + 1 + 3 * int(argv[at])]


@pytest.mark.parametrize(("app", "pairs", "moved", "expected"), [
    # the database host written in the app's config follows the database to its target
    ("simpeg-kemenkes", [("kmk-web1", "pdn-t01"), ("kmk-db1", "pdn-t02")], {},
     ["/etc/simpeg-kemenkes/app.conf", "DB_HOST=kmk-db1", "DB_HOST=pdn-t02"]),
    # peers follow only once they have moved: one moved, the other not, leaves the line as it is
    ("lapor-jabar", [("jbr-api1", "pdn-t07")], {"jbr-web1": "pdn-t05"}, []),
    ("lapor-jabar", [("jbr-api1", "pdn-t07")], {"jbr-web1": "pdn-t05", "jbr-app1": "pdn-t06"},
     ["/etc/lapor-jabar/app.conf", "PEERS=http://jbr-web1:8081,http://jbr-app1:8080",
      "PEERS=http://pdn-t05:8081,http://pdn-t06:8080"]),
])
def test_deploy_applies_the_profiles_config_rewrites(tmp_path, app, pairs, moved, expected):
    m = _lab_move(tmp_path, app, pairs)
    [job] = J.deploy([m], moved)[m.primary[1].id]
    assert rewrites_of(job) == expected


def test_a_failback_deploy_puts_the_legacy_lines_back(tmp_path):
    m = _lab_move(tmp_path, "simpeg-kemenkes", [("kmk-web1", "pdn-t01"), ("kmk-db1", "pdn-t02")])
    [job] = J.deploy([m.reversed()], {})["kmk-web1"]
    assert rewrites_of(job) == ["/etc/simpeg-kemenkes/app.conf", "DB_HOST=pdn-t02", "DB_HOST=kmk-db1"]


def test_decommission_records_retention_until():
    [job, forget] = J.decommission([move("app", ("s",))], 30, date(2027, 1, 4))["s"]
    assert forget == {"kind": "forget", "app": "app",
                      "paths": ["/var/lib/dcc/staging/app", "/var/lib/dcc/incoming/app"]}
    assert job == {"kind": "app", "app": "app",
                   "argv": ["retire", "app", "2027-02-03", "20270104", *svc("app"), "1", "/var/lib/app"]}


def test_a_failback_starts_and_stops_the_services_of_the_legacy_layout_on_either_side():
    back = move("app", ("s",)).reversed()  # from t-s (the target that served) to s
    jobs = J.rollback([back])
    assert jobs["t-s"] == [{"kind": "start", "app": "app", "argv": ["start", "app", *svc("app"), "1", "/var/lib/app"]}]
    assert jobs["s"] == [{"kind": "stop", "app": "app", "argv": ["stop", "app", *svc("app")]}]


def test_decommission_closes_the_source_database_and_rollback_reopens_it_first():
    m = move("app", ("s",), db=True)
    decom = J.decommission([m], 30, date(2027, 1, 4))
    assert decom[m.db[0].id][:1] == [{
        "kind": "db", "app": "app", "key": "app:db:0", "script": "dcc-postgresql.sh",
        "argv": ["close", "app", "app_db", "/var/lib/dcc-retained", "2027-02-03", "20270104", "/var/lib/dcc/frozen"]}]
    back = J.rollback([m])
    assert back[m.db[0].id][0] == {"kind": "reopen", "app": "app", "key": "app:db:0", "script": "dcc-postgresql.sh",
                                   "argv": ["thaw", "app_db", "/var/lib/dcc/frozen"]}


def _replaced_plan(tmp_path: Path) -> dict:
    path = plan_file(tmp_path, [{"number": 1, "apps": [], "hosts": []}, {"number": 2, "apps": [], "hosts": []}])
    plan = read_plan(path)
    plan["apps"] = {"lapor-bogor": {"strategy": "replace", "shared_service": "SP4N-LAPOR", "wave": None},
                    "sehat-api": {"strategy": "rehost", "shared_service": None, "wave": 1}}
    return plan


def test_replaced_apps_retire_in_wave_one_only(tmp_path):
    estate, plan = load_estate(LAB), _replaced_plan(tmp_path)
    [m] = retirements(estate, plan, 1)
    assert (m.app, m.retiring, m.shared_service, m.sources) == ("lapor-bogor", True, "SP4N-LAPOR", ("bgr-old1",))
    assert m.steps == ("backup", "verify", "cutover", "decommission")
    assert retirements(estate, plan, 2) == []


def test_a_retiring_app_is_frozen_then_redirected_and_has_no_target_work(tmp_path):
    [m] = retirements(load_estate(LAB), _replaced_plan(tmp_path), 1)
    m = replace(m, profile=load_profiles(LAB)["lapor-bogor"])  # as the session attaches it
    assert J.route([m], to_source=False)["pdn-portal"][0]["redirect"] == "sp4n-lapor"
    assert "redirect" not in J.route([m], to_source=True)["pdn-portal"][0]
    # Its backup is the last copy of its data: nothing may write to it after the freeze.
    init = "/etc/init.d/lapor-bogor"
    assert J.backup([m])["bgr-old1"] == [{"kind": "freeze", "app": "lapor-bogor", "argv": [
        "freeze", "lapor-bogor", "1", "lapor-bogor", "sysv", f"{init} start", f"{init} stop", f"{init} status", "0"]}]
    assert J.preflight([m]) == {} and J.deploy([m]) == {}
    assert [j["kind"] for j in J.rollback([m])["bgr-old1"]] == ["start"], "a rollback must not stop the source"
    assert set(J.decommission([m], 30)) == {"bgr-old1"}


def test_backup_gives_every_frozen_app_the_portals_own_maintenance_answer():
    moving, leaving = move("a", ("s",)), move("r", ("old",))
    leaving = AppMove(**{**leaving.__dict__, "retiring": True})
    jobs = J.backup([moving, leaving])
    assert [(j["app"], j["kind"], j["mode"]) for j in jobs["pdn-portal"]] == [
        ("a", "route", "maintenance"), ("r", "route", "maintenance")]
    assert jobs["s"] == [{"kind": "freeze", "app": "a", "argv": ["freeze", "a", *svc("a")]}]
    assert jobs["old"] == [{"kind": "freeze", "app": "r", "argv": ["freeze", "r", *svc("r")]}]


def _with(m: AppMove, **layout: object) -> AppMove:
    """`m` whose profile's first host layout has the fields `layout` (and `databases_` if given)."""
    assert m.profile is not None
    dbs = layout.pop("databases_", m.profile.databases_)
    first = replace(m.profile.layouts[0], **layout)
    return replace(m, profile=replace(m.profile, layouts=(first, *m.profile.layouts[1:]), databases_=dbs))


@pytest.mark.parametrize(("change", "where", "fragment"), [
    ({"databases_": (Database("sqlite", "s", (), "app", None, "/opt/app/app.db"),)},
     "profiles/app.yaml: databases[0].path", "is in none of the data folders of s"),
    ({"databases_": (Database("postgresql", "elsewhere", ("x",), "x", 5432),)},
     "profiles/app.yaml: databases[0].host", "'elsewhere' is none of the app's hosts"),
    ({"cron": (CronEntry("root", "* * * * *", "/usr/local/bin/x", "crontab"),)},
     "profiles/app.yaml: hosts.s.cron[0].source", "cannot move without the host's other jobs"),
])
def test_a_profile_the_pipeline_cannot_carry_out_is_refused_naming_the_field(change, where, fragment):
    m = _with(move("app", ("s",)), **change)
    with pytest.raises(InputError) as caught:
        m.databases  # noqa: B018
        layout_of(m)
    assert caught.value.where == where and fragment in caught.value.line()


def test_every_database_has_its_own_engine_job_on_the_host_that_holds_it():
    m = _with(move("app", ("s",), db=True), databases_=(
        Database("mariadb", "db1", ("shop", "audit"), "shop_app", 3306),
        Database("sqlite", "s", (), "app", None, "/var/lib/app/app.db")))
    dumps = {host: [(j["script"], j["argv"][:2]) for j in items if j["kind"] == "dump"]
             for host, items in J.backup([m], maintenance=False).items()}
    assert dumps == {"s": [("dcc-filedb.sh", ["dump", "/var/lib/app/app.db"])],
                     "db1": [("dcc-mariadb.sh", ["dump", "shop"]), ("dcc-mariadb.sh", ["dump", "audit"])]}
    restore = J.restore([m], {"app": "d" * 64})
    assert [(j["kind"], j["argv"][:2]) for j in restore["tdb1"]] == [
        ("access", ["access", "shop"]), ("db", ["restore", "shop"]), ("db", ["restore", "audit"])]
    # The file database is checked only once its data folder is in place.
    assert [j["kind"] for j in restore["t-s"]] == ["app", "filedb"]
    # Only server databases are closed by a decommission and reopened by a rollback.
    assert [j["argv"][0] for j in J.decommission([m], 30)["db1"] if j["kind"] == "db"] == ["close", "close"]
    assert not [j for j in J.decommission([m], 30)["s"] if j["kind"] == "db"]


def test_every_service_host_of_the_app_gets_into_its_database_once_moved():
    # Two web hosts share one database: each target needs its own account and access line, or the
    # second one is refused by the database as soon as it takes requests.
    m = move("app", ("w1", "w2"), db=True)
    restore = J.restore([m], {"app": "d" * 64})["tdb1"]
    access = next(j for j in restore if j["kind"] == "access")
    assert access["argv"] == ["access", "app_db", "app_owner", "10.77.10.1", "app_db", "app_owner", "10.77.10.2"]
    loaded = next(j for j in restore if j["kind"] == "db")
    assert loaded["argv"][4] == "10.77.10.1,10.77.10.2"
    # A failback: the clients are the sources the app returns to.
    back = J.restore([_failed_back(m)], {"app": "d" * 64})["db1"]
    assert next(j for j in back if j["kind"] == "db")["argv"][4] == "10.77.1.1,10.77.1.2"


def _failed_back(m: AppMove) -> AppMove:
    return replace(m, failback=True, web=tuple((t, s) for s, t in m.web), db=(m.db[1], m.db[0]) if m.db else None)
