"""Read the stack's configuration once, through `pulumi.Config("dcc")`, and check it.

A bad or missing key stops the program with a `pulumi.RunError` naming the key
(Pulumi prints it as one line, without a Python traceback).
"""

from __future__ import annotations

import pulumi

from stacks.settings import OBJECT_KEYS, STRING_KEYS, ConfigProblem, StackSettings, parse_settings


def _raw(cfg: pulumi.Config) -> dict[str, object]:
    values: dict[str, object] = {}
    for key in STRING_KEYS:
        values[key] = cfg.get(key)
    for key in OBJECT_KEYS:
        try:
            values[key] = cfg.get_object(key)
        except ValueError as exc:  # the SDK raises a bare JSON error; name the key instead
            raise pulumi.RunError(f"dcc:{key}: is not valid structured config ({exc})") from None
    return {k: v for k, v in values.items() if v is not None}


def load() -> StackSettings:
    """The checked settings of the current stack; raises `pulumi.RunError` naming a bad key."""
    try:
        return parse_settings(_raw(pulumi.Config("dcc")))
    except ConfigProblem as exc:
        raise pulumi.RunError(str(exc)) from None


def required_secret(key: str) -> pulumi.Output[str]:
    """A stack secret the platform needs (credentials it cannot generate); raises naming the key."""
    try:
        return pulumi.Config("dcc").require_secret(key)
    except pulumi.ConfigMissingError:
        raise pulumi.RunError(f"dcc:{key}: is required (set it with `pulumi config set --secret dcc:{key} ...`)") from None


def secret_seed() -> pulumi.Output[str]:
    """The stack secret from which each app's secret values are derived (never in plain text)."""
    try:
        return pulumi.Config("dcc").require_secret("secretSeed")
    except pulumi.ConfigMissingError:
        raise pulumi.RunError("dcc:secretSeed: is required (set it with `pulumi config set --secret dcc:secretSeed ...`)") from None
