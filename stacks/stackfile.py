"""Read a stack's `dcc:*` values from Pulumi.yaml and Pulumi.<stack>.yaml without the Pulumi CLI.

`dcc render` and the mock-runtime tests use this, so they see the settings `pulumi up` would.
Project defaults (`config:` in Pulumi.yaml, `value:` entries) come first, the stack file wins.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

PREFIX = "dcc:"
ROOT = Path(__file__).resolve().parent.parent


class StackFileProblem(Exception):
    """A stack file is missing or unreadable; `where` names it."""

    def __init__(self, where: str, message: str) -> None:
        self.where, self.message = where, message
        super().__init__(f"{where}: {message}")


def _config_of(path: Path) -> dict[str, Any]:
    try:
        doc = yaml.safe_load(path.read_text()) or {}
    except FileNotFoundError:
        raise StackFileProblem(str(path), "stack file not found") from None
    except yaml.YAMLError as exc:
        raise StackFileProblem(str(path), f"not valid YAML: {exc}") from None
    config = doc.get("config") or {} if isinstance(doc, dict) else None
    if not isinstance(config, dict):
        raise StackFileProblem(str(path), "'config' must be a mapping")
    return config


def _plain(value: Any) -> Any:
    """Project config wraps values as {value: ...}; secure values are not readable here."""
    if isinstance(value, dict) and set(value) & {"value", "default"} and not set(value) - {"value", "default", "type", "description"}:
        return value.get("value", value.get("default"))
    return value


def stack_values(stack_file: str | Path, project_file: str | Path | None = None) -> dict[str, Any]:
    """Merged `dcc:*` values (prefix stripped), project defaults first, `secure:` values dropped."""
    stack_file = Path(stack_file)
    project = Path(project_file) if project_file else stack_file.parent / "Pulumi.yaml"
    values: dict[str, Any] = {}
    for source in (_config_of(project) if project.exists() else {}, _config_of(stack_file)):
        for key, raw in source.items():
            value = _plain(raw)
            if key.startswith(PREFIX) and not (isinstance(value, dict) and "secure" in value):
                values[key[len(PREFIX):]] = value
    return values
