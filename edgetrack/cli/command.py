"""The click command classes of every verb: a `--help` without a `<bool>` value, and a one-line hint
when the shell expanded an unquoted glob into more arguments than a verb takes."""

from __future__ import annotations

from pathlib import Path

from typer.core import TyperCommand, TyperGroup

from edgetrack.errors import EdgetrackError


class _PlainHelp:
    """`--help` is a flag: its help line shows no value type (typer would print `<bool>`)."""

    def get_help_option(self, ctx):
        option = super().get_help_option(ctx)
        if option is not None:
            option.metavar = ""
        return option


class EdgetrackGroup(_PlainHelp, TyperGroup):
    """The `edgetrack` group."""


class EdgetrackCommand(_PlainHelp, TyperCommand):
    """One verb. Extra arguments that are existing files from one folder (what `frames/*.jpg` becomes
    when the shell expands it) are refused with a hint to quote the pattern."""

    def parse_args(self, ctx, args: list[str]) -> list[str]:
        given, allowed = list(args), ctx.allow_extra_args  # the parser consumes `args`
        ctx.allow_extra_args = True
        try:
            extra = super().parse_args(ctx, args)
        finally:
            ctx.allow_extra_args = allowed
        if extra and not allowed and not ctx.resilient_parsing:
            hint = expanded_glob_hint(given, extra)
            if hint:
                raise EdgetrackError(hint)
            ctx.fail(f"Got unexpected extra argument(s) ({' '.join(extra)})")
        return extra


def expanded_glob_hint(args: list[str], extra: list[str]) -> str | None:
    """The hint for `extra` arguments that look like a glob the shell expanded: every extra one (and
    the file argument just before them, which the verb took) is an existing file of one folder."""
    if any(not Path(a).is_file() for a in extra):
        return None
    at = args.index(extra[0])
    before = [args[at - 1]] if at > 0 and Path(args[at - 1]).is_file() else []
    paths = [Path(p) for p in before + extra]
    folders = {p.parent for p in paths}
    if len(folders) != 1:
        return None
    suffixes = {p.suffix.lower() for p in paths}
    pattern = str(folders.pop() / ("*" + (suffixes.pop() if len(suffixes) == 1 else "")))
    return (
        f"got {len(paths)} files where one argument is expected: the shell expanded an unquoted "
        f"pattern; quote it: '{pattern}'"
    )
