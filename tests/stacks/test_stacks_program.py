"""Run the real stack program under Pulumi's mocks (lab stack, a national shard) and check
every guardrail on what it registered, and that it equals what `dcc render` writes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from migration.inventory import load_estate
from stacks.estate import policy_context, read_strategies, specs_from_estate
from stacks.manifests import render_objects
from stacks.policy.policies import STACK_POLICIES, check_object
from stacks.settings import parse_settings
from tests.support.stacks.stackhelp import ROOT, key, normalize
from tests.support.stacks.stackmock import Recording, run_program

pytestmark = pytest.mark.stacks
COMPONENTS = ("dcc:stacks:Tenant", "dcc:stacks:MigratedApp", "dcc:stacks:PlatformServices")


@pytest.fixture(scope="module")
def lab(lab_values):
    return run_program(lab_values, stack="lab")


def _rendered(values, agencies=None):
    settings = parse_settings(values)
    specs = specs_from_estate(load_estate(settings.inventory), read_strategies(settings.plan), settings)
    objs = [o for objs in render_objects(specs, agencies).values() for o in objs]
    return objs, policy_context(specs, settings)


def _registered_objects(recording):
    return [normalize(r.inputs) for r in recording.k8s_objects()]


def test_lab_registers_components_with_parent_and_outputs(lab):
    comps = {r.urn: r for r in lab.resources if r.type in COMPONENTS}
    assert sorted(r.type for r in comps.values()).count("dcc:stacks:Tenant") == 4
    assert sorted(r.type for r in comps.values()).count("dcc:stacks:MigratedApp") == 5
    assert set(comps) <= lab.with_outputs, "a component did not call register_outputs"
    for r in lab.resources:
        if r.custom:
            assert r.parent in comps, f"{r.type} {r.name} is not parented to a component (parent={r.parent})"


def test_lab_tenants_wait_for_the_platform_and_their_namespace(lab):
    releases = {r.urn for r in lab.of_type("kubernetes:helm.sh/v3:Release")}
    namespaces = {r.urn: r for r in lab.k8s_objects() if r.type == "kubernetes:core/v1:Namespace"
                  and "dcc.go.id/agency" in r.inputs["metadata"]["labels"]}
    for ns in namespaces.values():
        assert releases <= set(ns.dependencies), f"tenant namespace {ns.name} does not wait for the platform"
    for r in lab.k8s_objects():
        if r.parent.split("::")[-1] in {n.inputs["metadata"]["name"] for n in namespaces.values()} and r.urn not in namespaces:
            assert set(r.dependencies) & set(namespaces), f"{r.name} does not wait for its namespace"


def test_lab_registered_objects_pass_every_policy(lab, lab_values):
    _, ctx = _rendered(lab_values)
    objs = _registered_objects(lab)
    problems = [(o["kind"], o["metadata"]["name"], v) for o in objs for v in check_object(o, ctx)]
    assert problems == []
    for policy in STACK_POLICIES:
        assert policy.check(objs, ctx) == [], policy.name
    tenants = [o for o in objs if o["kind"] == "Namespace" and "dcc.go.id/agency" in o["metadata"]["labels"]]
    assert len(tenants) == 4


def test_lab_guardrails_on_registered_objects(lab):
    objs = _registered_objects(lab)
    kinds = {o["kind"] for o in objs}
    assert "ClusterRoleBinding" not in kinds and "ClusterRole" not in kinds
    assert not [o for o in objs if o["kind"] == "Service" and o["spec"]["type"] != "ClusterIP"]
    for s in (o for o in objs if o["kind"] == "Secret"):
        assert set(s["stringData"].values()) == {"<secret>"}, "secret values must stay Pulumi secrets"
    workloads = [o for o in objs if o["kind"] in ("Deployment", "StatefulSet")]
    assert {w["metadata"]["labels"]["dcc.go.id/app-id"] for w in workloads} == {
        "simpeg-kemenkes", "arsip-kemenkes", "sehat-api", "perizinan-jabar", "lapor-jabar"}
    assert {w["kind"] for w in workloads if w["metadata"]["name"] in ("simpeg-kemenkes", "perizinan-jabar")} == {"StatefulSet"}
    releases = lab.of_type("kubernetes:helm.sh/v3:Release")
    assert sorted(r.inputs["chart"] for r in releases) == sorted(
        ["ingress-nginx", "keycloakx", "kong", "minio", "velero", "kube-prometheus-stack"])
    assert all(r.inputs["version"][0].isdigit() for r in releases)


def test_lab_secret_values_are_pulumi_secrets(lab):
    secrets = [r.inputs for r in lab.k8s_objects() if r.inputs["kind"] == "Secret"]
    assert secrets and all("4dabf18193072939515e22adb298388d" in s["stringData"] for s in secrets), \
        "stringData must be registered as a Pulumi secret"


def test_lab_registered_equals_rendered(lab, lab_values):
    rendered, _ = _rendered(lab_values)
    mine = {key(o): normalize(o) for o in rendered if o["kind"] != "HelmRelease"}
    theirs = {key(o): o for o in _registered_objects(lab)}
    assert sorted(theirs) == sorted(mine)
    for k, o in mine.items():
        assert theirs[k] == o, f"{k} differs between Pulumi and dcc render"
    summaries = {o["metadata"]["name"]: normalize(o) for o in rendered if o["kind"] == "HelmRelease"}
    releases = {r.inputs["name"]: r.inputs for r in lab.of_type("kubernetes:helm.sh/v3:Release")}
    assert sorted(summaries) == sorted(releases)
    for name, summary in summaries.items():
        got = releases[name]
        assert (got["chart"], got["version"], got["repositoryOpts"]["repo"], got["namespace"], got["values"]) == (
            summary["spec"]["chart"], summary["spec"]["version"], summary["spec"]["repo"],
            summary["metadata"]["namespace"], summary["spec"]["values"]), name


def test_national_shard_reads_platform_through_stack_reference(lab_values, small_national):
    estate, plan = small_national
    values = {**lab_values, "role": "tenants", "shard": {"index": 1, "count": 3},
              "platformStack": "organization/dcc/national", "inventory": str(estate), "plan": str(plan)}
    outputs = {"portalNamespace": "nat-portal", "gatewayNamespace": "nat-exchange", "backupNamespace": "nat-velero",
               "backupLocation": "drc-batam", "storageEndpoint": "https://s3.cikarang.pdn.go.id"}
    rec = run_program(values, stack="national-shard-1", platform_outputs=outputs)
    assert rec.stack_refs == ["organization/dcc/national"]
    assert not rec.of_type("dcc:stacks:PlatformServices") and not rec.of_type("kubernetes:helm.sh/v3:Release")
    objs = _registered_objects(rec)
    schedules = [o for o in objs if o["kind"] == "Schedule"]
    assert schedules and {s["metadata"]["namespace"] for s in schedules} == {"nat-velero"}
    ingress_peers = [o["spec"]["ingress"][0]["from"][0] for o in objs if o["metadata"]["name"] == "allow-ingress"]
    assert {p["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"] for p in ingress_peers} == {"nat-portal"}
    # Same shard rendered with the platform's names must give the same objects.
    settings = parse_settings(values)
    specs = specs_from_estate(load_estate(estate), read_strategies(plan), settings)
    agencies = settings.shard.selects([t.agency for t in specs.tenants])
    assert len(rec.of_type("dcc:stacks:Tenant")) == len(agencies) < len(specs.tenants)
    from dataclasses import replace

    refs = replace(specs.platform.refs, portal_namespace="nat-portal", gateway_namespace="nat-exchange",
                   backup_namespace="nat-velero")
    specs = replace(specs, platform=replace(specs.platform, refs=refs))
    rendered = [o for f, objs in render_objects(specs, agencies).items() if f != "_platform" for o in objs]
    assert {key(o): normalize(o) for o in rendered} == {key(o): o for o in objs}


def test_national_platform_stack_exports_what_the_shards_read(lab_values):
    values = {**lab_values, "role": "platform"}
    rec = run_program(values, stack="national")
    assert not rec.of_type("dcc:stacks:Tenant") and len(rec.of_type("kubernetes:helm.sh/v3:Release")) == 6
    exports = rec.exports
    assert {k: exports.get(k) for k in ("portalNamespace", "gatewayNamespace", "backupNamespace", "backupLocation")} == {
        "portalNamespace": "dcc-portal", "gatewayNamespace": "dcc-exchange", "backupNamespace": "velero",
        "backupLocation": "drc-batam"}
    assert exports["storageEndpoint"] == "https://s3.cikarang.pdn.go.id"
    [bsl] = [r.inputs for r in rec.of_type("kubernetes:velero.io/v1:BackupStorageLocation")]
    assert bsl["spec"]["config"]["s3Url"] == "https://s3.batam.pdn.go.id"


def _secret_data(r) -> dict:
    data = r.inputs["stringData"]
    assert "4dabf18193072939515e22adb298388d" in data, f"{r.name}: stringData is not a Pulumi secret"
    return data["value"]


def test_platform_secrets_are_generated_or_from_stack_secrets(lab):
    secrets = {r.inputs["metadata"]["name"]: r for r in lab.k8s_objects() if r.inputs["kind"] == "Secret"
               and r.inputs["metadata"]["namespace"] in ("velero", "dcc-identity", "dcc-monitoring", "dcc-storage")}
    assert sorted(secrets) == ["grafana-admin", "keycloak-admin", "keycloak-db", "minio-root", "velero-credentials"]
    cloud = _secret_data(secrets["velero-credentials"])["cloud"]
    assert "aws_access_key_id=test-key-id" in cloud and "aws_secret_access_key=test-secret-key" in cloud
    assert _secret_data(secrets["keycloak-db"])["password"] == "test-db-password"
    generated = [_secret_data(secrets["grafana-admin"])["admin-password"],
                 _secret_data(secrets["keycloak-admin"])["KC_BOOTSTRAP_ADMIN_PASSWORD"],
                 _secret_data(secrets["minio-root"])["rootPassword"]]
    assert len(set(generated)) == 3 and all(len(p) == 64 and p != "prom-operator" for p in generated)
    releases = {r.inputs["chart"]: r for r in lab.of_type("kubernetes:helm.sh/v3:Release")}
    for chart in releases.values():  # charts read the Secrets by name; none waits for nothing
        assert {s.urn for s in secrets.values()} <= set(chart.dependencies), chart.name


def test_admission_policies_are_cluster_objects_of_the_platform(lab):
    policies = lab.of_type("kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicy")
    bindings = lab.of_type("kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicyBinding")
    assert len(policies) == len(bindings) >= 13
    platform = next(r.urn for r in lab.of_type("dcc:stacks:PlatformServices"))
    assert {r.parent for r in policies + bindings} == {platform}


def test_apps_wait_for_their_tenants_admission_parameters(lab):
    params = {r.urn for r in lab.k8s_objects() if r.inputs["kind"] == "ConfigMap"}
    workloads = [r for r in lab.k8s_objects() if r.inputs["kind"] in ("Deployment", "StatefulSet")]
    assert workloads and all(set(w.dependencies) & params for w in workloads)


@pytest.mark.parametrize("missing", ["dcc:backupAccessKeyId", "dcc:identityDatabasePassword"])
def test_platform_without_a_credential_stops_naming_the_key(lab_values, missing):
    import pulumi

    from tests.support.stacks.stackmock import SECRETS

    with pytest.raises(pulumi.RunError, match=f"^{missing}: is required"):
        run_program({**lab_values, "role": "platform"}, stack="national",
                    secrets={k: v for k, v in SECRETS.items() if k != missing})


@pytest.mark.parametrize(("file", "old", "new", "made_for"), [
    ("estate.yaml", "name: lab", "name: lab-two", "another estate"),
    ("apps.yaml", "data_gb: 180", "data_gb: 181", "an older or other inventory"),
], ids=["another estate", "changed inventory"])
def test_program_refuses_a_plan_made_for_another_estate_naming_both(lab_values, tmp_path, file, old, new, made_for):
    """`pulumi up` reads the plan through the one plan reader, bound to the estate it loads, and
    stops before registering anything (the platform too: what is registered gets created)."""
    import pulumi

    estate = tmp_path / "estate"
    shutil.copytree(ROOT / "inventory" / "lab", estate)
    text = (estate / file).read_text()
    assert old in text, f"{file} no longer holds {old!r}: this test must follow the lab estate"
    (estate / file).write_text(text.replace(old, new, 1))
    plan = Path(lab_values["plan"])
    planned, now = json.loads(plan.read_text())["inventory_digest"][:12], load_estate(estate)
    recording = Recording()
    with pytest.raises(pulumi.RunError) as err:
        run_program({**lab_values, "inventory": str(estate)}, stack="lab", recording=recording)
    line = str(err.value)
    assert "\n" not in line and line.startswith(f"{plan}: plan was made for {made_for}: "), line
    assert f"estate 'lab' at inventory digest {planned}" in line, line
    assert f"but estate {now.name!r} is at inventory digest {now.digest[:12]}" in line, line
    assert recording.resources == [], f"registered before the refusal: {[r.type for r in recording.resources][:5]}"
    assert line.endswith("or pass dcc:acceptPlanMismatch true to use it anyway"), line
    # The stack's own setting accepts it on purpose: the program goes on and registers the stack.
    accepted = Recording()
    run_program({**lab_values, "inventory": str(estate), "acceptPlanMismatch": "true"}, stack="lab",
                recording=accepted)
    assert accepted.resources, "an accepted plan must build the stack"
