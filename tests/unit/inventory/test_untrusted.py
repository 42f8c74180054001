"""Issue 15, inventories: every broken or awkward input is one line naming file:line (no traceback),
spreadsheet realities are read where their meaning is clear, and values that reach configs are
checked for what they must be."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from migration.inventory import check_estate, load_estate
from tests.support.inventory import edit, in_process, lab_copy, to_csv

Setup = Callable[[Path], None]


def _write(name: str, data: bytes | str) -> Setup:
    def setup(estate: Path) -> None:
        (estate / name).unlink(missing_ok=True)
        (estate / name).write_bytes(data if isinstance(data, bytes) else data.encode())
    return setup


def _dangling(estate: Path) -> None:
    (estate / "hosts.yaml").unlink()
    (estate / "hosts.yaml").symlink_to(estate / "no-such-file.yaml")


def _outside(estate: Path) -> None:
    (estate / "hosts.yaml").unlink()
    (estate / "hosts.csv").symlink_to("/etc/passwd")


def _directory_table(estate: Path) -> None:
    (estate / "dependencies.yaml").unlink()
    (estate / "dependencies.yaml").mkdir()


def _fifo(estate: Path) -> None:
    (estate / "dependencies.yaml").unlink()
    os.mkfifo(estate / "dependencies.yaml")


def _nested(estate: Path) -> None:
    depth = 10_000
    (estate / "dependencies.yaml").write_text("- " + "[" * depth + "]" * depth + "\n")


def _bomb(levels: int = 9) -> str:
    """A flow list of `levels` anchored lists, each nine aliases of the one before: 9**levels when expanded."""
    parts = ["&a0 [" + ",".join(["lol"] * 9) + "]"]
    parts += [f"&a{i} [" + ",".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, levels)]
    return "[" + ", ".join(parts) + "]"


def _alias_bomb(estate: Path) -> None:
    edit(estate, "apps.yaml", "data_gb: 180", "data_gb: " + _bomb())  # a numeric field


def _alias_bomb_list(estate: Path) -> None:
    edit(estate, "apps.yaml", "hosts: [kmk-files1]", "hosts: " + _bomb())  # a list field


def _long_line(estate: Path) -> None:
    to_csv(estate, "hosts")
    with (estate / "hosts.csv").open("a") as stream:
        stream.write("x" * (8 << 20))  # 8 MiB and no newline


def _non_utf8(name: str, line: int) -> Setup:
    def setup(estate: Path) -> None:
        if name.endswith(".csv"):
            to_csv(estate, name.removesuffix(".csv"))
        lines = (estate / name).read_bytes().split(b"\n")
        lines[line - 1] = lines[line - 1].replace(b"e", b"\xe9", 1)
        (estate / name).write_bytes(b"\n".join(lines))
    return setup


def _nul_in_value(estate: Path) -> None:
    to_csv(estate, "hosts")
    edit(estate, "hosts.csv", "debian-12", "debian\x0012")


# (case, setup, text the one error line must hold; "" to check only the shape)
BROKEN: list[tuple[str, Setup, str]] = [
    ("dangling symlink", _dangling, "hosts.yaml: file not found (a broken symbolic link)"),
    ("symlink out of the estate", _outside, "points outside the estate folder"),
    ("a table that is a folder", _directory_table, "dependencies.yaml: not a regular file"),
    ("a table that is a FIFO", _fifo, "dependencies.yaml: not a regular file"),
    ("binary YAML", _write("hosts.yaml", bytes(range(256)) * 4), "hosts.yaml:2: not UTF-8 text"),
    ("nested 10,000 levels", _nested, "dependencies.yaml:1: nested deeper than"),
    ("alias bomb in a number", _alias_bomb, "apps.yaml:6: aliases"),
    ("alias bomb in a list", _alias_bomb_list, "apps.yaml:6: aliases"),
    ("200 MB line", _long_line, "hosts.csv:22: line longer than"),
    ("non-UTF-8 CSV line 4", _non_utf8("hosts.csv", 4), "hosts.csv:4: not UTF-8 text"),
    ("non-UTF-8 YAML line 7", _non_utf8("hosts.yaml", 7), "hosts.yaml:7: not UTF-8 text"),
    ("NUL byte in a value", _nul_in_value, "hosts.csv:2: os: control character"),
    ("NUL byte in YAML", _write("agencies.yaml", "- {id: a\x00b}\n"), "agencies.yaml:1: control character"),
    ("a key that is a list", _write("agencies.yaml", "- {id: a, ? [x, y] : 1}\n"), "agencies.yaml:1: malformed YAML: a key"),
    ("python tag", _write("agencies.yaml", "- {id: !!python/object/apply:os.system [id]}\n"), "agencies.yaml:1"),
    ("binary and set values", _write("agencies.yaml", "- {id: !!binary aGk=, name: !!set {a}}\n"),
     "agencies.yaml:1: id: expected text, got a bytes"),
    ("two documents", _write("agencies.yaml", "- {id: a}\n---\n- {id: b}\n"), "agencies.yaml:2"),
    ("TSV named .csv", lambda e: (to_csv(e, "agencies"), _write("agencies.csv", "id\tname\nx\ty\n")(e)),
     "agencies.csv:1: fields must be separated by ','"),
    ("a header cell with an escape", lambda e: (to_csv(e, "agencies"), edit(e, "agencies.csv", "id,", "id,\x1b[2Jx" + "y" * 5000 + ",")),
     "agencies.csv:1: '\\x1b[2jxyyy"),
    ("100,000 levels", lambda e: (e / "dependencies.yaml").write_text("- " + "[" * 100_000 + "]" * 100_000),
     "dependencies.yaml:1: nested deeper than"),
    ("UTF-16 CSV", lambda e: (to_csv(e, "agencies"), _write("agencies.csv", "id,name\n".encode("utf-16"))(e)),
     "agencies.csv:1: not UTF-8 text"),
]


@pytest.mark.parametrize(("case", "setup", "expected"), BROKEN, ids=[c[0] for c in BROKEN])
def test_broken_input_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str], case: str,
                                  setup: Setup, expected: str) -> None:
    estate = lab_copy(tmp_path)
    setup(estate)
    code, out, err = in_process(capsys, "inventory", "validate", str(estate))
    assert code == 2, (case, out, err)
    assert "Traceback" not in err and len(err) < 4000, err[:4000]
    assert expected in err, err
    assert "root:x:0" not in err + out and "lol" not in err  # never another file's content, never an expansion


def test_unreadable_table_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """Root reads anything, so the refusal is simulated where the OS would give it."""
    estate = lab_copy(tmp_path)
    target = estate / "hosts.yaml"
    real_open = Path.open

    def refuse(self: Path, *args, **kwargs):  # type: ignore[no-untyped-def]
        if self == target:
            raise PermissionError(13, "Permission denied", str(self))
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", refuse)
    code, _, err = in_process(capsys, "inventory", "validate", str(estate))
    assert code == 2 and "Traceback" not in err
    assert f"{target}: cannot read: Permission denied" in err, err


# Spreadsheet realities: read as meant.
def _header_case(estate: Path) -> None:
    to_csv(estate, "hosts")
    text = (estate / "hosts.csv").read_text()
    head, rest = text.split("\n", 1)
    (estate / "hosts.csv").write_text(",".join(f" {c.upper()} " for c in head.split(",")) + "\n" + rest)


def _trailing_rows(estate: Path) -> None:
    to_csv(estate, "hosts")
    width = (estate / "hosts.csv").read_text().split("\n", 1)[0].count(",")
    with (estate / "hosts.csv").open("a") as stream:
        stream.write(("," * width + "\n") * 3 + "\n" + "," * width + "\r\n")


def _excel(estate: Path) -> None:
    """Excel's CSV UTF-8: BOM, CRLF, empty trailing columns and rows."""
    to_csv(estate, "apps")
    lines = (estate / "apps.csv").read_text().split("\n")
    body = [line + ",," for line in lines if line] + [",,,,,,,,,,,,,,"] * 2
    (estate / "apps.csv").write_bytes(b"\xef\xbb\xbf" + "\r\n".join(body).encode() + b"\r\n")


def _litter(estate: Path) -> None:
    for name in (".DS_Store", "Thumbs.db", "desktop.ini", "~$hosts.xlsx", "._hosts.yaml", ".~lock.hosts.csv#",
                 "hosts.yaml~"):
        (estate / name).write_bytes(b"\x00\x01binary litter\xff")


READABLE: list[tuple[str, Setup]] = [
    ("header case and spaces", _header_case),
    ("trailing empty rows", _trailing_rows),
    ("Excel export", _excel),
    ("OS litter", _litter),
]


@pytest.mark.parametrize(("case", "setup"), READABLE, ids=[c[0] for c in READABLE])
def test_spreadsheet_realities_are_read(tmp_path: Path, case: str, setup: Setup) -> None:
    estate = lab_copy(tmp_path)
    setup(estate)
    loaded, problems = check_estate(estate)
    assert problems == [], problems
    assert loaded is not None and len(loaded.hosts) == 20 and len(loaded.apps) == 9


# Ambiguous numbers and values that reach configs: one line saying what to write.
def _cell(table: str, old: str, new: str, csv: bool) -> Setup:
    def setup(estate: Path) -> None:
        if csv:
            to_csv(estate, table)
        edit(estate, f"{table}.{'csv' if csv else 'yaml'}", old, new)
    return setup


REJECTED: list[tuple[str, Setup, str]] = [
    ("1.000 in YAML", _cell("apps", "data_gb: 180", "data_gb: 1.000", False),
     "apps.yaml:5: data_gb: ambiguous number '1.000'"),
    ("1.000 in CSV", _cell("apps", ",180,", ",1.000,", True), "apps.csv:3: data_gb: ambiguous number '1.000'"),
    ("1,000 in CSV", _cell("apps", ",180,", ',"1,000",', True), "apps.csv:3: data_gb: ambiguous number '1,000'"),
    ("12.500.000 in CSV", _cell("apps", ",180,", ",12.500.000,", True), "write 12500000"),
    ("1 000 in CSV", _cell("apps", ",180,", ",1\u00a0000,", True), "write 1000"),
    ("1,5 in YAML", _cell("apps", "data_gb: 180", "data_gb: '1,5'", False), "write 1.5"),
    ("1.000 in an integer", _cell("hosts", "disk_gb: 500", "disk_gb: 1.000", False), "ambiguous number"),
    ("cpu 1.000", _cell("hosts", "cpu: 4, memory_gb: 8,  disk_gb: 200", "cpu: 1.000, memory_gb: 8,  disk_gb: 200",
                        False), "hosts.yaml:3: cpu: ambiguous number '1.000'"),
    ("service with ; and braces", _cell("apps", "service: api.sehat.go.id",
                                        "service: 'x; } location /evil { proxy_pass http://x'", False),
     "apps.yaml:7: service: bad DNS name"),
    ("service with a path", _cell("apps", "service: api.sehat.go.id", "service: ../../etc/x", False),
     "service: bad DNS name"),
    ("service with a space", _cell("apps", "api.sehat.go.id", "api sehat.go.id", True), "service: bad DNS name"),
    ("name with an escape", _cell("apps", "name: API Data Kesehatan", 'name: "API\\e]8;;x\\e\\\\"', False),
     "apps.yaml:7: name: control character"),
    ("name with a newline", _cell("apps", "name: API Data Kesehatan", 'name: "API\\nData"', False),
     "name: control character"),
    ("bidi override", _cell("apps", "name: API Data Kesehatan", "name: \"API \u202e\"", False),
     "name: control character"),
    ("overlong id", _cell("agencies", "id: kemenkes", "id: " + "k" * 200, False), "agencies.yaml:1: id: bad id"),
    ("id with ..", _cell("agencies", "id: kemenkes", "id: a..b", False), "id: bad id"),
    ("port 0", _cell("apps", "port: 8082", "port: 0", False), "port: 0 is below the minimum 1"),
    ("huge number", _cell("apps", "data_gb: 180", "data_gb: 1e400", False), "data_gb: expected a finite number"),
    ("IPv6 scope", _cell("hosts", "ip: 10.77.1.12,", "ip: 'fe80::1%eth0',", False), "ip: bad IP address"),
    ("Arabic-Indic digits", _cell("apps", "data_gb: 180", "data_gb: '\u0661\u0662'", False), "ASCII digits"),
    ("a list for text", _cell("apps", "name: API Data Kesehatan", "name: [a, b]", False), "name: expected text"),
]


@pytest.mark.parametrize(("case", "setup", "expected"), REJECTED, ids=[c[0] for c in REJECTED])
def test_bad_values_are_rejected_with_how_to_write_them(tmp_path: Path, case: str, setup: Setup,
                                                         expected: str) -> None:
    estate = lab_copy(tmp_path)
    setup(estate)
    _, problems = check_estate(estate)
    assert any(expected in p for p in problems), problems
    joined = "\n".join(problems)
    assert "\x1b" not in joined and "\u202e" not in joined and "\x00" not in joined


def test_a_good_decimal_is_still_a_number(tmp_path: Path) -> None:
    estate = lab_copy(tmp_path)
    edit(estate, "apps.yaml", "data_gb: 180", "data_gb: 0.125")
    edit(estate, "apps.yaml", "data_gb: 12", "data_gb: 1250.5")
    loaded = load_estate(estate)
    assert loaded.apps["arsip-kemenkes"].data_gb == 0.125
    assert loaded.apps["simpeg-kemenkes"].data_gb == 1250.5
