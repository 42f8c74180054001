"""Specs -> manifest folders on disk and back, for `dcc render` and `dcc validate`.

`render_objects` groups objects per tenant folder; `write_manifests` writes them atomically;
`read_manifests` reads them back. No Pulumi, no cluster: fast at national scale.
"""

from __future__ import annotations

import gc
import json
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import yaml

from migration.errors import InputError
from stacks.builders.app import app_objects
from stacks.builders.platform import platform_objects
from stacks.builders.specs import EstateSpecs
from stacks.builders.tenant import tenant_objects
from stacks.manifest_yaml import dump_all, load_all
from stacks.policy.policies import PolicyContext
from stacks.settings import ConfigProblem, StackSettings, parse_settings
from stacks.stackfile import StackFileProblem, stack_values

PLATFORM_FOLDER = "_platform"
MANIFEST_FILE = "manifests.yaml"
POLICY_CONFIG = "policy-config.json"


@contextmanager
def bulk() -> Iterator[None]:
    """Pause Python's cyclic GC while building or reading tens of thousands of manifests.

    They form no reference cycles, yet each GC pass walks the whole estate model: at national
    scale that tripled the build time.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def iter_folders(specs: EstateSpecs, agencies: Iterable[str] | None = None) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """(folder, objects): `_platform`, then one folder per tenant (optionally a subset), lazily."""
    wanted = None if agencies is None else set(agencies)
    refs = specs.platform.refs
    yield PLATFORM_FOLDER, platform_objects(specs.platform)
    for t in specs.tenants:
        if wanted is None or t.agency in wanted:
            yield t.agency, tenant_objects(t, refs) + [o for a in t.apps for o in app_objects(a, refs)]


def render_objects(specs: EstateSpecs, agencies: Iterable[str] | None = None) -> dict[str, list[dict[str, Any]]]:
    """Folder name -> objects, every folder at once."""
    return dict(iter_folders(specs, agencies))


def load_settings(stack_file: str | Path, estate: str | Path, plan: str | Path) -> StackSettings:
    """A stack file's settings with the estate and plan given on the command line."""
    try:
        values = stack_values(stack_file)
        values.update(inventory=str(estate), plan=str(plan))
        return parse_settings(values)
    except StackFileProblem as exc:
        raise InputError(exc.message, where=exc.where) from None
    except ConfigProblem as exc:
        raise InputError(exc.message, where=f"{stack_file}: {exc.key}") from None


def policy_config(ctx: PolicyContext) -> dict[str, Any]:
    """The CrossGuard pack's config (`pulumi preview --policy-pack-config`), from the same context:
    each policy gets the platform namespaces, and what it alone needs."""
    from stacks.policy.policies import RESOURCE_POLICIES, STACK_POLICIES

    base = {"platformNamespaces": sorted(ctx.platform_namespaces)}
    names = [p.name for p in RESOURCE_POLICIES] + [p.name for p in STACK_POLICIES]
    out: dict[str, Any] = {name: dict(base) for name in names}
    out["dcc-no-new-apps"]["allowedAppIds"] = sorted(ctx.allowed_app_ids)
    out["dcc-data-residency"]["storageAllowList"] = list(ctx.storage_allow_list)
    out["dcc-ingress-hosts"].update(ingressClass=ctx.ingress_class,
                                    tenantHosts={ns: sorted(h) for ns, h in sorted(ctx.tenant_hosts.items())})
    out["dcc-registry"]["registry"] = ctx.registry
    return out


def write_manifests(out: str | Path, folders: Mapping[str, list[dict[str, Any]]], ctx: PolicyContext) -> int:
    """Write every folder's YAML and the policy config, replacing `out` whole; returns files written."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        for folder, objs in folders.items():
            (tmp / folder).mkdir()
            (tmp / folder / MANIFEST_FILE).write_text(dump_all(objs))
        (tmp / POLICY_CONFIG).write_text(json.dumps(policy_config(ctx), indent=1, sort_keys=True) + "\n")
        _swap_in(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return len(folders) + 1


def _swap_in(new: Path, out: Path) -> None:
    """Replace `out` by `new` with renames, so readers see the old tree or the new one, never half."""
    if out.exists() and not (out / POLICY_CONFIG).exists() and any(out.iterdir()):
        raise InputError("exists and is not a render output; refusing to replace it", where=str(out))
    old = out.with_name(f".{out.name}.old")
    if out.exists():
        shutil.rmtree(old, ignore_errors=True)
        os.replace(out, old)
    os.replace(new, out)
    shutil.rmtree(old, ignore_errors=True)


def read_manifests(folder: str | Path) -> list[tuple[str, dict[str, Any]]]:
    """(file, object) for every YAML document under `folder`; a YAML error names file and line."""
    root = Path(folder)
    if not root.is_dir():
        raise InputError("not a folder of manifests", where=str(root))
    out = []
    for path in sorted(root.rglob("*.y*ml")):
        try:
            docs = load_all(path.read_text())
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f"{path}:{mark.line + 1}" if mark else str(path)
            raise InputError(f"not valid YAML: {getattr(exc, 'problem', exc)}", where=where) from None
        for doc in docs:
            if doc is None:
                continue
            if not isinstance(doc, dict):
                raise InputError("a document is not a mapping (expected a Kubernetes object)", where=str(path))
            out.append((str(path), doc))
    return out


def read_policy_config(folder: str | Path) -> PolicyContext | None:
    """The policy context render wrote beside the manifests, if any."""
    path = Path(folder) / POLICY_CONFIG
    if not path.exists():
        return None
    try:
        raw = json.loads(path.read_text())
        ingress = raw["dcc-ingress-hosts"]
        return PolicyContext(frozenset(raw["dcc-no-new-apps"]["allowedAppIds"]),
                             tuple(raw["dcc-data-residency"]["storageAllowList"]),
                             frozenset(raw["dcc-no-new-apps"]["platformNamespaces"]),
                             registry=raw["dcc-registry"]["registry"], ingress_class=ingress["ingressClass"],
                             tenant_hosts={ns: frozenset(h) for ns, h in ingress["tenantHosts"].items()})
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise InputError(f"not a dcc policy config: {exc}", where=str(path)) from None
