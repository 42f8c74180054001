"""The read-only layout program: every file opened for reading only, nothing that writes, spawns
or signals, valid Perl, and its listeners taken from the one `ss` the script runs."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from migration.discovery import appscript, script


def test_the_layout_program_only_reads() -> None:
    program = appscript.PERL
    opens = re.findall(r"open\(my \$\w+, \"([^\"]*)\"", program)
    assert opens and set(opens) == {"<"}, opens
    assert program.count("open(") == len(opens), "an open() not in the checked form"
    for word in ("unlink", "rename", "mkdir", "rmdir", "chmod", "chown", "symlink", "truncate", "utime", "kill",
                 "syswrite", "sysopen", "fork", "qx", "pipe"):
        assert not re.search(rf"\b{word}\b", program), word
    assert not re.search(r"\b(system|exec)\s*[(\"$@]", program), "runs a program"
    assert "`" not in program, "backticks run a program"
    assert "'" not in program, "the program is sent inside single quotes"


@pytest.mark.skipif(shutil.which("perl") is None, reason="perl is not installed here")
def test_the_layout_program_compiles() -> None:
    run = subprocess.run(["perl", "-c", "-e", appscript.PERL], capture_output=True, text=True,
                         timeout=30, check=False)
    assert run.returncode == 0, run.stderr


def test_listeners_are_listed_once_with_layout_and_as_before_without() -> None:
    marker = script.new_marker()
    full, plain = script.build(marker), script.build(marker, layout=False)
    assert full.count("ss -Htlnp") == 1 and "$dcc_listen" in full
    assert plain.count("ss -Htlnp") == 1 and "dcc_listen" not in plain and "perl" not in plain
    assert [n for n in appscript.SECTIONS if n[0] in plain] == []
