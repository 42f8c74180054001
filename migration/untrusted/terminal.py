"""The one way commands print: user and host text is shown as written, never interpreted.

Rich reads `[...]` as markup (`[link=x]` writes an OSC 8 escape) and `:name:` as an emoji;
values from inventories, plans and hosts go through `safe` (inside our own markup) or `plain`
(as a table cell), and every console here has emoji replacement off.
"""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.text import Text

from migration.untrusted.text import escape_controls


def console(*, stderr: bool = False, **options: Any) -> Console:
    """A console that never turns `:x:` into an emoji and never colours numbers in user text."""
    options.setdefault("highlight", False)
    return Console(stderr=stderr, emoji=False, **options)


def safe(value: object) -> str:
    """`value` as text to put inside our own markup: brackets escaped, control characters shown."""
    return escape(escape_controls(str(value)))


def plain(value: object, style: str = "") -> Text:
    """`value` as a rich Text (a table cell): never markup, never an emoji, controls shown."""
    return Text(escape_controls("" if value is None else str(value)), style=style)
