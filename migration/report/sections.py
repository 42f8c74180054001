"""Aggregates behind the report's Estate, Plan and Progress sections.

Pure and sized for the national estate: every function returns per-group counts or top-N
rows (JSON-ready), never one row per app or host, so the dashboard stays small and fast.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from datetime import UTC, datetime
from typing import Any

from migration.report.ledger import latest
from migration.report.sources import STRATEGIES, Sources

STEPS = ("preflight", "backup", "transfer", "deploy", "verify", "cutover", "decommission", "rollback")
# Worst first: an app's cell shows the most alarming status any of its hosts reached.
SEVERITY = ("failed", "rolled_back", "started", "skipped", "changed", "ok")
_RANK = {s: i for i, s in enumerate(SEVERITY)}
NOT_ASSESSED = "not assessed"


def estate_section(src: Sources, top: int = 15) -> dict[str, Any]:
    legacy = [d for d in src.datacenters if d.kind == "legacy"]
    by_prov: dict[str, Counter[int]] = defaultdict(Counter)
    for d in legacy:
        by_prov[d.province][d.tier] += 1
    agencies = Counter(a.agency for a in src.apps)
    plan = src.classes()
    classes = Counter(plan[a.id].strategy if a.id in plan else NOT_ASSESSED for a in src.apps)
    return {
        "datacenters": len(src.datacenters), "legacy_datacenters": len(legacy),
        "hosts": len(src.hosts), "apps": len(src.apps), "agencies": len(src.agencies),
        "dc_by_province": {p: {str(t): n for t, n in sorted(c.items())}
                           for p, c in sorted(by_prov.items(), key=lambda kv: -sum(kv[1].values()))},
        "apps_by_agency_top": [{"agency": a, "name": src.agencies.get(a, a), "apps": n}
                               for a, n in agencies.most_common(top)],
        "apps_by_agency_rest": sum(agencies.values()) - sum(n for _, n in agencies.most_common(top)),
        "apps_by_class": {k: classes[k] for k in (*STRATEGIES, NOT_ASSESSED) if classes[k]},
        "shared_services": shared_services(src, top),
    }


def shared_services(src: Sources, top: int) -> list[dict[str, Any]]:
    """Duplicates the assessment found, grouped by the national service that replaces them."""
    agency = {a.id: a.agency for a in src.apps}
    groups: dict[str, dict[str, Any]] = {}
    for app_id, pa in src.classes().items():
        if pa.strategy not in ("replace", "retire"):
            continue
        g = groups.setdefault(pa.shared_service or "(retired duplicate)",
                              {"replace": 0, "retire": 0, "agencies": set(), "examples": []})
        g[pa.strategy] += 1
        g["agencies"].add(agency.get(app_id, "?"))
        if len(g["examples"]) < 3:
            g["examples"].append(app_id)
    rows = [{"service": s, "replace": g["replace"], "retire": g["retire"], "agencies": len(g["agencies"]),
             "examples": sorted(g["examples"])} for s, g in groups.items()]
    return sorted(rows, key=lambda r: (-(r["replace"] + r["retire"]), r["service"]))[:top]


def plan_section(src: Sources) -> dict[str, Any]:
    if src.plan is None:
        return {"status": "no plan", "waves": []}
    rows, cumulative = [], 0
    for w in src.plan.waves:
        cumulative += len(w.closes)
        rows.append({"number": w.number, "start": w.start.isoformat() if w.start else None,
                     "apps": len(w.apps), "hosts": len(w.hosts), "data_gb": round(w.data_gb, 1),
                     "closes": len(w.closes), "closes_cumulative": cumulative,
                     "closes_sample": list(w.closes[:5])})
    return {"status": "planned", "waves": rows}


def _reason(detail: Any) -> str:
    """The human reason a step or check failed, from the keys the pipeline puts in its detail."""
    if not isinstance(detail, dict):
        return "" if detail is None else str(detail)[:200]
    return _keyed_reason(detail)[:200]


def _keyed_reason(d: dict[str, Any]) -> str:
    for key in ("reason", "error", "msg", "message", "stderr"):
        if d.get(key):
            return str(d[key])
    if isinstance(d.get("failed_hosts"), dict) and d["failed_hosts"]:
        return "; ".join(f"{h}: {m}" for h, m in d["failed_hosts"].items())
    if isinstance(d.get("failed"), list) and d["failed"]:
        return "checks failed: " + ", ".join(map(str, d["failed"]))
    if d.get("gate") and d["gate"] != "passed":
        return f"backup gate: {d['gate']}"
    if "portal_serves" in d:
        return f"portal answered from {d['portal_serves']}"
    if "expected" in d or "got" in d:
        return f"expected {d.get('expected')!r}, got {d.get('got')!r}"
    return json.dumps(d, sort_keys=True, default=str) if d else ""


def progress_section(src: Sources, top: int = 40) -> dict[str, Any]:
    st = src.state
    if not st.steps and not st.runs:
        return {"status": "not started", "waves": [], "apps": [], "apps_total": 0, "problems": [],
                "evidence": [], "runs": [], "backups": _backups(st.backups, top)}
    newest = latest(st.steps)
    return {"status": "started", "waves": _per_wave(newest.values()), **_per_app(newest.values(), top),
            "problems": _problems(st.steps, top), "evidence": _evidence(st.evidence, top),
            "runs": [_run(r) for r in sorted(st.runs, key=lambda r: r.id, reverse=True)[:top]],
            "backups": _backups(st.backups, top)}


def _backups(backups: Any, top: int) -> list[dict[str, Any]]:
    """Each app's newest backup: where its copies are and how long the object lock holds it."""
    newest = {b.app: b for b in backups}  # oldest first, so the last one wins
    rows = [{"app": b.app, "sites": ", ".join(b.sites) or "-", "lock": b.lock_mode or "none",
             "retain_until": _when(b.retain_until) if b.retain_until else "-",
             "verified": b.restore_verified_at is not None, "taken": _when(b.taken_at)}
            for b in newest.values()]
    rows.sort(key=lambda r: (r["lock"] != "none" and r["verified"], r["app"]))  # unlocked or unproven first
    return rows[:top]


def _per_wave(records: Any) -> list[dict[str, Any]]:
    counts: dict[int, dict[str, Counter[str]]] = defaultdict(lambda: defaultdict(Counter))
    for s in records:
        counts[s.wave][s.step][s.status] += 1
    return [{"wave": w, "steps": {step: dict(c) for step, c in sorted(steps.items(), key=lambda kv: _step_i(kv[0]))}}
            for w, steps in sorted(counts.items())]


def _step_i(step: str) -> int:
    return STEPS.index(step) if step in STEPS else len(STEPS)


def _per_app(records: Any, top: int) -> dict[str, Any]:
    worst: dict[tuple[str, str], int] = {}  # (app, step) -> rank of the worst status on any host
    waves: dict[str, int] = {}
    for s in records:
        rank, key = _RANK.get(s.status, len(SEVERITY)), (s.app, s.step)
        if rank < worst.get(key, len(SEVERITY) + 1):
            worst[key] = rank
        waves[s.app] = s.wave
    cells: dict[str, dict[str, int]] = defaultdict(dict)
    for (app, step), rank in worst.items():
        cells[app][step] = rank
    # Apps in trouble first, so a national run's top-N table shows what needs attention.
    order = sorted(cells, key=lambda a: (min(cells[a].values()), waves[a], a))
    rows = [{"app": a, "wave": waves[a], "steps": {st: _name(r) for st, r in cells[a].items()}} for a in order[:top]]
    return {"apps": rows, "apps_total": len(cells)}


def _name(rank: int) -> str:
    return SEVERITY[rank] if rank < len(SEVERITY) else "unknown"


def _problems(steps: Any, top: int) -> list[dict[str, Any]]:
    # A rollback re-marks deploy/verify/cutover as rolled_back with no detail; the rollback row says it.
    bad = [s for s in steps if s.status == "failed" or (s.step == "rollback" and s.status != "started")]
    bad.sort(key=lambda s: s.at, reverse=True)
    return [{"at": _when(s.at), "wave": s.wave, "app": s.app, "host": s.host,
             "step": s.step, "status": s.status, "reason": _reason(s.detail)} for s in bad[:top]]


def _evidence(evidence: Any, top: int) -> list[dict[str, Any]]:
    per: dict[tuple[str, str], list[Any]] = defaultdict(list)
    for e in evidence:
        per[(e.app, e.host)].append(e)
    rows = []
    for (app, host), items in per.items():
        failed = [e for e in items if not e.passed]
        rows.append({"app": app, "host": host, "checks": len(items), "passed": len(items) - len(failed),
                     "failed": [f"{e.check}: {_reason(e.detail)}".rstrip(": ") for e in failed][:5],
                     "at": _when(max(e.at for e in items))})
    rows.sort(key=lambda r: (r["passed"] == r["checks"], r["app"], r["host"]))
    return rows[:top]


def _run(r: Any) -> dict[str, Any]:
    return {"id": r.id, "wave": r.wave, "status": r.status or "running",
            "started": _when(r.started_at), "ended": _when(r.ended_at) if r.ended_at else None}


def _when(at: datetime) -> str:
    """UTC, to the second, readable in a table cell."""
    return at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")
