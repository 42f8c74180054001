"""The CLI shell: every verb has --help, and a DccError becomes one line and its exit code."""

from __future__ import annotations

import subprocess
import sys

import pytest
import typer

from migration import cli
from migration.errors import DccError, InputError, LabError


def _verbs() -> list[list[str]]:
    group = typer.main.get_command(cli.app)
    paths: list[list[str]] = []
    for name, cmd in group.commands.items():
        paths.append([name])
        for sub in getattr(cmd, "commands", {}):
            paths.append([name, sub])
    return paths


def test_every_verb_is_registered_and_documented() -> None:
    verbs = _verbs()
    assert verbs, "no verbs registered under migration/commands"
    for path in verbs:
        out = subprocess.run(
            [sys.executable, "-m", "migration", *path, "--help"], check=False, capture_output=True, text=True,
            timeout=60,
        )
        assert out.returncode == 0, f"`dcc {' '.join(path)} --help` exited {out.returncode}: {out.stderr}"
        assert "Usage" in out.stdout, f"`dcc {' '.join(path)} --help` printed no usage"


@pytest.mark.parametrize(
    ("error", "code"),
    [(InputError("unknown host 'x'", where="inventory/lab/hosts.yaml:3"), 2), (LabError("bridge busy"), 4)],
)
def test_dcc_error_is_one_line_and_its_exit_code(
    error: DccError, code: int, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    probe = typer.Typer()

    @probe.command()
    def boom() -> None:
        raise error

    @probe.command()
    def other() -> None:  # a second command keeps typer from collapsing the group
        pass

    monkeypatch.setattr(cli, "app", probe)
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["boom"])
    assert exit_info.value.code == code
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0, f"expected one line, got: {err!r}"
    assert err == f"error: {error.line()}"


def test_usage_error_exits_2_without_traceback() -> None:
    out = subprocess.run([sys.executable, "-m", "migration", "no-such-verb"], check=False, capture_output=True,
                         text=True)
    assert out.returncode == 2
    assert "Traceback" not in out.stderr
