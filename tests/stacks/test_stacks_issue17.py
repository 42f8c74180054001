"""Issue 17, points 1-9: each test failed on the output before the fix (see docs/stacks.md).

They use only the builders and the stack settings, whose interfaces did not change, so the same
file runs against the old code too.
"""

from __future__ import annotations

import math

import pytest

from stacks.builders.app import app_objects
from stacks.builders.platform import platform_objects
from stacks.builders.specs import AppSpec, PlatformRefs, TenantSpec
from stacks.builders.tenant import tenant_objects
from stacks.settings import parse_settings
from stacks.stackfile import stack_values
from tests.support.stacks.stackhelp import ROOT

REFS = PlatformRefs()
WRITE_VERBS = {"create", "update", "patch", "delete", "deletecollection", "*"}
ISOLATION = {"networkpolicies", "endpoints", "endpointslices", "resourcequotas", "limitranges", "roles", "rolebindings"}


def spec(app_id: str, cpu: float, mem: float, data: float = 0, archetype: str = "api") -> AppSpec:
    return AppSpec(app_id, "kemenkes", app_id, archetype, f"{app_id}.kemenkes.go.id", 8080, "1.0.0", cpu, mem, data)


def tenant(*apps: AppSpec) -> list[dict]:
    t = TenantSpec("kemenkes", "Kemenkes", apps)
    return tenant_objects(t, REFS) + [o for a in apps for o in app_objects(a, REFS)]


def platform(**overrides) -> list[dict]:
    values = {**stack_values(ROOT / "Pulumi.lab.yaml"), **overrides}
    return platform_objects(parse_settings(values).platform)


def release(objs: list[dict], chart: str) -> dict:
    return next(o["spec"] for o in objs if o["kind"] == "HelmRelease" and o["spec"]["chart"] == chart)


def of_kind(objs: list[dict], kind: str) -> list[dict]:
    return [o for o in objs if o["kind"] == kind]


def cpu_m(q: str) -> int:
    return int(q[:-1]) if q.endswith("m") else int(float(q) * 1000)


def mem_mi(q: str) -> int:
    return int(q[:-2]) * (1024 if q.endswith("Gi") else 1)


def test_1_agency_admins_cannot_write_their_isolation():
    objs = tenant(spec("simpeg", 2, 4))
    admins = next(o for o in of_kind(objs, "RoleBinding") if o["metadata"]["name"] == "agency-admins")
    ref = admins["roleRef"]
    assert ref["kind"] == "Role", f"agency admins are bound to the built-in ClusterRole {ref['name']!r}"
    role = next(o for o in of_kind(objs, "Role") if o["metadata"]["name"] == ref["name"])
    grants = {(res, v) for r in role["rules"] for res in r["resources"] for v in r["verbs"]}
    assert not {(res, v) for res, v in grants if res in ISOLATION and v in WRITE_VERBS}


def test_2_every_guardrail_is_an_admission_policy_in_the_cluster():
    objs = platform()
    names = {o["metadata"]["name"] for o in of_kind(objs, "ValidatingAdmissionPolicy")}
    bound = {o["spec"]["policyName"] for o in of_kind(objs, "ValidatingAdmissionPolicyBinding")}
    wanted = {"dcc-pss-restricted-labels", "dcc-restricted-pods", "dcc-no-new-apps", "dcc-registry",
              "dcc-data-residency", "dcc-ingress-hosts", "dcc-service-types", "dcc-image-pull-policy",
              "dcc-tenant-guardrails", "dcc-container-limits"}
    assert wanted <= names and wanted <= bound, wanted - (names & bound)


def test_3_portal_ingress_nginx_has_the_cve_2025_1974_fix():
    version = tuple(int(x) for x in release(platform(), "ingress-nginx")["version"].split("."))
    assert version >= (4, 12, 1) or (4, 11, 5) <= version < (4, 12, 0), f"ingress-nginx chart {version}"


def test_4_no_workload_exceeds_its_tenants_limit_range():
    # the "biggest" app by CPU + memory (64 GiB, 2 CPU) must not cap the CPU-heavy one (16 CPU)
    objs = tenant(spec("hitung", 16, 8), spec("arsip", 2, 64, 30, "files"))
    [lr] = of_kind(objs, "LimitRange")
    cap = lr["spec"]["limits"][0]["max"]
    for w in of_kind(objs, "Deployment") + of_kind(objs, "StatefulSet"):
        for c in w["spec"]["template"]["spec"]["containers"]:
            lim = c["resources"]["limits"]
            assert cpu_m(lim["cpu"]) <= cpu_m(cap["cpu"]) and mem_mi(lim["memory"]) <= mem_mi(cap["memory"]), \
                f"{w['metadata']['name']} limits {lim} exceed the LimitRange max {cap}"


@pytest.mark.parametrize("chart", ["keycloakx", "minio"])
def test_5_platform_pods_in_restricted_namespaces_are_restricted(chart):
    values = release(platform(), chart)["values"]
    contexts = {"keycloakx": [values.get("securityContext", {})],
                "minio": [values.get("containerSecurityContext", {})] + [
                    values.get(j, {}).get("containerSecurityContext", {}) for j in ("makeBucketJob", "makeUserJob",
                                                                                     "makePolicyJob", "customCommandJob")]}
    for sc in contexts[chart]:
        assert sc.get("allowPrivilegeEscalation") is False and sc.get("capabilities", {}).get("drop") == ["ALL"]
        assert sc.get("runAsNonRoot") is True and sc.get("seccompProfile", {}).get("type") == "RuntimeDefault", sc
    if chart == "minio":
        post = values.get("postJob", {}).get("securityContext", {})
        assert post.get("enabled") is True and post.get("seccompProfile", {}).get("type") == "RuntimeDefault"


def _secret(objs: list[dict], name: str) -> dict:
    found = [o for o in of_kind(objs, "Secret") if o["metadata"]["name"] == name]
    assert found, f"no Secret {name!r} in the platform"
    return found[0]


def test_6_velero_gets_credentials_from_a_secret():
    objs = platform()
    creds = release(objs, "velero")["values"].get("credentials", {})
    assert creds.get("useSecret", True) and creds.get("existingSecret"), f"velero credentials: {creds}"
    assert "cloud" in _secret(objs, creds["existingSecret"])["stringData"]


def test_7_rolling_updates_fit_the_quota():
    app = spec("layanan", 4, 4)  # two replicas that alone fill the tenant's quota
    objs = tenant(app)
    [quota] = of_kind(objs, "ResourceQuota")
    [dep] = of_kind(objs, "Deployment")
    replicas = dep["spec"]["replicas"]
    rolling = dep["spec"]["strategy"].get("rollingUpdate", {})
    surge = rolling.get("maxSurge", "25%")
    surge = math.ceil(replicas * int(surge[:-1]) / 100) if isinstance(surge, str) else surge
    pod_cpu = cpu_m(dep["spec"]["template"]["spec"]["containers"][0]["resources"]["limits"]["cpu"])
    assert (replicas + surge) * pod_cpu <= cpu_m(quota["spec"]["hard"]["limits.cpu"]), "the surge pod cannot fit"


def test_8_admin_passwords_tls_keycloak_database_kong_and_exposure():
    objs = platform()
    grafana = release(objs, "kube-prometheus-stack")["values"]["grafana"]
    assert grafana.get("admin", {}).get("existingSecret"), "Grafana keeps its chart's default admin password"
    assert "admin-password" in _secret(objs, grafana["admin"]["existingSecret"])["stringData"]
    keycloak = release(objs, "keycloakx")["values"]
    assert "start" in keycloak.get("command", []) and keycloak.get("database", {}).get("vendor") == "postgres"
    kong = release(objs, "kong")["values"]
    assert kong.get("proxy", {}).get("type") == "ClusterIP" and kong.get("ingressController", {}).get("enabled")
    on_prem = platform(portalExposure="NodePort")
    assert release(on_prem, "ingress-nginx")["values"]["controller"].get("service", {}).get("type") == "NodePort"
    refs = parse_settings({**stack_values(ROOT / "Pulumi.lab.yaml"), "portalExposure": "NodePort"}).platform.refs
    [ing] = [o for o in app_objects(spec("web", 1, 1), refs) if o["kind"] == "Ingress"]
    assert ing["metadata"].get("annotations", {}).get("pulumi.com/skipAwait") == "true"
    for ing in of_kind(tenant(spec("web", 1, 1)), "Ingress"):
        tls = {h for t in ing["spec"].get("tls", []) for h in t["hosts"]}
        assert {r["host"] for r in ing["spec"]["rules"]} <= tls, "an Ingress without TLS"


def test_9_pull_always_probes_headless_services_budgets_and_spread():
    objs = tenant(spec("db-app", 2, 4, 10, "web-db"), spec("api", 1, 2))
    for w in of_kind(objs, "Deployment") + of_kind(objs, "StatefulSet"):
        for c in w["spec"]["template"]["spec"]["containers"]:
            assert c.get("imagePullPolicy") == "Always" and c.get("livenessProbe"), w["metadata"]["name"]
    [sts] = of_kind(objs, "StatefulSet")
    governing = [s for s in of_kind(objs, "Service") if s["metadata"]["name"] == sts["spec"]["serviceName"]]
    assert governing and governing[0]["spec"].get("clusterIP") == "None", "StatefulSet's Service is not headless"
    [dep] = of_kind(objs, "Deployment")
    assert dep["spec"]["replicas"] == 2 and dep["spec"]["template"]["spec"].get("topologySpreadConstraints")
    assert [b for b in of_kind(objs, "PodDisruptionBudget") if b["spec"]["selector"] == dep["spec"]["selector"]]


def test_4_7_national_sample_fits_limit_ranges_and_quotas(lab_values, small_national):
    """The same checks over every tenant of a generated national sample (the whole estate path)."""
    from migration.inventory import load_estate
    from stacks.estate import read_strategies, specs_from_estate
    from stacks.manifests import render_objects

    estate, plan = small_national
    settings = parse_settings({**lab_values, "inventory": str(estate), "plan": str(plan)})
    specs = specs_from_estate(load_estate(estate), read_strategies(plan), settings)
    for folder, objs in render_objects(specs).items():
        if folder == "_platform":
            continue
        cap = of_kind(objs, "LimitRange")[0]["spec"]["limits"][0]["max"]
        hard = of_kind(objs, "ResourceQuota")[0]["spec"]["hard"]
        pods = of_kind(objs, "Deployment") + of_kind(objs, "StatefulSet")
        used = 0
        for w in pods:
            lim = w["spec"]["template"]["spec"]["containers"][0]["resources"]["limits"]
            assert cpu_m(lim["cpu"]) <= cpu_m(cap["cpu"]) and mem_mi(lim["memory"]) <= mem_mi(cap["memory"]), folder
            used += cpu_m(lim["cpu"]) * w["spec"]["replicas"]
            rolling = w["spec"].get("strategy", {}).get("rollingUpdate")
            assert rolling is None or rolling["maxSurge"] == 0, f"{folder}: {w['metadata']['name']} surges"
        assert used <= cpu_m(hard["limits.cpu"]), folder
