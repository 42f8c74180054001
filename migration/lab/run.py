"""Small helpers to run the lab's system commands and turn failures into `LabError`.

Only argument lists are run (no shell strings built from user input).
"""

from __future__ import annotations

import subprocess

from migration.errors import LabError

CLEAN_ENV = {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C.UTF-8",
             "HOME": "/root", "TERM": "dumb"}


def run(cmd: list[str], *, input: str | None = None, check: bool = True,
        timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """Run `cmd`; on failure raise `LabError` with its stderr (one line)."""
    try:
        proc = subprocess.run(cmd, check=False, input=input, capture_output=True, text=True, timeout=timeout,
                              env=CLEAN_ENV)
    except FileNotFoundError:
        raise LabError(f"{cmd[0]} is not installed (run scripts/setup.sh)") from None
    except subprocess.TimeoutExpired:
        raise LabError(f"{' '.join(cmd[:4])} timed out after {timeout:.0f} s") from None
    if check and proc.returncode != 0:
        err = " ".join((proc.stderr or proc.stdout).split())[:300]
        raise LabError(f"{' '.join(cmd[:5])} failed (exit {proc.returncode}): {err}")
    return proc


def ip_batch(lines: list[str], netns: str | None = None) -> None:
    """One `ip -batch` per namespace: `-n` is not accepted inside a batch."""
    if not lines:
        return
    cmd = ["ip", *(["-n", netns] if netns else []), "-batch", "-"]
    run(cmd, input="\n".join(lines) + "\n")
