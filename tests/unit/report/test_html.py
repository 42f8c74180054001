"""The dashboard file: self-contained, complete, honest when nothing has started, written atomically."""

from __future__ import annotations

import json
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

from migration.report import build_report, load_cost_model, load_sources, render_html
from tests.support.report_scenario import EXPECTED, LAB, build_scenario

EXTERNAL = ("http://", "https://", "//", "ftp://")


class _Refs(HTMLParser):
    """Every src/href attribute and every <script>/<link> tag on the page."""

    def __init__(self) -> None:
        super().__init__()
        self.refs: list[tuple[str, str, str]] = []
        self.scripts = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.scripts += tag == "script"
        self.refs += [(tag, k, v or "") for k, v in attrs if k in ("src", "href", "srcset", "data", "action")]


@pytest.fixture(scope="module")
def scenario_dir(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    return build_scenario(tmp_path_factory.mktemp("scenario"))


@pytest.fixture(scope="module")
def html(scenario_dir) -> str:
    plan, url = scenario_dir
    return render_html(build_report(load_sources(LAB, plan, url), load_cost_model()))


def test_nothing_on_the_page_comes_from_the_network(html: str) -> None:
    parser = _Refs()
    parser.feed(html)
    external = [r for r in parser.refs if r[2].strip().lower().startswith(EXTERNAL)]
    assert not external, f"expected no external src/href, found {external[:5]}"
    assert "@import" not in html.split("<body", 1)[0].split("<script", 2)[0], "CSS must not @import anything"


def test_plotly_bundle_is_embedded_exactly_once(html: str) -> None:
    from plotly.offline import get_plotlyjs

    bundle = get_plotlyjs()
    assert html.count(bundle[:200]) == 1, "expected the plotly.js bundle inline exactly once"
    assert html.count("Plotly.newPlot(") >= 6, "expected one newPlot call per chart"


@pytest.mark.parametrize("fragment", [
    'id="kpi-datacenters_closed"', 'id="kpi-backups_restorable"', 'id="chart-dc_by_province"',
    'id="chart-waves"', 'id="chart-step_status"', 'id="chart-backups"', "GET /health returned 503",
    "sp4n-lapor", "srikandi", "Definition history", "def v1", "Rp 1.18 bn",
    "Waves: newest status of each step", '<span class="st st-failed">1 failed</span>',
])
def test_sections_show_the_scenario(html: str, fragment: str) -> None:
    assert fragment in html, f"expected {fragment!r} on the page"


def test_no_plan_and_no_journal_still_renders_with_not_started(tmp_path: Path) -> None:
    from tests.support.inventory import lab_copy

    # A copy: the demo may have left a real journal in inventory/lab/state.
    estate = lab_copy(tmp_path)
    page = render_html(build_report(load_sources(estate, None, None), load_cost_model()))
    assert "Not planned yet" in page and "Not started: the state store has no runs yet." in page
    assert 'id="chart-dc_by_province"' in page  # the estate is known even before any plan
    assert "SP4N-LAPOR" in page and "from <code>dcc assess</code> rules" in page  # classes from assessment
    assert not (estate / "state").exists(), "reading an absent store must not create one"


def _dcc(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "migration", "report", *args], check=False,
                          capture_output=True, text=True, timeout=120)


def test_cli_writes_html_and_prints_the_same_figures_as_json(scenario_dir, tmp_path: Path) -> None:
    plan, url = scenario_dir
    out = tmp_path / "r" / "report.html"
    run = _dcc("--estate", str(LAB), "--plan", str(plan), "--state", url, "--out", str(out), "--json")
    assert run.returncode == 0, run.stderr
    doc = json.loads(run.stdout)
    got = {k["key"]: (k["value"], k["planned"], k["total"]) for k in doc["kpis"]}
    assert doc["figures"] == {k: v[0] for k, v in got.items()}
    for key, want in EXPECTED.items():
        assert got[key] == pytest.approx(want), f"{key}: JSON has {got[key]}, expected {want}"
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert str(out) in run.stderr and [p.name for p in out.parent.iterdir()] == ["report.html"]


def test_cli_user_mistake_is_one_line_and_writes_nothing(tmp_path: Path) -> None:
    bad = tmp_path / "plan.json"
    bad.write_text('{"format": 1, "estate": "lab", "apps": {"x": {"strategy": "teleport"}}}', encoding="utf-8")
    out = tmp_path / "report.html"
    run = _dcc("--estate", str(LAB), "--plan", str(bad), "--out", str(out))
    assert run.returncode == 2, run.stderr
    assert run.stderr.strip().count("\n") == 0 and "apps.x" in run.stderr and "Traceback" not in run.stderr
    assert not out.exists() and list(tmp_path.iterdir()) == [bad]


@pytest.mark.parametrize(("value", "unit", "shown"), [
    (1_175_000_000, "idr", "Rp 1.18 bn"), (150_290_000_000, "idr", "Rp 150 bn"), (2.68e12, "idr", "Rp 2.68 T"),
    (-135e6, "idr", "-Rp 135 M"), (0, "idr", "Rp 0"), (2e6, "idr", "Rp 2 M"), (5 / 9, "ratio", "55.6%"), (7917, "count", "7,917"),
])
def test_figures_are_formatted_for_people(value: float, unit: str, shown: str) -> None:
    from migration.report.render import fmt_number

    assert fmt_number(value, unit) == shown


@pytest.mark.parametrize(("detail", "reason"), [
    (None, ""),
    ({"reason": "GET /health returned 503"}, "GET /health returned 503"),
    ({"error": "ssh: connection refused", "reason": ""}, "ssh: connection refused"),
    ({"failed_hosts": {"kmk-web1": "unreachable", "kmk-db1": "disk full"}}, "kmk-web1: unreachable; kmk-db1: disk full"),
    ({"checks": 6, "failed": ["health", "data_sha256"]}, "checks failed: health, data_sha256"),
    ({"gate": "manifest mismatch"}, "backup gate: manifest mismatch"),
    ({"portal_serves": "kmk-web1"}, "portal answered from kmk-web1"),
    ({"expected": 200, "got": 503}, "expected 200, got 503"),
    ({"x": 1}, '{"x": 1}'),
    ({"error": "e" * 500}, "e" * 200),
])
def test_failure_reasons_come_from_the_pipeline_detail(detail, reason: str) -> None:
    from migration.report.sections import _reason

    assert _reason(detail) == reason


@pytest.mark.parametrize(("args", "code", "says"), [
    (["--state", "sqlite:///{tmp}/none.sqlite"], 7, "no state store yet"),
    (["--previous", "{tmp}/old.json"], 2, "previous report not found"),
])
def test_cli_bad_inputs_exit_with_their_code(tmp_path: Path, args: list[str], code: int, says: str) -> None:
    out = tmp_path / "report.html"
    run = _dcc("--estate", str(LAB), "--out", str(out), *[a.format(tmp=tmp_path) for a in args])
    assert (run.returncode, run.stderr.count("\n")) == (code, 1), run.stderr
    assert says in run.stderr and not out.exists()


def test_a_big_estate_is_aggregated_not_listed() -> None:
    """3,000 apps, each failed once: tables stay top-N, the page does not grow with the estate."""
    from datetime import UTC, datetime

    from migration.report.sources import (
        AppView,
        DcView,
        HostView,
        PlanApp,
        PlanView,
        Sources,
        StateView,
        WaveView,
    )
    from migration.state import StepRecord

    n, t0 = 3000, datetime(2027, 1, 4, tzinfo=UTC)
    apps = tuple(AppView(f"app-{i}", f"App {i}", f"ag-{i % 97}", "payroll", "low", 1.0, (f"h-{i}",)) for i in range(n))
    src = Sources(
        "big", {f"ag-{i}": f"Agency {i}" for i in range(97)},
        tuple(DcView(f"dc-{i}", "", f"ag-{i}", f"P{i % 38}", i % 5, "legacy", None) for i in range(300)),
        tuple(HostView(f"h-{i}", f"dc-{i % 300}", "legacy") for i in range(n)), apps,
        PlanView({a.id: PlanApp("rehost", "r", None, 1) for a in apps},
                 (WaveView(1, None, tuple(a.id for a in apps), tuple(f"h-{i}" for i in range(n)), n, ()),)),
        StateView(steps=tuple(StepRecord(1, 1, a.id, a.hosts[0], "verify", "failed", t0, {"error": "boom"})
                              for a in apps)))
    r = build_report(src, load_cost_model())
    assert len(r.progress_section["apps"]) == 40 and r.progress_section["apps_total"] == n
    assert len(r.progress_section["problems"]) == 40 and len(r.estate_section["apps_by_agency_top"]) == 15
    page = render_html(r)
    assert page.count("app-2999") <= 1 and page.count("<tr>") < 400, "expected top-N tables, not one row per app"
