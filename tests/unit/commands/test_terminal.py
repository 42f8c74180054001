"""Issue 15, terminal output: user and host text is printed as written, never as rich markup or
emoji, and control characters are shown escaped, in every verb's printing path."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

import pytest
from rich.console import Console

from tests.support.inventory import edit, in_process, lab_copy

HOSTILE = ("old:x:legacy", "[link=x]ok[/]", "[bold]b[/bold]", "a\x1b]0;pwned\x07b")
SHOWN = ("old:x:legacy", "[link=x]ok[/]", "[bold]b[/bold]", "a\\x1b]0;pwned\\x07b")


def rendered(renderable: object) -> str:
    """What a default rich console (emoji and markup on, a colour terminal) writes for it."""
    out = io.StringIO()
    Console(file=out, force_terminal=True, color_system="truecolor", width=400, emoji=True).print(renderable)
    return out.getvalue()


def assert_literal(text: str) -> None:
    assert "\x1b]8;" not in text and "\x1b]0;" not in text and "❌" not in text, repr(text)
    for shown in SHOWN:
        assert shown in text.replace("\n", ""), (shown, text)


def test_error_lines_print_values_as_written(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "".join(HOSTILE)
    code, _, err = in_process(capsys, "inventory", "validate", str(folder))
    assert code == 2
    assert_literal(err)


def test_validate_prints_bad_values_as_written(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    estate = lab_copy(tmp_path)
    edit(estate, "apps.yaml", "criticality: high", "criticality: 'old:x:legacy'")
    edit(estate, "apps.yaml", "criticality: medium", "criticality: '[link=http://x]ok[/] [bold]b[/bold]'")
    code, _, err = in_process(capsys, "inventory", "validate", str(estate))
    assert code == 2
    assert "old:x:legacy" in err and "[link=http://x]ok[/] [bold]b[/bold]" in err, err


def test_a_hostile_path_prints_as_written(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    estate = lab_copy(tmp_path, "lab-[link=x]ok[/]-old:x:legacy")
    out_name = "o-[bold]x-[link=x]ok-:x:.json"  # a file name cannot hold the closing '[/]'
    for args, shown in ((("inventory", "validate", str(estate)), "lab-[link=x]ok[/]-old:x:legacy"),
                        (("plan", "--estate", str(estate), "--out", str(tmp_path / out_name)), out_name),
                        (("assess", "--estate", str(estate), "--out", str(tmp_path / out_name)), out_name)):
        code, out, err = in_process(capsys, *args)
        assert code == 0, err
        assert shown in out.replace("\n", "") and "\x1b]8;" not in out, out  # a narrow terminal may wrap


def test_migrate_summary_prints_host_text_as_written() -> None:
    from migration.commands.migrate import summary_table

    apps = tuple(SimpleNamespace(app="a", status="failed", step="deploy", changed_steps=1, message=m) for m in HOSTILE)
    report = SimpleNamespace(wave=1, run_id=3, status="failed", apps=apps)
    assert_literal(rendered(summary_table(report)))


def test_discover_outcomes_print_host_text_as_written() -> None:
    from migration.commands.discover import _outcome_table
    from migration.discovery.collect import FactsSummary, HostOutcome

    outcomes = [HostOutcome(host="h", address="10.0.0.1", status="unreachable", message=m, duration_s=0.1,
                            summary=FactsSummary(os=m, ports=(22,), connections=0, warnings=0)) for m in HOSTILE]
    assert_literal(rendered(_outcome_table(outcomes)))


def test_verify_checks_print_host_text_as_written() -> None:
    from migration.commands.verify import checks_table
    from migration.verify.checks import CheckResult

    rows = [("app", CheckResult(check="health", host="h", passed=False, expected="200", got=m)) for m in HOSTILE]
    assert_literal(rendered(checks_table(rows)))


def test_status_tables_print_journal_text_as_written() -> None:
    from migration.commands.status import evidence_table

    evidence = [SimpleNamespace(app=m, host="h", check=m, passed=False, detail={"got": m}, at=datetime(2027, 1, 1, tzinfo=UTC), run_id=1,
                                id=i) for i, m in enumerate(HOSTILE)]
    try:
        table = evidence_table(evidence)
    except AttributeError as exc:  # the record's shape changed: this test must follow it
        pytest.fail(f"evidence record shape: {exc}")
    text = rendered(table)
    assert "\x1b]8;" not in text and "❌" not in text and "old:x:legacy" in text.replace("\n", ""), text


def test_s3_audit_prints_problems_as_written() -> None:
    from migration.commands.s3 import _results_table

    backups = [SimpleNamespace(app=m, bucket="b", prefix=m, manifest_sha256="0" * 64, objects=1) for m in HOSTILE]
    assert_literal(rendered(_results_table(backups, [(h, h) for h in HOSTILE])))  # (problem, lock) per backup


def test_every_verb_prints_through_the_safe_console() -> None:
    """A new verb that makes its own rich Console (emoji on, user text as markup) fails here."""
    root = Path(__file__).resolve().parents[3] / "migration"
    offenders = [str(p.relative_to(root)) for p in [root / "cli.py", *sorted((root / "commands").glob("*.py"))]
                 if "Console(" in p.read_text()]
    assert offenders == [], f"print through migration.untrusted.terminal.console(), not rich's Console: {offenders}"
