"""The script's output splitter, whole-output assembly with hostile content, and facts storage."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from migration.discovery import SCHEMA, read_facts, write_facts
from migration.discovery.assemble import assemble
from migration.discovery.facts import Endpoint, HostFacts, load_all
from migration.discovery.script import SECTION_NAMES, build, new_marker, split
from migration.errors import InputError

M = new_marker()


def _output(sections: dict[str, str], marker: str = M, end: bool = True) -> bytes:
    body = "".join(f"\n{marker} {name}\n{text}\n" for name, text in sections.items())
    return (body + (f"\n{marker} end\n" if end else "")).encode()


def test_build_is_a_fixed_script_with_one_marker_per_section() -> None:
    text = build(M)
    assert [line.split()[-1].removesuffix("\\n'") for line in text.splitlines() if M in line] == [*SECTION_NAMES, "end"]
    with pytest.raises(ValueError, match="marker"):
        build("x'; rm -rf /; '")


def test_build_has_no_writing_command() -> None:
    text = build(M)
    for forbidden in (" rm ", "mkdir", "tee ", "systemctl", " > /", "apt", " status", "/etc/init.d/$"):
        assert forbidden not in text, forbidden
    assert text.count("kill ") == text.count("kill -0 "), "only kill -0 (a liveness probe) is allowed"


@pytest.mark.parametrize(("output", "sections", "warning"), [
    (_output({"nproc": "2"}), {"nproc": "2"}, "ss-listen: section missing"),
    (_output({"nproc": "2"}, end=False), {"nproc": "2"}, "output: ended early (truncated or the script was cut off)"),
    (_output({"nproc": "2", "bogus": "x"}), {"nproc": "2"}, "output: unknown section 'bogus' ignored"),
    (_output({"nproc": "2"}) + _output({"nproc": "9"}), {"nproc": "2"}, "nproc: section repeated; first kept"),
    # A host printing a marker of another run cannot start a section.
    (_output({"nproc": "2\n@@dcc-0000000000000000@@ ss-listen\nfake"}), {"nproc": "2\n@@dcc-0000000000000000@@ ss-listen\nfake"},
     "ss-listen: section missing"),
    (b"\xff\xfe\x00binary only", {}, "output: ended early (truncated or the script was cut off)"),
])
def test_split(output: bytes, sections: dict[str, str], warning: str) -> None:
    found, warnings = split(output, M)
    assert found == sections
    assert warning in warnings


def test_assemble_survives_hostile_output_and_records_warnings() -> None:
    hostile = {
        "os-release": "ID=debian\n" + "\x00" * 50,
        "nproc": "-1",
        "ss-listen": "LISTEN 0 128 0.0.0.0:8080 0.0.0.0:*\n" + "Z" * 100_000 + "\n$(reboot) `id`",
        "ss-established": "\n".join(["garbage line"] * 1000),
        "ps": "not a process",
        "packages": "\t\t\t",
    }
    facts = assemble("h1", "10.79.1.11", "t", _output(hostile), M, ("output: script exited 1",))
    assert facts.os.id == "debian"
    assert facts.cpu_count is None
    assert facts.listening == (Endpoint("0.0.0.0", 8080, "0.0.0.0", 0),)
    assert facts.connections == facts.processes == facts.packages == ()
    assert facts.warnings[0] == "output: script exited 1"
    assert any(w.startswith("ss-listen: line 2: line of 100000 characters") for w in facts.warnings)
    assert "ss-established: further warnings suppressed" in facts.warnings


def test_assemble_of_empty_output_is_empty_facts_with_warnings() -> None:
    facts = assemble("h1", "10.79.1.11", "t", b"", M)
    assert facts.listening == () and facts.memory_kb is None
    assert len(facts.warnings) == 1 + len(SECTION_NAMES)


def test_facts_round_trip_and_atomic_write(tmp_path: Path) -> None:
    facts = assemble("kmk-web1", "10.79.1.11", "2026-01-01T00:00:00+00:00",
                     _output({"nproc": "2", "ss-listen": "LISTEN 0 1 0.0.0.0:22 0.0.0.0:*"}), M)
    path = write_facts(tmp_path, facts)
    assert path == tmp_path / "kmk-web1.json"
    assert read_facts(path) == facts
    assert load_all(tmp_path) == {"kmk-web1": facts}
    assert [p.name for p in tmp_path.iterdir()] == ["kmk-web1.json"], "no temp file left behind"
    assert json.loads(path.read_text())["schema"] == SCHEMA


@pytest.mark.parametrize(("content", "message"), [
    ("{not json", "cannot read facts"),
    ('{"schema": 99}', "facts schema 99 is not 1"),
    ("[]", "facts schema 'list' is not 1"),
    (f'{{"schema": {SCHEMA}, "host": "x", "address": "a", "taken_at": "t", "evil": 1}}', "unknown key 'evil'"),
    (f'{{"schema": {SCHEMA}, "host": "x", "address": "a", "taken_at": "t", "listening": 5}}', "must be a list"),
])
def test_broken_facts_file_is_one_input_error_naming_it(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "h.json"
    path.write_text(content)
    with pytest.raises(InputError, match=message) as caught:
        read_facts(path)
    assert caught.value.where == str(path)


@pytest.mark.parametrize("host", ["../etc/passwd", ".hidden", "a/b", "", "x" * 200])
def test_unsafe_host_ids_never_become_paths(tmp_path: Path, host: str) -> None:
    with pytest.raises(InputError, match="safe file name"):
        write_facts(tmp_path, HostFacts(host=host, address="a", taken_at="t"))
    assert os.listdir(tmp_path) == []


def test_unwritable_facts_folder_is_one_input_error(tmp_path: Path) -> None:
    blocker = tmp_path / "facts"
    blocker.write_text("a file where the folder should be")
    with pytest.raises(InputError, match="not a directory") as caught:
        write_facts(blocker, HostFacts(host="h1", address="a", taken_at="t"))
    assert caught.value.where == str(blocker)  # the path in the way, named by the one atomic writer
