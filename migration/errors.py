"""The one error root of the toolkit.

Every expected failure (a user's mistake, an unreachable host, a failed gate) is a
`DccError` carrying an exit code. `cli.py` turns it into one red line; bugs keep
their traceback.
"""

from __future__ import annotations


class DccError(Exception):
    """Root of every expected failure; `exit_code` is what the CLI exits with."""

    exit_code = 1

    def __init__(self, message: str, *, where: str | None = None) -> None:
        self.message = message
        self.where = where
        super().__init__(self.line())

    def line(self) -> str:
        """The single line shown to the user: `where: message`."""
        return f"{self.where}: {self.message}" if self.where else self.message


class InputError(DccError):
    """Bad user input: a file, a row, a key or an argument. `where` names it."""

    exit_code = 2


class InventoryInvalid(InputError):
    """An estate failed validation; `problems` holds every `file:line: field: message` found."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = tuple(problems)
        many = f"{len(problems)} errors in the inventory, the first: " if len(problems) > 1 else ""
        super().__init__(many + problems[0])


class ManifestsInvalid(InputError):
    """Rendered manifests failed the schemas or the policy pack; the message names file and object."""


class PermissionProblem(DccError):
    """The command needs a privilege the caller does not have (e.g. root for the lab)."""

    exit_code = 3


class LabError(DccError):
    """The lab could not be built, started, faulted or torn down."""

    exit_code = 4


class RemoteError(DccError):
    """A host could not be reached, refused us, or presented a wrong host key."""

    exit_code = 5


class MigrationFailed(DccError):
    """A wave or a step failed a gate; the journal says which and why."""

    exit_code = 6


class StateError(DccError):
    """The state store is missing, locked or from an incompatible schema."""

    exit_code = 7


class CorruptObject(DccError):
    """Stored data failed its SHA-256 or size check against our manifest; nothing was put in place."""

    exit_code = 8

    def __init__(self, message: str, *, key: str) -> None:
        self.key = key
        super().__init__(message, where=key)
