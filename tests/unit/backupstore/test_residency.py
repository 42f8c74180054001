"""Issue 15, residency: every endpoint backups go to is checked against the stacks' allow-list
before any byte leaves a host; loopback only when the estate says so (the lab)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.inventory import edit, in_process, lab_copy

ALLOW = ("pdn.go.id", "s3.backup.go.id")


@pytest.mark.parametrize(("url", "allowed"), [
    ("https://s3.pdn.go.id", True),
    ("https://pdn.go.id:9000/bucket", True),
    ("https://S3.PDN.GO.ID.", True),
    ("http://s3.backup.go.id", True),
    ("https://s3.amazonaws.com", False),
    ("https://pdn.go.id.evil.com", False),
    ("https://evilpdn.go.id", False),
    ("https://pdn.go.id@evil.com", False),
    ("https://evil.com\\@s3.pdn.go.id", False),
    ("https://evil.com#.pdn.go.id", False),
    ("https://evil.com/?x=.pdn.go.id", False),
    ("https://s3.pdn.go.id\u3002evil.com", False),
    ("https://xn--pdn-go-id.evil.com", False),
    ("s3.pdn.go.id", False),  # no scheme: where would it go?
    ("ftp://s3.pdn.go.id", False),
    ("https://", False),
    ("https://s3.pdn.go.id /x", False),
    ("http://127.0.0.1:8333", False),
    ("http://localhost:8333", False),
    ("http://[::1]:8333", False),
    ("http://10.1.2.3:9000", False),
])
def test_host_allowed_matches_the_stacks_rule_and_refuses_tricks(url: str, allowed: bool) -> None:
    from migration.backupstore.residency import Residency, endpoint_problem

    assert (endpoint_problem(url, Residency(ALLOW, allow_loopback=False, source="t")) is None) is allowed


@pytest.mark.parametrize("url", ["http://127.0.0.1:8333", "http://localhost:9000", "http://[::1]:1",
                                 "http://127.9.9.9:1"])
def test_loopback_only_when_the_estate_says_so(url: str) -> None:
    from migration.backupstore.residency import Residency, endpoint_problem

    assert endpoint_problem(url, Residency(ALLOW, allow_loopback=True, source="t")) is None
    assert endpoint_problem(url, Residency(ALLOW, allow_loopback=False, source="t")) is not None


def test_the_empty_entry_allows_nothing() -> None:
    from migration.backupstore.residency import Residency, endpoint_problem

    assert endpoint_problem("https://evil.com", Residency(("",), allow_loopback=False, source="t")) is not None


def test_migrate_refuses_an_endpoint_off_the_allow_list_before_connecting(tmp_path: Path,
                                                                          capsys: pytest.CaptureFixture[str]) -> None:
    estate = lab_copy(tmp_path)
    plan = tmp_path / "plan.json"
    assert in_process(capsys, "plan", "--estate", str(estate), "--out", str(plan))[0] == 0
    for endpoint in ("https://s3.amazonaws.com", "http://203.0.113.9:9000"):
        code, _, err = in_process(capsys, "migrate", "--estate", str(estate), "--plan", str(plan), "--wave", "1",
                                  "--s3-endpoint", endpoint)
        assert code == 2 and err.count("\n") == 1, err
        assert endpoint in err and "residency" in err and "estate.yaml" in err, err


def test_the_lab_estate_allows_loopback_and_a_copy_that_removes_it_does_not(tmp_path: Path,
                                                                             capsys: pytest.CaptureFixture[str]) -> None:
    from migration.backupstore.residency import check_endpoints, residency_of
    from migration.inventory import load_estate

    estate = lab_copy(tmp_path)
    check_endpoints(["http://127.0.0.1:8333"], residency_of(load_estate(estate)))
    edit(estate, "estate.yaml", "storage_allow_loopback: true", "storage_allow_loopback: false")
    from migration.errors import InputError

    with pytest.raises(InputError, match="127.0.0.1"):
        check_endpoints(["http://127.0.0.1:8333"], residency_of(load_estate(estate)))


def test_a_pulumi_stack_file_gives_the_same_allow_list(tmp_path: Path) -> None:
    from migration.backupstore.residency import read_stack_allow_list
    from migration.errors import InputError

    stack = tmp_path / "Pulumi.x.yaml"
    stack.write_text("config:\n  dcc:storageAllowList: [s3.pdn.go.id]\n")
    assert read_stack_allow_list(stack) == ("s3.pdn.go.id",)
    for bad in ("config: {}\n", "config:\n  dcc:storageAllowList: s3.pdn.go.id\n", "[1, 2]\n", "a: &a [*a]\n"):
        stack.write_text(bad)
        with pytest.raises(InputError, match=str(stack)):
            read_stack_allow_list(stack)
