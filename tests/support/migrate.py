"""Helpers for the pipeline's integration tests: a plan for a lab estate, an S3 server, a session.

Not a test module. The plan is written here (format in docs/plan-format.md) so the pipeline
tests pin exactly which apps move in which wave, independent of the planner's choices.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from migration.execution.orchestrator import WaveReport, migrate_wave
from migration.execution.session import Inputs, Session, open_session
from migration.inventory import load_estate

# bgr-old1 has no pinned target: it shares pdn-t09 (its app uses another port).
FALLBACK_TARGETS = {"bgr-old1": "pdn-t09"}


def write_plan(estate_dir: Path, waves: list[list[str]], path: Path,
               replaced: dict[str, str] | None = None) -> Path:
    """A plan moving `waves[i]` (app ids) in wave i+1, each host to its pinned target; `replaced`
    maps apps to the shared service replacing them (strategy replace, in no wave, as the planner writes)."""
    estate = load_estate(estate_dir)
    out: dict[str, Any] = {"format": 1, "estate": estate.name, "inventory_digest": estate.digest,
                           "apps": {}, "move_groups": [], "waves": []}
    for app_id, service in (replaced or {}).items():
        out["apps"][app_id] = {"strategy": "replace", "rule": "test", "shared_service": service,
                               "move_group": None, "wave": None}
    for number, apps in enumerate(waves, start=1):
        pairs = []
        for app_id in apps:
            out["apps"][app_id] = {"strategy": "rehost", "rule": "test", "shared_service": None,
                                   "move_group": None, "wave": number}
            for host in estate.apps[app_id].all_hosts:
                target = estate.hosts[host].target or FALLBACK_TARGETS[host]
                pairs.append({"source": host, "target": target, "app": app_id})
        out["waves"].append({"number": number, "start": "2027-01-04", "move_groups": [], "apps": apps,
                             "hosts": pairs, "data_gb": 0.0, "closes_datacenters": []})
    path.write_text(json.dumps(out, indent=1, sort_keys=True))
    return path


def session_for(estate_dir: Path, plan: Path, endpoint: str, work: Path | None = None) -> Session:
    return open_session(Inputs(estate_dir, plan, endpoint, "dcc-backups", None, work))


def run_wave(session: Session, wave: int, **kwargs: Any) -> WaveReport:
    """Run one wave through the library entry point (the CLI test drives `dcc migrate` itself)."""
    hook = kwargs.pop("hook", None)
    run_id = session.store.start_run(session.estate.name, wave)
    ctx = session.context(run_id, wave=wave, hook=hook)
    report = migrate_wave(ctx, session.moves(wave), **kwargs)
    session.store.finish_run(run_id, report.status)
    return report
