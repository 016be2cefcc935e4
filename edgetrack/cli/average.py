"""`edgetrack average`: one checkpoint from the mean of several fine-tuned ones (torch imported inside)."""

from __future__ import annotations

from pathlib import Path

import typer


def average(
    checkpoints: list[Path] = typer.Argument(
        ..., help="Training checkpoints of one architecture fine-tuned from the same start."
    ),
    output: Path = typer.Option(..., "-o", "--output", help="The averaged checkpoint (.pth)."),
    weights: str | None = typer.Option(
        None,
        "--weights",
        help="One weight per checkpoint, comma-separated (scaled to sum to 1); "
        "default uniform. E.g. WiSE-FT: START,FINETUNED --weights 0.25,0.75.",
    ),
) -> None:
    """Average the weights of training checkpoints (a model soup; e.g. seeds of one fine-tuning, or the
    epochs after the learning-rate drop), or interpolate them with --weights. The result exports, tracks
    and evaluates like any checkpoint."""
    from edgetrack.errors import EdgetrackError
    from edgetrack.train.soup import write_average

    try:
        shares = [float(w) for w in weights.split(",")] if weights else None
    except ValueError:
        raise EdgetrackError(f"--weights {weights!r}: give numbers separated by commas (0.25,0.75)") from None
    path = write_average(checkpoints, output, shares)
    typer.echo(f"averaged {len(checkpoints)} checkpoints: {path}")
