"""The `dcc_run` module (playbooks/library/dcc_run.sh) run as Ansible runs an old-style module: an
args file of shell-quoted key='value' pairs, one JSON object back on stdout (no network)."""

from __future__ import annotations

import json
import shlex
import subprocess
from pathlib import Path
from typing import Any

import pytest

MODULE = Path(__file__).resolve().parents[3] / "playbooks" / "library" / "dcc_run.sh"


def run(tmp_path: Path, **args: Any) -> dict[str, Any]:
    """What Ansible's controller does for an old-style module (action/__init__.py: _execute_module)."""
    pairs = {"_ansible_check_mode": False, "_ansible_no_log": False, **args}
    (tmp_path / "args").write_text("".join(f"{k}={shlex.quote(str(v))} " for k, v in pairs.items()))
    done = subprocess.run(["bash", str(MODULE), str(tmp_path / "args")], capture_output=True, text=True,
                          check=False, timeout=30)
    assert done.returncode == 0 and done.stderr == "", f"the module itself must not fail: {done}"
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def quoted(*words: str) -> str:
    """argv as the roles build it: map('quote') | join(' ')."""
    return " ".join(shlex.quote(w) for w in words)


WEIRD = ["a b", "it's", "$(touch pwned)", "`touch pwned`", "x\ny", "é☃", "", "*", "--", "a'b\"c\\d", ";|&"]


def test_arguments_reach_the_script_word_for_word_and_nothing_in_them_runs(tmp_path):
    got = run(tmp_path, script='printf "%s\\x1f" "$@"', argv=quoted(*WEIRD))
    assert got["stdout"].split("\x1f")[:-1] == WEIRD
    assert not (tmp_path / "pwned").exists() and not Path("pwned").exists()


@pytest.mark.parametrize("argv", ["$(touch pwned)", "a;touch pwned", "`touch pwned`", "'a' b*", "x > f", "a\nb"])
def test_argv_that_quote_did_not_make_is_refused(tmp_path, argv):
    got = run(tmp_path, script="touch pwned", argv=argv)
    assert got["failed"] is True and got["changed"] is False
    assert "argv must be quoted words" in got["msg"]
    assert not (tmp_path / "pwned").exists() and not Path("pwned").exists()


@pytest.mark.parametrize(("script", "changed"), [
    ("true", False),
    ("dcc_changed", True),
    ("dcc_changed; dcc_changed; echo done", True),
    ("echo changed", False),  # stdout is never read for it
])
def test_changed_is_what_the_script_reported_through_dcc_changed(tmp_path, script, changed):
    got = run(tmp_path, script=script, argv="")
    assert got["changed"] is changed and got["rc"] == 0 and "failed" not in got


def test_a_failure_names_its_reason_and_keeps_what_changed_before_it(tmp_path):
    script = "set -euo pipefail\ndcc_changed\necho 'first' >&2\necho 'app: x still running' >&2\nexit 3"
    got = run(tmp_path, script=script, argv="", name="dcc-x.sh")
    assert (got["failed"], got["changed"], got["rc"], got["msg"]) == (True, True, 3, "app: x still running")
    assert got["stderr"] == "first\napp: x still running"


def test_a_failure_without_a_word_says_which_script_and_status(tmp_path):
    got = run(tmp_path, script="exit 4", argv="", name="dcc-x.sh")
    assert got["msg"] == "dcc-x.sh exited with status 4"


def test_bash_errors_name_the_script_and_its_own_line(tmp_path):
    got = run(tmp_path, script="set -u\ntrue\necho \"$nope\"", argv="", name="dcc-x.sh")
    assert got["failed"] and "dcc-x.sh: line 3: nope: unbound variable" in got["msg"]


def test_output_with_control_characters_is_valid_json(tmp_path):
    got = run(tmp_path, script=r'printf "\x01\x1b[0m\t\"q\\ \xe2\x98\x83\x00!"; printf "\x7f" >&2', argv="")
    assert got["stdout"] == '\x01\x1b[0m\t"q\\ ☃!' and got["stderr"] == "\x7f"


def test_the_script_has_no_stdin_and_leaves_no_file_behind(tmp_path):
    got = run(tmp_path, script="cat; dcc_changed", argv="")
    assert got["changed"] and got["stdout"] == ""
    assert sorted(p.name for p in tmp_path.iterdir()) == ["args"]


def test_nothing_is_exported_to_what_the_script_starts(tmp_path):
    got = run(tmp_path, script="bash -c 'type dcc_changed' >/dev/null 2>&1 && echo leaked || echo clean", argv="")
    assert got["stdout"] == "clean"


@pytest.mark.parametrize(("args", "fragment"), [
    ({"script": ""}, "no script given"),
    ({"script": "true", "name": "../x"}, "name must be a plain file name"),
    ({"script": "true", "PATH": "/nowhere"}, "unsupported parameter PATH"),
    ({"script": "true", "argvs": "a"}, "unsupported parameter argvs"),
    ({"script": "true", "legacy": "true"}, "unsupported parameter legacy"),
])
def test_bad_module_arguments_are_refused(tmp_path, args, fragment):
    got = run(tmp_path, argv="", **args)
    assert got["failed"] and fragment in got["msg"]


def test_an_args_file_not_written_by_quote_is_refused_unread(tmp_path):
    (tmp_path / "args").write_text("script=$(touch pwned) argv='' ")
    done = subprocess.run(["bash", str(MODULE), str(tmp_path / "args")], capture_output=True, text=True,
                          check=False, timeout=30)
    got = json.loads(done.stdout)
    assert got["failed"] and "unreadable arguments" in got["msg"]
    assert not (tmp_path / "pwned").exists() and not Path("pwned").exists()


def test_check_mode_is_skipped_not_run(tmp_path):
    got = run(tmp_path, script="touch ran", argv="", _ansible_check_mode=True)
    assert got.get("skipped") is True and got["changed"] is False
    assert not (tmp_path / "ran").exists()
