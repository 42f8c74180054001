"""The lab dashboard in a real headless Chromium: the charts render and no script error is logged.

Uses Debian's `chromium` CLI (--dump-dom / --screenshot) on a file:// URL; the page's own error
collector (#js-errors) and Chromium's console log are both checked.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from migration.atomic import write_text_atomic
from migration.report import build_report, load_cost_model, load_sources, render_html
from tests.support.report_scenario import LAB, build_scenario

pytestmark = pytest.mark.browser
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def _chromium(tmp: Path, page: Path, *mode: str) -> subprocess.CompletedProcess[str]:
    profile = tmp / f"profile-{len(list(tmp.glob('profile-*')))}"
    cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync",
           "--disable-dev-shm-usage", f"--user-data-dir={profile}", "--enable-logging=stderr", "--v=0",
           "--hide-scrollbars", "--window-size=1400,3000", "--virtual-time-budget=8000", *mode, page.as_uri()]
    return subprocess.run(cmd, check=False, capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def lab_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("browser")
    plan, url = build_scenario(tmp)
    report = build_report(load_sources(LAB, plan, url), load_cost_model())
    return write_text_atomic(tmp / "lab-report.html", render_html(report))


def _console_errors(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if "CONSOLE" in line and re.search(r"Uncaught|Error", line)]


def test_lab_report_charts_render_without_script_errors(lab_report: Path) -> None:
    run = _chromium(lab_report.parent, lab_report, "--dump-dom")
    assert run.returncode == 0, run.stderr[-2000:]
    dom = run.stdout
    charts = len(re.findall(r'id="chart-[a-z_]+"', lab_report.read_text(encoding="utf-8")))
    rendered = dom.count('class="plot-container plotly"')
    assert charts >= 6 and rendered == charts, f"expected {charts} rendered charts, found {rendered}"
    assert dom.count('class="main-svg"') >= charts, "expected plotly to draw an <svg class=main-svg> per chart"
    errors = re.search(r'<pre id="js-errors" data-count="(\d+)"', dom)
    assert errors and errors.group(1) == "0", f"page recorded script errors: {dom[dom.find('js-errors'):][:500]}"
    assert not _console_errors(run.stderr), f"console errors: {_console_errors(run.stderr)}"
    # After plotly has drawn, the live page still links to nothing outside the file (no logo link, no fonts).
    markup = re.sub(r"<script\b[^>]*>.*?</script>", "", dom, flags=re.DOTALL)  # the plotly.js source quotes URLs
    external = re.findall(r'(?:src|href)="((?:https?:)?//[^"]*)"', markup)
    assert not external, f"rendered page refers to the network: {external[:5]}"


def test_screenshot_of_the_lab_report(lab_report: Path) -> None:
    shot = lab_report.parent / "lab-report.png"
    run = _chromium(lab_report.parent, lab_report, f"--screenshot={shot}")
    assert run.returncode == 0, run.stderr[-2000:]
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 50_000, "expected a real screenshot"


def test_the_error_check_catches_a_broken_page(lab_report: Path) -> None:
    """The detector itself must be able to fail: a page that throws is seen as broken."""
    broken = lab_report.parent / "broken.html"
    html = lab_report.read_text(encoding="utf-8").replace("</main>", "<script>undefinedFunction();</script></main>")
    broken.write_text(html, encoding="utf-8")
    dom = _chromium(lab_report.parent, broken, "--dump-dom").stdout
    assert re.search(r'<pre id="js-errors" data-count="1"', dom), "the page's error collector missed a thrown error"
