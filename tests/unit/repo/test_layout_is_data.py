"""The app's layout is data (its profile), never code: no module of the pipeline, its checks or
its playbooks names the lab's convention (code in /opt/<id>, data in /srv/<id>, an init script
named after the app)."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
FOLDERS = ("migration/execution", "migration/verify", "playbooks")
CONVENTION = ("/opt/", "/srv/", "/etc/init.d/")


def files() -> list[Path]:
    found = [p for folder in FOLDERS for p in sorted((ROOT / folder).rglob("*")) if p.is_file()]
    return [p for p in found if "__pycache__" not in p.parts and p.suffix in (".py", ".sh", ".yml", ".yaml", ".j2")]


def test_the_folders_hold_what_they_should() -> None:
    names = {p.name for p in files()}
    assert {"steps.py", "checks.py", "dcc-app.sh", "backup.yml"} <= names


@pytest.mark.parametrize("path", files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_file_names_the_lab_layout(path: Path) -> None:
    text = path.read_text()
    named = [c for c in CONVENTION if c in text]
    assert not named, f"{path.relative_to(ROOT)} names {named}: take the app's layout from its profile"
