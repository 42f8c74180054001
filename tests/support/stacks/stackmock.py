"""Run the real `stacks/__main__.py` under Pulumi's mock runtime and record what it registers.

A MockMonitor subclass keeps each registration's parent and whether `register_outputs` ran,
so tests can check the component shape as well as the Kubernetes objects.
"""

from __future__ import annotations

import json
import runpy
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
from pulumi.runtime import mocks as pmocks
from pulumi.runtime import settings as psettings

ROOT = Path(__file__).resolve().parents[3]
PROGRAM = ROOT / "stacks" / "__main__.py"
SECRET_SEED = "test-seed-not-a-real-secret"
SECRETS = {"dcc:secretSeed": SECRET_SEED, "dcc:backupAccessKeyId": "test-key-id",
           "dcc:backupSecretAccessKey": "test-secret-key", "dcc:identityDatabasePassword": "test-db-password"}


@dataclass
class Registered:
    urn: str
    type: str
    name: str
    parent: str
    custom: bool
    inputs: dict[str, Any]
    dependencies: tuple[str, ...] = ()


@dataclass
class Recording:
    resources: list[Registered] = field(default_factory=list)
    with_outputs: set[str] = field(default_factory=set)
    stack_refs: list[str] = field(default_factory=list)
    outputs: dict[str, dict[str, Any]] = field(default_factory=dict)
    exports: dict[str, Any] = field(default_factory=dict)

    def of_type(self, typ: str) -> list[Registered]:
        return [r for r in self.resources if r.type == typ]

    def k8s_objects(self) -> list[Registered]:
        return [r for r in self.resources if r.custom and r.type.startswith("kubernetes:") and "helm" not in r.type]


class _Mocks(pulumi.runtime.Mocks):
    def __init__(self, platform_outputs: dict[str, Any]) -> None:
        self.platform_outputs = platform_outputs

    def new_resource(self, args: pulumi.runtime.MockResourceArgs):
        if args.typ == "pulumi:pulumi:StackReference":
            return [args.name, {"name": args.name, "outputs": self.platform_outputs}]
        return [f"{args.name}-id", args.inputs]

    def call(self, args: pulumi.runtime.MockCallArgs):
        return {}


class _Monitor(pmocks.MockMonitor):
    def __init__(self, mocks: _Mocks, recording: Recording) -> None:
        super().__init__(mocks)
        self.recording = recording

    def ReadResource(self, request):
        # StackReference is read, not registered: this is where the platform's outputs arrive.
        if request.type == "pulumi:pulumi:StackReference":
            self.recording.stack_refs.append(request.name)
        return super().ReadResource(request)

    def RegisterResource(self, request):
        response = super().RegisterResource(request)
        if request.type != "pulumi:pulumi:Stack":
            inputs = self.resources[response.urn].state if response.urn in self.resources else {}
            self.recording.resources.append(
                Registered(response.urn, request.type, request.name, request.parent, bool(request.custom), inputs,
                           tuple(request.dependencies)))
        return response

    def RegisterResourceOutputs(self, request):
        from pulumi.runtime import rpc

        self.recording.with_outputs.add(request.urn)
        self.recording.outputs[request.urn] = rpc.deserialize_properties(request.outputs)
        return super().RegisterResourceOutputs(request)


def run_program(values: dict[str, Any], stack: str = "lab", platform_outputs: dict[str, Any] | None = None,
                secrets: dict[str, str] | None = None, recording: Recording | None = None) -> Recording:
    """Run the stack program with `dcc:*` config `values` (and stack `secrets`, by default every one
    the program needs); raises what the program raises (pass `recording` to see what it had
    registered by then)."""
    config = {f"dcc:{k}": v if isinstance(v, str) else json.dumps(v) for k, v in values.items()}
    secrets = SECRETS if secrets is None else secrets
    config.update(secrets)
    pulumi.runtime.set_all_config(config, secret_keys=list(secrets))
    psettings.ROOT.set(None)
    recording = Recording() if recording is None else recording
    mocks = _Mocks(platform_outputs or {})
    pulumi.runtime.set_mocks(mocks, project="dcc", stack=stack, preview=False, monitor=_Monitor(mocks, recording))
    pulumi.runtime.test(lambda: runpy.run_path(str(PROGRAM), run_name="__main__") and None)()
    # Under mocks the root stack registers its outputs before the program runs; read them off it.
    recording.exports = dict(psettings.get_root_resource().outputs)
    return recording


def run_components(tenants, refs) -> int:
    """Register Tenant + MigratedApp components for `tenants` under the mocks (no program, no
    estate loading); returns how many Kubernetes objects were registered. For the benchmark."""
    from stacks.app import MigratedApp, MigratedAppArgs
    from stacks.tenant import Tenant, TenantArgs

    def program() -> None:
        for spec in tenants:
            tenant = Tenant(spec.agency, TenantArgs(spec, refs))
            for app in spec.apps:
                MigratedApp(app.id, MigratedAppArgs(app, refs, SECRET_SEED, tenant.namespace_resource),
                            pulumi.ResourceOptions(parent=tenant))

    psettings.ROOT.set(None)
    recording = Recording()
    mocks = _Mocks({})
    pulumi.runtime.set_mocks(mocks, project="dcc", stack="bench", preview=False, monitor=_Monitor(mocks, recording))
    pulumi.runtime.test(program)()
    return len(recording.k8s_objects())
