"""The roles as Ansible runs them on real lab hosts (octet 83): the portal's routes written from the
template (what each mode answers, nginx's check before a file is replaced, the reload that waits for
proxied requests in flight, a reload a failed run left undone), and the collect phase, whose second
run changes nothing."""

from __future__ import annotations

import http.client
import json
import threading
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from migration.execution.runner import PhaseResult, run_phase
from tests.support.lab import lab_ssh, shifted

pytestmark = [pytest.mark.integration, pytest.mark.slow]
NAME, OCTET = shifted("roles", 83)
PORTAL = "pdn-portal"
CONF = "/etc/nginx/conf.d"


@pytest.fixture(scope="module")
def lab(make_lab):
    return make_lab(NAME, OCTET)


@pytest.fixture
def phase(lab, tmp_path):
    """phase(name, jobs) -> PhaseResult: one playbook run through the pipeline's own runner."""
    calls = iter(range(100))

    def run(name: str, jobs: dict[str, list[dict[str, Any]]]) -> PhaseResult:
        return run_phase(name, list(jobs), {"dcc_jobs": jobs}, access=lab,
                         work_dir=tmp_path, ident=f"{name}-{next(calls)}")
    return run


def ip_of(lab, host: str) -> str:
    inventory = yaml.safe_load(lab.ansible_inventory.read_text())
    return str(inventory["all"]["hosts"][host]["ansible_host"])


def get(lab, service: str, path: str = "/health") -> tuple[int, dict[str, str], str]:
    conn = http.client.HTTPConnection(ip_of(lab, PORTAL), 80, timeout=30)
    try:
        conn.request("GET", path, headers={"Host": service})
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read().decode()
    finally:
        conn.close()


def route(app: str, service: str, **extra: Any) -> dict[str, Any]:
    return {"app": app, "service": service, "backend": "127.0.0.1", "port": 9999, **extra}


def test_each_mode_answers_as_it_says_and_a_second_run_changes_nothing(lab, phase):
    web1 = ip_of(lab, "kmk-web1")
    jobs = {PORTAL: [
        {"app": "simpeg-kemenkes", "service": "simpeg.kemenkes.go.id", "backend": web1, "port": 8080},
        route("arsip-kemenkes", "arsip.kemenkes.go.id", mode="maintenance", kind="route"),
        route("lapor-bogor", "lapor.bogorkab.go.id", redirect="sp4n-lapor"),
        route("lapor-jabar", "lapor.jabarprov.go.id", redirect=""),
    ]}
    first = phase("cutover", jobs)
    assert first.status == "successful" and first.changed > 0, first
    status, headers, body = get(lab, "simpeg.kemenkes.go.id")
    assert status == 200 and json.loads(body)["host"] == "kmk-web1"
    assert headers.get("x-dcc-upstream") == f"{web1}:8080", "the portal names the backend that answered"
    assert lab_ssh(lab, PORTAL, f"cat {CONF}/dcc-simpeg.kemenkes.go.id.conf").stdout == (
        "# Written by dcc (backup/cutover/rollback); changes here are overwritten.\n"
        "# Portal route for simpeg-kemenkes.\nserver {\n    listen 80;\n    server_name \"simpeg.kemenkes.go.id\";\n"
        f"    location / {{\n        proxy_pass \"http://{web1}:8080\";\n        proxy_set_header Host $host;\n"
        "        proxy_connect_timeout 5s;\n        add_header X-Dcc-Upstream $upstream_addr always;\n    }\n}\n")
    status, headers, body = get(lab, "arsip.kemenkes.go.id")
    assert (status, headers.get("retry-after")) == (503, "120")
    assert body == "arsip.kemenkes.go.id is moving to the national data center; please try again in a few minutes.\n"
    status, headers, _ = get(lab, "lapor.bogorkab.go.id", "/a?b=1")
    assert (status, headers.get("location")) == (308, "https://sp4n-lapor/a?b=1")
    assert get(lab, "lapor.jabarprov.go.id")[0] == 410
    again = phase("cutover", jobs)
    assert again.status == "successful" and again.changed == 0, again


def test_a_route_nginx_rejects_puts_the_batch_back_and_says_why(lab, phase):
    """The batch's first route is accepted and written, its second rejected: both files are as they
    were, a route the batch added is gone again, nothing is reloaded, and the reason is nginx's line."""
    conf = f"{CONF}/dcc-eoffice.bogorkab.go.id.conf"
    listing = f"ls {CONF}; cat {CONF}/dcc-*.conf"
    before = lab_ssh(lab, PORTAL, listing).stdout
    bad = {PORTAL: [route("api", "api.sehat.go.id", mode="maintenance"), route("new", "new.go.id", mode="gone"),
                    {"app": "eoffice-bogor", "service": "eoffice.bogorkab.go.id",
                     "backend": "no-such-host.invalid", "port": 8081}]}
    result = phase("cutover", bad)
    outcome = result.hosts[PORTAL]
    assert outcome.failed, outcome
    assert 'host not found in upstream "no-such-host.invalid"' in outcome.message and conf in outcome.message
    assert lab_ssh(lab, PORTAL, listing).stdout == before
    assert lab_ssh(lab, PORTAL, "ls -d /tmp/tmp.* 2>/dev/null").stdout == "", "the check leaves nothing behind"
    status, _, body = get(lab, "eoffice.bogorkab.go.id")
    assert status == 200 and json.loads(body)["host"] == "bgr-files1"
    assert get(lab, "api.sehat.go.id")[0] == 200


@pytest.mark.parametrize(("job", "named"), [
    ({"service": "x.go.id; location / { return 200; }"}, 'service "x.go.id; location'),
    ({"service": "x.go.id", "backend": "10.0.0.1$host"}, 'backend "10.0.0.1$host" is not an IP address'),
    ({"service": "x.go.id", "port": 0}, "port 0 is not a TCP port"),
    ({"service": "x.go.id", "app": "a\nb"}, 'app "a\\nb" is not an id'),
    ({"service": "x.go.id", "redirect": "evil.go.id\"; return 200 \"x"}, 'redirect "evil.go.id'),
])
def test_a_value_nginx_would_read_as_syntax_is_refused_before_anything_is_written(lab, phase, job, named):
    bad = {PORTAL: [{**route("x", "x.go.id"), **job}]}
    outcome = phase("cutover", bad).hosts[PORTAL]
    assert outcome.failed and named in outcome.message and "dcc_cutover_jobs[0]" in outcome.message, outcome
    assert lab_ssh(lab, PORTAL, f"ls {CONF}").stdout.count("dcc-x") == 0


def test_the_reload_returns_only_once_no_request_is_on_its_way_to_the_old_backend(lab, phase):
    """A request in flight to the old backend when the route changes is answered by the old worker;
    the task waits for it (the write freeze: after the maintenance route, nothing reaches the app)."""
    server = ("import http.server, time\n"
              "class H(http.server.BaseHTTPRequestHandler):\n"
              "    def do_GET(self):\n"
              "        time.sleep(4); self.send_response(200); self.end_headers(); self.wfile.write(b'slow')\n"
              "http.server.HTTPServer(('127.0.0.1', 9999), H).serve_forever()\n")
    started = lab_ssh(lab, PORTAL, f"cat > /root/slow.py <<'EOF'\n{server}EOF\n"
                                   "nohup python3 /root/slow.py >/dev/null 2>&1 & echo $!")
    pid = started.stdout.strip()
    try:
        assert phase("cutover", {PORTAL: [route("slow", "slow.go.id")]}).status == "successful"
        answered: list[float] = []
        slow = threading.Thread(target=lambda: (get(lab, "slow.go.id"), answered.append(time.monotonic())))
        slow.start()
        time.sleep(1)
        result = phase("cutover", {PORTAL: [route("slow", "slow.go.id", mode="maintenance")]})
        returned = time.monotonic()
        slow.join()
        assert result.status == "successful" and result.changed > 0
        assert answered and answered[0] <= returned, "the reload returned while a request was still in flight"
        assert get(lab, "slow.go.id")[0] == 503
    finally:
        lab_ssh(lab, PORTAL, f"kill {pid}; rm -f /root/slow.py")


def test_a_route_written_by_a_run_that_died_before_the_reload_is_loaded_by_the_next_run(lab, phase):
    jobs = {PORTAL: [route("gaji", "gaji.bogorkab.go.id", mode="maintenance")]}
    assert phase("cutover", jobs).status == "successful"
    assert get(lab, "gaji.bogorkab.go.id")[0] == 503
    # The run died between the template and the reload: the file is what the jobs want, nginx is not.
    lab_ssh(lab, PORTAL, f"sed -i 's/return 503 .*/return 410;/' {CONF}/dcc-gaji.bogorkab.go.id.conf")
    assert phase("cutover", {PORTAL: [route("gaji", "gaji.bogorkab.go.id", mode="gone")]}).changed > 0
    assert get(lab, "gaji.bogorkab.go.id")[0] == 410


def test_collect_twice_changes_nothing_the_second_time_and_leaves_no_archive(lab, phase, tmp_path: Path):
    lab_ssh(lab, "kmk-db1", "mkdir -p /var/lib/dcc/staging/simpeg-kemenkes/db && "
                            "echo 'SELECT 1;' > /var/lib/dcc/staging/simpeg-kemenkes/db/dump.sql")
    jobs = {
        "kmk-files1": [{"kind": "files", "app": "arsip-kemenkes", "dest": str(tmp_path / "arsip" / "files.tar"),
                        "paths": ["srv/arsip-kemenkes", "etc/init.d/arsip-kemenkes", "no/such/path"]}],
        "kmk-db1": [{"kind": "db", "app": "simpeg-kemenkes", "dest": str(tmp_path / "simpeg" / "db.tar")}],
    }
    first = phase("collect", jobs)
    assert first.status == "successful" and all(h.changed for h in first.hosts.values()), first
    assert (tmp_path / "arsip" / "files.tar").stat().st_size > 100_000
    second = phase("collect", jobs)
    assert second.status == "successful" and second.changed == 0, second
    for host in jobs:
        assert lab_ssh(lab, host, "find /var/lib/dcc/staging -name '*.tar*' | wc -l").stdout.strip() == "0"
    lab_ssh(lab, "kmk-files1", "touch /srv/arsip-kemenkes/data/new-file")
    third = phase("collect", jobs)
    assert third.hosts["kmk-files1"].changed and not third.hosts["kmk-db1"].changed, third
