"""The one profile writer: YAML whose comments show each entry's evidence and open questions,
written atomically. What it writes, `read.check_profile` reads back to an equal `Profile`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from migration.atomic import write_text_atomic
from migration.errors import InputError
from migration.profile.model import HealthCheck, Profile, Provenance
from migration.profile.walk import HOST_SECTIONS

_HEADER = ("# App profile: how {app} lives on its hosts (docs/profile.md).\n"
           "# Each entry: what it is, its evidence and its status (inferred | needs-review | reviewed).")


def to_yaml(profile: Profile, notes: tuple[str, ...] = ()) -> str:
    """The profile as YAML; `notes` (what discovery could not look at) become comments on top."""
    out = [_HEADER.format(app=profile.app)]
    out += [f"# note: {note}".replace("\n", " ") for note in notes]
    out += [f"format: {profile.format}", f"app: {_scalar(profile.app)}",
            f"reviewed: {'true' if profile.reviewed else 'false'}", f"version: {profile.version}",
            f"source: {profile.source}"]
    if profile.taken_at:
        out.append(f"taken_at: {_scalar(profile.taken_at)}")
    questions = profile.open_questions()
    if questions:
        out.append(f"# {len(questions)} entries need review before this profile can be marked reviewed.")
    out.append("hosts:")
    for layout in profile.layouts:
        out.append(f"  {_scalar(layout.host)}:")
        for section in HOST_SECTIONS:
            items = getattr(layout, section)
            if items:
                out.append(f"    {section}:")
                out += [line for item in items for line in _entry(item, "      ")]
    _list(out, "databases", profile.databases_)
    if profile.health is not None:
        out.append("health:")
        out += _fields(profile.health, "  ", first="  ")
    _list(out, "rewrites", profile.rewrites_)
    return "\n".join(out) + "\n"


def _list(out: list[str], name: str, items: tuple[Any, ...]) -> None:
    if items:
        out.append(f"{name}:")
        out += [line for item in items for line in _entry(item, "  ")]


def _entry(item: Any, indent: str) -> list[str]:
    return _fields(item, indent + "  ", first=indent + "- ")


def _fields(item: Any, indent: str, first: str) -> list[str]:
    prov: Provenance = item.prov
    lines = [f"{first[:-2]}# {_comment(prov)}"] if prov.needs_review else []
    pairs = [(k, v) for k, v in vars(item).items() if k != "prov" and _present(item, k, v)]
    pairs += [("evidence", prov.evidence)] if prov.evidence else []
    pairs += [("status", prov.status)]
    pairs += [("reason", prov.reason)] if prov.reason else []
    for index, (key, value) in enumerate(pairs):
        lines.append(f"{first if index == 0 else indent}{key}: {_scalar(value)}")
    return lines


def _present(item: Any, key: str, value: Any) -> bool:
    if isinstance(item, HealthCheck) and key in ("expect_status", "path", "port"):
        return True
    return value not in ("", None, ())


def _comment(prov: Provenance) -> str:
    return f"NEEDS REVIEW: {prov.reason}".replace("\n", " ")


def _scalar(value: Any) -> str:
    if isinstance(value, tuple):
        value = list(value)
    text = yaml.safe_dump(value, default_flow_style=True, width=1 << 16, allow_unicode=True).strip()
    return text.removesuffix("\n...").removesuffix("...").strip()


def write_profile(path: Path, profile: Profile, notes: tuple[str, ...] = ()) -> Path:
    """Write `profile` to `path` atomically (a reader never sees half a file)."""
    try:
        return write_text_atomic(Path(path), to_yaml(profile, notes))
    except OSError as exc:
        raise InputError(f"cannot write profile: {exc.strerror or exc}", where=str(path)) from exc
