"""`edgetrack average`: one checkpoint from the mean of several fine-tuned ones (torch imported inside)."""

from __future__ import annotations

from pathlib import Path

import typer


def average(
    checkpoints: list[Path] = typer.Argument(
        ..., help="Training checkpoints of one architecture fine-tuned from the same start."
    ),
    output: Path = typer.Option(..., "-o", "--output", help="The averaged checkpoint (.pth)."),
) -> None:
    """Average the weights of training checkpoints (a model soup; e.g. seeds of one fine-tuning, or the
    epochs after the learning-rate drop). The result exports, tracks and evaluates like any checkpoint."""
    from edgetrack.train.soup import write_average

    path = write_average(checkpoints, output)
    typer.echo(f"averaged {len(checkpoints)} checkpoints: {path}")
