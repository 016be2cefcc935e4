"""Option builders shared by the verbs, so that flags look and behave the same everywhere."""

from __future__ import annotations

import typer


def flag(default: bool, *names: str, help: str):  # noqa: A002 (typer's keyword)
    """A boolean flag; its help line shows no `<bool>` value (a flag takes none)."""
    return typer.Option(default, *names, help=help, metavar="")
