"""`dcc profile show|diff|review|validate`: read, compare, accept and check app profiles.

Profiles live in `<estate>/profiles/`: `<app>.yaml` is what the team reviewed, and
`<app>.proposed.yaml` is discovery's latest proposal (docs/profile.md).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from migration.errors import InputError

if TYPE_CHECKING:
    from migration.inventory import Estate
    from migration.profile import Profile

profile_app = typer.Typer(help="Show, compare, review and validate app profiles (docs/profile.md).",
                          no_args_is_help=True)
_ESTATE = Annotated[Path, typer.Option("--estate", help="Estate folder, e.g. inventory/lab.")]
_APP = Annotated[str, typer.Argument(help="App id.")]


def register(app: typer.Typer) -> None:
    app.add_typer(profile_app, name="profile")


def _load(estate_dir: Path, app: str, *, proposed: bool) -> tuple[Estate, Profile]:
    from migration.inventory import load_estate
    from migration.profile import load_profile, profile_path

    estate = load_estate(estate_dir)
    if app not in estate.apps:
        raise InputError(f"unknown app {app!r}", where=str(estate_dir / "apps"))
    path = profile_path(estate_dir, app, proposed=proposed)
    if not path.exists():
        hint = "run `dcc discover` first" if proposed else f"review the proposal first: dcc profile review {app}"
        raise InputError(f"no {'proposal' if proposed else 'reviewed profile'} for {app}; {hint}", where=str(path))
    return estate, load_profile(path, estate)


@profile_app.command("show")
def show(app: _APP, estate: _ESTATE, proposed: Annotated[bool, typer.Option(
        "--proposed", help="Show discovery's proposal instead of the reviewed profile.")] = False) -> None:
    """Every entry of a profile: what it says, its status and its evidence."""
    from rich.table import Table

    from migration.profile.diff import describe
    from migration.profile.walk import entries
    from migration.untrusted.terminal import console as make_console
    from migration.untrusted.terminal import safe as escape

    _, profile = _load(estate, app, proposed=proposed)
    state = "reviewed" if profile.reviewed else "proposal, not reviewed"
    table = Table(title=f"{escape(app)}: version {profile.version}, {state}")
    for column in ("field", "value", "status", "evidence"):
        table.add_column(column, overflow="fold")
    colours = {"inferred": "cyan", "needs-review": "yellow", "reviewed": "green"}
    for where, item in entries(profile):
        status = item.prov.status + (f": {item.prov.reason}" if item.prov.reason else "")
        table.add_row(escape(where), escape(describe(item)), f"[{colours[item.prov.status]}]{escape(status)}[/]",
                      escape(item.prov.evidence))
    make_console().print(table)


@profile_app.command("diff")
def diff_command(app: _APP, estate: _ESTATE) -> None:
    """What discovery's latest proposal changes against the reviewed profile."""
    from rich.table import Table

    from migration.profile import diff
    from migration.untrusted.terminal import console as make_console
    from migration.untrusted.terminal import safe as escape

    _, reviewed = _load(estate, app, proposed=False)
    _, proposal = _load(estate, app, proposed=True)
    changes = diff(reviewed, proposal)
    console = make_console()
    if not changes:
        console.print(f"[green]no change[/]: the proposal says what version {reviewed.version} of "
                      f"{escape(app)} says")
        return
    table = Table(title=f"{escape(app)}: reviewed version {reviewed.version} -> discovery's proposal")
    for column in ("field", "change", "reviewed", "proposed", "evidence"):
        table.add_column(column, overflow="fold")
    for c in changes:
        table.add_row(escape(c.field), c.kind, escape(c.before), escape(c.after), escape(c.evidence))
    console.print(table)


@profile_app.command("review")
def review(app: _APP, estate: _ESTATE) -> None:
    """Accept the proposal as the reviewed profile (refused while an entry still needs review)."""
    from migration.profile import load_profile, profile_path, write_profile
    from migration.profile.review import reviewed
    from migration.untrusted.terminal import console as make_console

    loaded, proposal = _load(estate, app, proposed=True)
    current = profile_path(estate, app)
    previous = load_profile(current, loaded) if current.exists() else None
    done = reviewed(proposal, previous, where=str(profile_path(estate, app, proposed=True)))
    write_profile(current, done)
    profile_path(estate, app, proposed=True).unlink()
    make_console().print(f"[green]reviewed[/] {current} (version {done.version})")


@profile_app.command("validate")
def validate(estate: _ESTATE) -> None:
    """Check every profile and proposal of an estate; each problem as `file:line: field: problem`."""
    from migration.inventory import load_estate
    from migration.profile import check, profiles_dir
    from migration.untrusted.terminal import console as make_console

    loaded = load_estate(estate)
    files = sorted(profiles_dir(estate).glob("*.yaml"))
    problems = [line for path in files for line in check(path, loaded)[1]]
    if problems:
        err = make_console(stderr=True, markup=False, soft_wrap=True)
        for line in problems:
            err.print(line)
        raise InputError(f"{len(problems)} error{'s' if len(problems) != 1 else ''} in the profiles",
                         where=str(profiles_dir(estate)))
    make_console().print(f"[green]ok[/] {profiles_dir(estate)}: {len(files)} profile files")
