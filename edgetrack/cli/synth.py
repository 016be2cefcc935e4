"""`edgetrack synth`: write synthetic tracking sequences in a benchmark's layout."""

from __future__ import annotations

from pathlib import Path

import typer

from edgetrack.errors import EdgetrackError


def synth(
    output: Path = typer.Option(..., "-o", "--output", help="Dataset root to write."),
    layout: str = typer.Option("got10k", "--format", help="Layout: got10k."),
    split: str = typer.Option("train", "--split", help="GOT-10k split folder (train, val)."),
    sequences: int = typer.Option(40, "--sequences", min=1),
    frames: int = typer.Option(150, "--frames", min=2),
    seed: int = typer.Option(0, "--seed"),
) -> None:
    """Generate synthetic sequences (a textured target drifting over a textured background)."""
    from rich.progress import track

    from edgetrack.synth import write_got10k

    if layout != "got10k":
        raise EdgetrackError(f"--format {layout!r}: only 'got10k' is supported")
    if (output / split).exists() and any((output / split).iterdir()):
        raise EdgetrackError(f"{output / split} already holds files; choose another --output or --split")
    write_got10k(output, split, sequences, frames, seed, progress=lambda it: track(it, description="writing"))
    typer.echo(f"wrote {sequences} sequences of {frames} frames to {output / split}")
