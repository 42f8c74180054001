"""A known lab scenario for the report tests: the lab inventory, a hand-made plan and a real
SQLite journal with known runs, steps, evidence and backups; plus the figures it must give.

The report unit tests and the browser test build it from here.
"""

from __future__ import annotations

import json
from pathlib import Path

from migration.state import StateStore

LAB = Path(__file__).resolve().parents[2] / "inventory" / "lab"

PLAN = {
    "format": 1, "estate": "lab", "inventory_digest": "",  # set to the lab's digest by build_scenario
    "apps": {
        "arsip-kemenkes": {"strategy": "rehost", "rule": "R1: files app", "shared_service": None, "move_group": "mg-1", "wave": 1},
        "simpeg-kemenkes": {"strategy": "rehost", "rule": "R1", "shared_service": None, "move_group": "mg-2", "wave": 2},
        "sehat-api": {"strategy": "replatform", "rule": "R2: stateless api", "shared_service": None, "move_group": "mg-2", "wave": 2},
        "perizinan-jabar": {"strategy": "rehost", "rule": "R1", "shared_service": None, "move_group": "mg-3", "wave": 2},
        "payroll-bogor": {"strategy": "rehost", "rule": "R1", "shared_service": None, "move_group": "mg-4", "wave": 3},
        "eoffice-jabar": {"strategy": "replace", "rule": "S1: national e-office", "shared_service": "srikandi", "move_group": None, "wave": None},
        "eoffice-bogor": {"strategy": "replace", "rule": "S1: national e-office", "shared_service": "srikandi", "move_group": None, "wave": None},
        "lapor-jabar": {"strategy": "replace", "rule": "S2: national complaints", "shared_service": "sp4n-lapor", "move_group": None, "wave": None},
        "lapor-bogor": {"strategy": "retire", "rule": "D1: duplicate of lapor-jabar", "shared_service": "sp4n-lapor", "move_group": None, "wave": None},
    },
    "move_groups": [],
    "waves": [
        {"number": 1, "start": "2027-01-04", "move_groups": ["mg-1"], "apps": ["arsip-kemenkes"],
         "hosts": [{"source": "kmk-files1", "target": "pdn-t03", "app": "arsip-kemenkes"}], "data_gb": 180.0,
         "closes_datacenters": []},
        {"number": 2, "start": "2027-01-11", "move_groups": ["mg-2", "mg-3"],
         "apps": ["simpeg-kemenkes", "sehat-api", "perizinan-jabar"],
         "hosts": [{"source": h, "target": "pdn-t01", "app": "x"} for h in ("kmk-web1", "kmk-db1", "kmk-api1", "jbr-app1")],
         "data_gb": 42.1, "closes_datacenters": ["dc-kemenkes-jkt", "dc-jabar-bdg"]},
        {"number": 3, "start": "2027-01-18", "move_groups": ["mg-4"], "apps": ["payroll-bogor"],
         "hosts": [{"source": "bgr-web1", "target": "pdn-t08", "app": "payroll-bogor"}], "data_gb": 8.0,
         "closes_datacenters": ["dc-bogor"]},
    ],
}

FULL = ("preflight", "backup", "transfer", "deploy", "verify", "cutover", "decommission")

# key -> (value, planned, total): worked out by hand from the journal below and the cost model.
EXPECTED = {
    "datacenters_closed": (1, 3, 3),  # only dc-jabar-bdg: kmk-api1 (sehat-api) rolled back, Bogor not started
    "apps_migrated": (3, 5, 9),  # arsip, simpeg, perizinan; sehat-api rolled back
    "apps_retired": (0, 1, 9),
    "apps_replaced": (2, 3, 9),  # eoffice-jabar, lapor-jabar
    "servers_retired": (6, 10, 10),  # kmk-files1, kmk-web1, kmk-db1, jbr-app1, jbr-web1, jbr-api1
    "shared_cloud_share": (5 / 9, 8 / 9, 1.0),
    # 1 250 M (dc-jabar-bdg) + 3 x 45 M loose Kemenkes servers - 3 x 60 M cloud - 2 x 15 M shared service
    # plan: 3 100 M + 1 250 M + 640 M - 5 x 60 M - 3 x 15 M
    "annual_savings_idr": (1_175_000_000, 4_645_000_000, None),
    "backups_restorable": (3 / 5, 1.0, 1.0),  # arsip, simpeg, perizinan verified; sehat-api, payroll-bogor not
}


def _journal(store: StateStore) -> None:
    r1 = store.start_run("lab", 1)
    for step in FULL:
        store.record_step(r1, 1, "arsip-kemenkes", "kmk-files1", step, "started")
        store.record_step(r1, 1, "arsip-kemenkes", "kmk-files1", step, "changed" if step != "verify" else "ok")
    store.add_evidence(r1, "arsip-kemenkes", "pdn-t03", "health", True, {"status": 200})
    store.finish_run(r1, "succeeded")
    r2 = store.start_run("lab", 2)
    for app, hosts in (("simpeg-kemenkes", ("kmk-web1", "kmk-db1")), ("perizinan-jabar", ("jbr-app1",))):
        for host in hosts:
            for step in FULL:
                store.record_step(r2, 2, app, host, step, "ok")
        store.add_evidence(r2, app, "pdn-t01", "health", True, {"status": 200})
    for step in FULL[:4]:
        store.record_step(r2, 2, "sehat-api", "kmk-api1", step, "ok")
    store.add_evidence(r2, "sehat-api", "pdn-t04", "health", False, {"reason": "GET /health returned 503"})
    store.record_step(r2, 2, "sehat-api", "kmk-api1", "verify", "failed", {"reason": "GET /health returned 503"})
    store.record_step(r2, 2, "sehat-api", "kmk-api1", "rollback", "rolled_back", {"reason": "verify failed"})
    for app, host in (("eoffice-jabar", "jbr-web1"), ("lapor-jabar", "jbr-api1")):
        store.record_step(r2, 2, app, host, "cutover", "changed", {"to": "shared service"})
        store.record_step(r2, 2, app, host, "decommission", "changed")
    store.finish_run(r2, "partial")


def _backups(store: StateStore) -> None:
    for app in ("arsip-kemenkes", "simpeg-kemenkes", "perizinan-jabar", "sehat-api"):
        store.record_backup(app, "dcc-backups", f"{app}/1", "ab" * 32, 3, 1024)
    for app, host in (("arsip-kemenkes", "pdn-t03"), ("simpeg-kemenkes", "pdn-t01"), ("perizinan-jabar", "pdn-t06")):
        store.mark_restore_verified(app, host)


def build_scenario(tmp: Path) -> tuple[Path, str]:
    """Write the plan and a real SQLite journal under tmp; returns (plan path, state URL)."""
    from migration.inventory import load_estate

    plan = tmp / "plan.json"  # bound to the lab inventory, as `dcc plan` would write it
    bound = {**PLAN, "inventory_digest": load_estate(LAB).digest}
    plan.write_text(json.dumps(bound, sort_keys=True), encoding="utf-8")
    url = f"sqlite:///{tmp / 'state.sqlite'}"
    with StateStore.open(url) as store:
        _journal(store)
        _backups(store)
    return plan, url

