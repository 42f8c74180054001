"""Copy an estate folder under a new name and second octet, so each test or engineer
gets an isolated lab: every 10.77.x.y (or 10.<from_octet>.x.y) becomes 10.<octet>.x.y.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import yaml

from migration.atomic import write_text_atomic
from migration.errors import InputError
from migration.lab import naming


def renumber_text(text: str, second_octet: int, from_octet: int = 77) -> str:
    addr = re.compile(rf"\b10\.{from_octet}\.(\d{{1,3}})\.(\d{{1,3}})\b")
    return addr.sub(lambda m: f"10.{second_octet}.{m.group(1)}.{m.group(2)}", text)


def rename_estate(estate_yaml: str, name: str) -> str:
    """Replace only the `name:` key, keeping comments and the rest of the file."""
    out, n = re.subn(r"(?m)^name:.*$", f"name: {name}", estate_yaml, count=1)
    return out if n else f"name: {name}\n{out}"


def renumber(src_dir: Path | str, dst_dir: Path | str, name: str, second_octet: int, from_octet: int = 77) -> Path:
    """Copy `src_dir` to `dst_dir` as estate `name` with 10.<from_octet>.x.y -> 10.<second_octet>.x.y
    (77 = inventory/lab, 76 = inventory/vendor)."""
    src, dst = Path(src_dir), Path(dst_dir)
    if not naming.valid_name(name):
        raise InputError(f"estate name {name!r} must be lower-case letters, digits and '-'", where="name")
    for key, octet in (("second_octet", second_octet), ("from_octet", from_octet)):
        if not 0 <= octet <= 255:
            raise InputError(f"octet {octet} is not in 0..255", where=key)
    if not (src / "estate.yaml").exists():
        raise InputError("not an estate folder (estate.yaml is missing)", where=str(src))
    # Only the inventory: a source's journal, runner work and discovered facts (e.g. left by the
    # demo in inventory/lab) belong to that estate and would make the copy resume someone else's run.
    shutil.copytree(src, dst, dirs_exist_ok=True, ignore=shutil.ignore_patterns("state", "facts"))
    for f in sorted(dst.rglob("*")):
        if f.is_file() and f.suffix in (".yaml", ".yml", ".csv", ".json"):
            text = renumber_text(f.read_text(), second_octet, from_octet)
            write_text_atomic(f, rename_estate(text, name) if f.name == "estate.yaml" else text)
    yaml.safe_load((dst / "estate.yaml").read_text())
    return dst
