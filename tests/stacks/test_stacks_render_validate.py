"""`dcc render` writes schema-valid, policy-clean manifests; `dcc validate` catches what is not,
in one line naming the file and the object."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from stacks.manifests import read_manifests
from stacks.validation import schema_findings, validator
from tests.support.stacks.stackhelp import LAB_PLAN, ROOT


def dcc(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "migration", *args], check=False, capture_output=True, text=True,
                          cwd=ROOT)


@pytest.fixture(scope="module")
def lab_out(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("render") / "lab"
    r = dcc("render", "--estate", "inventory/lab", "--plan", str(LAB_PLAN), "--out", str(out))
    assert r.returncode == 0, r.stderr
    return out


def test_render_writes_a_folder_per_tenant_and_the_policy_config(lab_out):
    assert sorted(p.name for p in lab_out.iterdir()) == [
        "_platform", "kemenkes", "komdigi", "pemkab-bogor", "pemprov-jabar", "policy-config.json"]
    config = json.loads((lab_out / "policy-config.json").read_text())
    assert "simpeg-kemenkes" in config["dcc-no-new-apps"]["allowedAppIds"]


def test_every_rendered_object_passes_strict_schema(lab_out):
    objects = read_manifests(lab_out)
    assert len(objects) > 70
    problems = [f for src, o in objects for f in schema_findings(o, src)]
    assert problems == []


def test_strict_schema_rejects_an_unknown_field():
    ns = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "x", "lables": {}}}
    [finding] = schema_findings(ns, "f.yaml")
    assert finding.ref == "Namespace/x" and "lables" in finding.message
    assert validator("v1", "Namespace") is validator("v1", "Namespace"), "validators must be cached"


def test_rendered_secrets_hold_references_not_values(lab_out):
    secrets = [o for _, o in read_manifests(lab_out) if o["kind"] == "Secret"]
    plain = {"KC_BOOTSTRAP_ADMIN_USERNAME", "admin-user", "rootUser"}  # user names, not secrets
    assert secrets and all(v.startswith("secretref:dcc/") for s in secrets for k, v in s["stringData"].items()
                           if k not in plain)


def test_validate_passes_on_rendered_lab(lab_out):
    r = dcc("validate", str(lab_out))
    assert r.returncode == 0, r.stdout + r.stderr
    assert "dcc-no-new-apps" in r.stdout


@pytest.mark.parametrize("mutate,check", [
    (lambda o: o["spec"]["template"]["spec"]["containers"][0].update(image="registry.pdn.go.id/kemenkes/simpeg-kemenkes:latest"),
     "dcc-pinned-images"),
    (lambda o: o["metadata"]["labels"].update({"dcc.go.id/app-id": "new-shiny-app"}), "dcc-no-new-apps"),
    (lambda o: o["spec"].update(replica=3), "schema"),
])
def test_validate_fails_naming_file_and_object(lab_out, tmp_path, mutate, check):
    bad = tmp_path / "lab"
    subprocess.run(["cp", "-r", str(lab_out), str(bad)], check=True)
    path = bad / "kemenkes" / "manifests.yaml"
    docs = list(yaml.safe_load_all(path.read_text()))
    target = next(o for o in docs if o["kind"] == "StatefulSet")
    mutate(target)
    path.write_text(yaml.safe_dump_all(docs, sort_keys=False))
    r = dcc("validate", str(bad))
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in r.stderr
    assert str(path) in lines[0] and "StatefulSet/kemenkes/simpeg-kemenkes" in lines[0] and check in lines[0]


def test_render_bad_plan_is_one_line_naming_the_key(tmp_path):
    plan = tmp_path / "plan.json"
    data = json.loads(LAB_PLAN.read_text())
    data["apps"]["simpeg-kemenkes"]["strategy"] = "teleport"
    plan.write_text(json.dumps(data))
    out = tmp_path / "out"
    r = dcc("render", "--estate", "inventory/lab", "--plan", str(plan), "--out", str(out))
    assert r.returncode == 2 and not out.exists()
    assert r.stderr.strip().count("\n") == 0 and "apps.simpeg-kemenkes.strategy" in r.stderr


def test_render_refuses_a_plan_made_for_an_older_inventory_unless_told(tmp_path):
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps({**json.loads(LAB_PLAN.read_text()), "inventory_digest": "0" * 64}))
    out = tmp_path / "out"
    r = dcc("render", "--estate", "inventory/lab", "--plan", str(plan), "--out", str(out))
    assert r.returncode == 2 and not out.exists() and r.stderr.strip().count("\n") == 0, r.stderr
    assert "inventory digest" in r.stderr, r.stderr
    r = dcc("render", "--estate", "inventory/lab", "--plan", str(plan), "--out", str(out), "--accept-plan-mismatch")
    assert r.returncode == 0 and "warning:" in r.stderr, r.stderr


def test_render_refuses_to_replace_a_folder_it_did_not_write(tmp_path):
    (tmp_path / "precious.txt").write_text("keep me")
    r = dcc("render", "--estate", "inventory/lab", "--plan", str(LAB_PLAN), "--out", str(tmp_path))
    assert r.returncode == 2 and (tmp_path / "precious.txt").read_text() == "keep me"


def test_render_and_validate_with_the_planners_own_lab_plan(tmp_path):
    plan, out = tmp_path / "plan.json", tmp_path / "out"
    r = dcc("plan", "--estate", "inventory/lab", "--out", str(plan))
    assert r.returncode == 0, r.stderr
    r = dcc("render", "--estate", "inventory/lab", "--plan", str(plan), "--out", str(out))
    assert r.returncode == 0, r.stderr
    r = dcc("validate", str(out))
    assert r.returncode == 0, r.stdout + r.stderr
    replatformed = {k for k, v in json.loads(plan.read_text())["apps"].items() if v["strategy"] == "replatform"}
    workloads = {o["metadata"]["labels"]["dcc.go.id/app-id"] for _, o in read_manifests(out)
                 if o["kind"] in ("Deployment", "StatefulSet")}
    assert workloads == replatformed
