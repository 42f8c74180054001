"""Load an estate folder into the typed model, validating everything once at the edge.

`check_estate` returns the estate (or None) and every problem found in one pass;
`load_estate` raises `InventoryInvalid` naming how many there are and the first.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from migration.errors import InputError, InventoryInvalid
from migration.inventory import readers
from migration.inventory.constraints import load_constraints, load_header
from migration.inventory.gcpause import gc_paused
from migration.inventory.model import Estate
from migration.inventory.readers import Problems
from migration.inventory.records import Table, build_csv_table, build_table
from migration.inventory.refs import Refs
from migration.inventory.schema import REQUIRED_TABLES, TABLES
from migration.untrusted.files import file_problem, reason

_SUFFIXES = (".yaml", ".yml", ".csv")
_SINGLE = ("estate.yaml", "constraints.yaml")
# Files that may sit beside the tables: the generator's settings and documentation, and the
# litter operating systems and office programs leave in a folder someone opened.
_IGNORED = frozenset({"generate.yaml", "readme.md", "thumbs.db", "ehthumbs.db", "desktop.ini", "icon\r"})
_SPREADSHEETS = (".xlsx", ".xls", ".ods", ".numbers")


def is_litter(name: str) -> bool:
    """Hidden files (.DS_Store, ._x, .~lock.x#, .gitignore), Office lock files (~$x.xlsx), editor backups (x~)."""
    return name.lower() in _IGNORED or name.startswith((".", "~$")) or name.endswith("~")


def load_estate(path: str | Path) -> Estate:
    """The validated estate in folder `path`; raises `InventoryInvalid` listing every problem."""
    with gc_paused():
        estate, problems = check_estate(path)
    if problems:
        raise InventoryInvalid(problems)
    assert estate is not None
    return estate


def check_estate(path: str | Path) -> tuple[Estate | None, list[str]]:
    """Load and validate; returns (estate or None, every problem as `file:line: field: message`)."""
    folder = Path(path)
    if not folder.is_dir():
        raise InputError("not an estate folder (expected agencies, datacenters, hosts, apps)", where=str(folder))
    problems = Problems()
    files = _locate(folder, problems)
    header = load_header(files["estate"], problems) if "estate" in files and files["estate"] != folder else {}
    tables = {name: _load_table(name, files.get(name), problems) for name in TABLES}
    given = files.get("constraints")
    constraints, blackouts = load_constraints(given if given != folder else None, problems)
    refs = Refs(tables, problems)
    refs.check_all()
    _check_header(refs, header, folder / "estate.yaml")
    for line, blackout in blackouts:
        where = (files["constraints"], line)
        refs.expect("agencies", blackout.agency, (*where, "blackouts.agency"), "agency")
        refs.expect("datacenters", blackout.datacenter, (*where, "blackouts.datacenter"), "data center")
    if problems:
        return None, problems.lines
    return _estate(folder, files, header, tables, constraints), []


def _entries(folder: Path) -> list[Path]:
    try:
        return sorted(folder.iterdir())
    except OSError as exc:
        raise InputError(f"cannot read the estate folder: {reason(exc)}", where=str(folder)) from None


def _table_problem(entry: Path, root: Path) -> str | None:
    """Why a table file is not read: a symlink out of the estate, a broken one, not a file."""
    if entry.is_symlink():
        try:
            inside = entry.resolve().is_relative_to(root)
        except (OSError, RuntimeError):  # a symlink loop
            return "cannot read: symbolic link loop"
        if not inside:
            return "a symbolic link that points outside the estate folder (copy the file in instead)"
    return file_problem(entry)


def _locate(folder: Path, problems: Problems) -> dict[str, Path]:
    """Table name -> file; reports unknown, ambiguous, unreadable and missing files."""
    found: dict[str, Path] = {}
    root = folder.resolve()
    for entry in _entries(folder):
        stem, suffix = entry.stem, entry.suffix.lower()
        known = entry.name in _SINGLE or (suffix in _SUFFIXES and stem in TABLES)
        if is_litter(entry.name) or (not known and entry.is_dir()):
            continue  # sub-folders (e.g. discovery's facts/) are not tables
        problem = _table_problem(entry, root) if known else None
        if problem is not None:
            problems.add(entry, None, None, problem)
            found.setdefault(stem, folder)  # named, but unread: not "missing" too
        elif entry.name in _SINGLE:
            found[stem] = entry
        elif known:
            if stem in found:
                problems.add(found[stem], None, None, f"{stem} is given twice ({found[stem].name} and "
                             f"{entry.name}); keep one")
                found[stem] = folder  # neither is read: guessing which one is meant could hide an error
                continue
            found[stem] = entry
        else:
            hint = " (save it as CSV UTF-8)" if suffix in _SPREADSHEETS else ""
            problems.add(entry, None, None, "unknown file (expected estate.yaml, constraints.yaml or "
                         f"agencies|datacenters|hosts|apps|dependencies as .yaml or .csv){hint}")
    for name in ("estate", *REQUIRED_TABLES):
        if name not in found:
            expected = "estate.yaml" if name == "estate" else f"{name}.yaml or {name}.csv"
            problems.add(folder, None, None, f"missing file {expected}")
    return {name: path for name, path in found.items()}


def _load_table(name: str, file: Path | None, problems: Problems) -> Table:
    cls, columns = TABLES[name]
    if file is None or file.is_dir():  # absent, or given twice (see _locate)
        return Table(complete=file is None and name not in REQUIRED_TABLES)
    before = len(problems)
    if file.suffix.lower() == ".csv":
        names = frozenset(c.name for c in columns)
        required = tuple(c.name for c in columns if c.required)
        lines, cells = readers.csv_columns(file, names, required, problems)
        table = build_csv_table(cls, columns, file, lines, cells, problems)
    else:
        table = build_table(cls, columns, file, readers.yaml_records(file, problems), problems)
    # A file that failed as a whole (syntax, header) must not cause "unknown id" elsewhere.
    table.complete = not (len(problems) > before and not table.ids)
    return table


def _check_header(refs: Refs, header: dict[str, Any], file: Path) -> None:
    lines = header.get("__lines__", {})
    dc_id, portal = header.get("national_datacenter"), header.get("portal_host")
    if refs.expect("datacenters", dc_id, (file, lines.get("national_datacenter"), "national_datacenter"),
                   "data center"):
        dc = refs.tables["datacenters"].objects.get(dc_id or "")
        if dc is not None and dc.kind != "national":
            refs.problems.add(file, lines.get("national_datacenter"), "national_datacenter",
                              f"data center {dc_id!r} is {dc.kind}, not national")
    if refs.expect("hosts", portal, (file, lines.get("portal_host"), "portal_host"), "host"):
        host = refs.tables["hosts"].objects.get(portal or "")
        if host is not None and host.role != "portal":
            refs.problems.add(file, lines.get("portal_host"), "portal_host",
                              f"host {portal!r} has role {host.role}, not portal")


def _estate(folder: Path, files: dict[str, Path], header: dict[str, Any], tables: dict[str, Table],
            constraints: Any) -> Estate:
    return Estate(
        name=header["name"],
        national_datacenter=header["national_datacenter"],
        portal_host=header.get("portal_host"),
        agencies=tables["agencies"].objects,
        datacenters=tables["datacenters"].objects,
        hosts=tables["hosts"].objects,
        apps=tables["apps"].objects,
        dependencies=tuple(tables["dependencies"].items),
        constraints=constraints,
        source_dir=folder,
        digest=digest(files.values()),
        storage_allow_list=header.get("storage_allow_list") or (),
        storage_allow_loopback=bool(header.get("storage_allow_loopback")),
    )


def digest(paths: Any) -> str:
    """sha256 over the inventory files in name order (name, then bytes, of each)."""
    sha = hashlib.sha256()
    for path in sorted(paths, key=lambda p: p.name):
        sha.update(path.name.encode() + b"\0")
        with path.open("rb") as stream:
            for chunk in iter(lambda: stream.read(1 << 20), b""):
                sha.update(chunk)
    return sha.hexdigest()
