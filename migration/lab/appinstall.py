"""Sample legacy apps (placeholder until the real installer lands)."""
from __future__ import annotations


def install(est, host, root) -> None:
    pass


def after_boot(est, started) -> None:
    pass


def health(app, host) -> str:
    return "n/a"
