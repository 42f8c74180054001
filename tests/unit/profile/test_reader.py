"""The profile reader: a written profile reads back equal; each class of bad input is one line
naming file:line: field; the estate's cross-checks name the host or app."""

from __future__ import annotations

from pathlib import Path

import pytest

from migration.inventory import load_estate
from migration.profile import (
    ProfileInvalid,
    check,
    conventional,
    load_profile,
    load_profiles,
    to_yaml,
    write_profile,
)
from migration.profile.source import MAX_BYTES

LAB = Path(__file__).resolve().parents[3] / "inventory" / "lab"
GOOD = """\
format: 1
app: demo
reviewed: false
hosts:
  web1:
    services:
      - name: demo
        init: sysv
        start: /etc/init.d/demo start
        stop: /etc/init.d/demo stop
        check: /etc/init.d/demo status
    data:
      - path: /srv/demo/data
        evidence: DATA_DIR in /etc/demo/app.conf
databases:
  - engine: postgresql
    host: db1
    names: [demo]
health:
  path: /health
  port: 8080
rewrites:
  - host: web1
    file: /etc/demo/app.conf
    old: DB_HOST=db1
    new: DB_HOST={db_host}
"""


def _write(tmp_path: Path, text: str, name: str = "demo.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_good_profile_reads_with_its_accessors(tmp_path: Path) -> None:
    profile = load_profile(_write(tmp_path, GOOD))
    assert profile.hosts == ("web1",)
    assert profile.data_paths("web1") == ("/srv/demo/data",)
    assert profile.services("web1")[0].check == "/etc/init.d/demo status"
    assert profile.databases()[0].names == ("demo",)
    assert profile.health is not None and profile.health.expect_status == 200
    assert profile.rewrites("web1")[0].render({"db_host": "pdn-t02"}) == "DB_HOST=pdn-t02"
    assert profile.data_paths("nowhere") == ()


@pytest.mark.parametrize("app", sorted(load_estate(LAB).apps))
def test_conventional_profile_round_trips(tmp_path: Path, app: str) -> None:
    estate = load_estate(LAB)
    profile = conventional(app, estate)
    path = write_profile(tmp_path / f"{app}.yaml", profile)
    assert load_profile(path, estate) == profile


# (what is wrong, the text to swap in for a piece of GOOD, the line and field the error must name)
BAD = [
    ("relative path", ("/srv/demo/data", "srv/demo/data"), 13, "hosts.web1.data[0].path", "not an absolute"),
    ("dot-dot in a path", ("/srv/demo/data", "/srv/demo/../etc"), 13, "hosts.web1.data[0].path", "normalised"),
    ("double slash", ("/srv/demo/data", "/srv//demo"), 13, "hosts.web1.data[0].path", "normalised"),
    ("the root itself", ("/srv/demo/data", "/"), 13, "hosts.web1.data[0].path", "whole host"),
    ("bad service name", ("name: demo\n", "name: 'demo;rm'\n"), 7, "hosts.web1.services[0].name", "init script"),
    ("bad init system", ("init: sysv", "init: upstart"), 8, "hosts.web1.services[0].init", "not one of"),
    ("unknown key", ("    data:\n", "    dta: []\n    data:\n"), 12, "hosts.web1.dta", "unknown key"),
    ("unknown top key", ("reviewed: false\n", "reviewed: false\nowner: me\n"), 4, "owner", "unknown key"),
    ("missing required", ("        stop: /etc/init.d/demo stop\n", ""), 7, "hosts.web1.services[0].stop",
     "missing required"),
    ("bad db identifier", ("names: [demo]", "names: ['demo; drop']"), 18, "databases[0].names", "identifier"),
    ("bad port", ("port: 8080", "port: 80800"), 21, "health.port", "outside"),
    ("port as text", ("port: 8080", "port: 'http'"), 21, "health.port", "whole number"),
    ("bad status", ("evidence: DATA_DIR in /etc/demo/app.conf", "status: maybe"), 14,
     "hosts.web1.data[0].status", "not one of"),
    ("needs-review without reason", ("evidence: DATA_DIR in /etc/demo/app.conf", "status: needs-review"), 14,
     "hosts.web1.data[0].reason", "without a reason"),
    ("unknown placeholder", ("{db_host}", "{dbhost}"), 26, "rewrites[0].new", "unknown placeholder"),
    ("unbalanced brace", ("{db_host}", "{db_host"), 26, "rewrites[0].new", "brace"),
    ("server db without names", ("    names: [demo]\n", ""), 16, "databases[0].names", "database names"),
    ("control character", ("DB_HOST=db1", "DB_HOST=db1\\x07"), 25, "rewrites[0].old", "control"),
    ("user name", ("        check: /etc/init.d/demo status\n",
                   "        check: /etc/init.d/demo status\n        run_as: Root!\n"), 12,
     "hosts.web1.services[0].run_as", "POSIX"),
    ("wrong format", ("format: 1", "format: 2"), 1, "format", "unsupported format"),
    ("boolean as text", ("init: sysv", "init: yes"), 8, "hosts.web1.services[0].init", "boolean"),
    ("duplicate key", ("reviewed: false\n", "reviewed: false\nreviewed: true\n"), 4, None, "duplicate key"),
    ("malformed YAML", ("hosts:\n", "hosts: [\n"), 6, None, "malformed YAML"),
]


@pytest.mark.parametrize(("what", "swap", "line", "field", "words"), BAD, ids=[b[0] for b in BAD])
def test_each_bad_input_names_file_line_and_field(tmp_path: Path, what: str, swap: tuple[str, str],
                                                  line: int | None, field: str | None, words: str) -> None:
    text = GOOD.replace(*swap, 1)
    if "\\x07" in text:
        text = text.replace("DB_HOST=db1\\x07", '"DB_HOST=db1\\x07"')
    assert text != GOOD, what
    path = _write(tmp_path, text)
    profile, problems = check(path)
    assert profile is None and problems, f"{what}: accepted"
    first = problems[0]
    assert first.startswith(f"{path}:{line}: " if line else f"{path}"), f"{what}: {first}"
    if field:
        assert f": {field}: " in first, f"{what}: expected field {field} in {first!r}"
    assert words in first, f"{what}: expected {words!r} in {first!r}"


def test_reviewed_profile_with_open_question_is_refused(tmp_path: Path) -> None:
    text = GOOD.replace("reviewed: false", "reviewed: true").replace(
        "evidence: DATA_DIR in /etc/demo/app.conf", "status: needs-review\n        reason: which folder?")
    _, problems = check(_write(tmp_path, text))
    expected = f"{tmp_path / 'demo.yaml'}:3: hosts.web1.data[0]: still needs review (which folder?) in a reviewed profile"
    assert problems == [expected]


@pytest.mark.parametrize(("what", "text", "words"), [
    ("too big", "format: 1\n" + "# pad\n" * (MAX_BYTES // 6 + 1), "larger than"),
    ("too deep", "format: 1\napp: demo\nhosts: " + "[" * 40 + "]" * 40 + "\n", "nested deeper"),
    ("alias bomb", "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{c}: &{c} [*{p}, *{p}, *{p}, *{p}]\n" for p, c in zip("abcdefgh", "bcdefghi")), "aliases"),
    ("not a mapping", "- 1\n- 2\n", "expected a mapping"),
    ("empty", "", "empty file"),
    ("not UTF-8", None, "not UTF-8"),
])
def test_bounds_and_shapes(tmp_path: Path, what: str, text: str | None, words: str) -> None:
    path = tmp_path / "demo.yaml"
    if text is None:
        path.write_bytes(b"format: 1\napp: \xff\xfe\n")
    else:
        path.write_text(text)
    _, problems = check(path)
    assert problems and words in problems[0], f"{what}: {problems[:1]}"
    assert problems[0].startswith(str(path))


def test_file_name_and_estate_cross_checks(tmp_path: Path) -> None:
    estate = load_estate(LAB)
    wrong_name = _write(tmp_path, GOOD, "other.yaml")
    assert check(wrong_name)[1] == [f"{wrong_name}: app: 'demo' does not match the file name (other.yaml)"]
    path = write_profile(tmp_path / "simpeg-kemenkes.yaml", conventional("simpeg-kemenkes", estate))
    moved = path.read_text().replace("  kmk-web1:", "  jbr-web1:")
    path.write_text(moved)
    _, problems = check(path, estate)
    expected = f"{path}: hosts.jbr-web1: host 'jbr-web1' is not one of simpeg-kemenkes's hosts (kmk-web1, kmk-db1)"
    assert problems == [expected]
    unknown = write_profile(tmp_path / "nope.yaml", conventional("simpeg-kemenkes", estate))
    unknown.write_text(unknown.read_text().replace("app: simpeg-kemenkes", "app: nope"))
    assert check(unknown, estate)[1] == [f"{unknown}: app: unknown app 'nope' (not in the estate's apps)"]


def test_load_profiles_collects_every_problem_and_skips_proposals(tmp_path: Path) -> None:
    folder = tmp_path / "profiles"
    folder.mkdir()
    _write(folder, GOOD)
    _write(folder, GOOD.replace("/srv/demo/data", "data"), "demo.proposed.yaml")
    assert set(load_profiles(tmp_path)) == {"demo"}
    _write(folder, GOOD.replace("app: demo", "app: two").replace("port: 8080", "port: 0"), "two.yaml")
    _write(folder, GOOD.replace("app: demo", "app: three").replace("init: sysv", "init: x"), "three.yaml")
    with pytest.raises(ProfileInvalid) as caught:
        load_profiles(tmp_path)
    assert len(caught.value.problems) == 2
    assert "2 errors" in caught.value.line()


def test_writer_comments_open_questions(tmp_path: Path) -> None:
    text = GOOD.replace("evidence: DATA_DIR in /etc/demo/app.conf",
                        "status: needs-review\n        reason: two folders match")
    profile = load_profile(_write(tmp_path, text))
    written = to_yaml(profile)
    assert "# NEEDS REVIEW: two folders match" in written
    assert "# 1 entries need review" in written
    assert load_profile(_write(tmp_path, written)) == profile


NOTHING_FOUND = """\
format: 1
app: demo
reviewed: false
hosts:
health:
  path: /
  port: 8080
  evidence: the inventory's port
  status: needs-review
  reason: nothing listens on port 8080 on web1
"""


def test_a_proposal_of_which_nothing_was_found_reads_back_with_its_question(tmp_path: Path) -> None:
    """Discovery of an app that does not run yet writes `hosts:` with nothing under it: the reviewer
    can read (show, validate) that proposal and its open question, and no reviewed profile comes of it."""
    from migration.profile.model import Profile
    from migration.profile.review import reviewed

    profile = load_profile(_write(tmp_path, NOTHING_FOUND))
    assert profile.layouts == () and [q for q, _ in profile.open_questions()] == ["health"]
    assert load_profile(_write(tmp_path, to_yaml(profile))) == profile
    assert load_profile(_write(tmp_path, NOTHING_FOUND.replace("hosts:\n", "hosts: {}\n"))) == profile
    answered = Profile(app="demo", layouts=(), health=None, reviewed=False)
    with pytest.raises(Exception, match="hosts: discovery found nothing of the app"):
        reviewed(answered, None, where="demo.proposed.yaml")
    with pytest.raises(ProfileInvalid, match=r":4: hosts: expected a mapping of host id -> layout, with at least one"):
        load_profile(_write(tmp_path, NOTHING_FOUND.replace("reviewed: false", "reviewed: true")
                            .replace("  status: needs-review\n  reason: nothing listens on port 8080 on web1\n", "")))
