"""Which host serves an app through the portal: the backend the portal names in X-Dcc-Upstream
(so an app whose health answer says nothing of its host can be cut over and rolled back), else the
`host` field of the app's health JSON."""

from __future__ import annotations

import pytest

from migration.execution.steps import PortalAnswer, serving_host
from tests.support.appmoves import move

MOVE = move("surat", ("src1", "src2"), db=True)  # src1 10.77.1.1 -> t-src1 10.77.10.1; db1 -> tdb1


@pytest.mark.parametrize(("upstream", "body", "serving"), [
    ("10.77.10.1:7321", b'{"ok": true}', "t-src1"),                  # the portal names the target
    ("10.77.1.1:7321", b"OK", "src1"),                                # plain-text health: still known
    ("10.77.1.1:7321, 10.77.10.1:7321", b"", "t-src1"),              # nginx retried: the last one answered
    ("10.77.10.99:5432", b"", "tdb1"),                               # any host of the move
    ("10.9.9.9:80", b'{"host": "t-src1"}', "10.9.9.9"),              # a stranger: never taken for a host of it
    ("", b'{"status": "ok", "host": "t-src1"}', "t-src1"),           # a route without the header: the JSON
    ("", b'{"ok": true}', ""),
    ("", b"OK", "no answer (Expecting value: line 1 column 1 (char 0))"),
    ("", b"[1]", "no answer (no backend named)"),
])
def test_the_portals_word_comes_first(upstream: str, body: bytes, serving: str) -> None:
    assert serving_host(MOVE, PortalAnswer(200, "", upstream, body)) == serving
