"""The `edgetrack` command line. Each verb lives in its own module; verbs that need torch import it
inside the command, so `edgetrack track` never loads it."""

from __future__ import annotations

import sys

import typer
from rich.console import Console
from rich.markup import escape

from edgetrack.errors import EdgetrackError

app = typer.Typer(
    name="edgetrack",
    help="Compact single-object trackers on the CPU: train, distill, export, track, bench, eval.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
err_console = Console(stderr=True)


def _register() -> None:
    """Attach every verb module's commands to the app."""
    from edgetrack.cli import commands  # noqa: F401  (import registers the verbs)


def main() -> None:
    """Console-script entry point: user errors become one red line and exit code 2."""
    from edgetrack.cli.process import disable_openvino_telemetry

    disable_openvino_telemetry()
    _register()
    try:
        app()
    except EdgetrackError as exc:
        err_console.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False, soft_wrap=True)
        sys.exit(2)
    except KeyboardInterrupt:
        err_console.print("[yellow]interrupted[/]")
        sys.exit(130)


def _print_version(value: bool) -> None:
    if value:
        from edgetrack import __version__

        print(f"edgetrack {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False,
        "--version",
        help="Print the version and exit.",
        metavar="",
        is_eager=True,
        callback=_print_version,
    ),
) -> None:
    """Compact single-object trackers on the CPU: train, distill, export, track, bench, eval."""
