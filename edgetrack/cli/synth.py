"""`edgetrack synth`: write synthetic UAV-like sequences in GOT-10k or LaSOT layout."""

from __future__ import annotations

from pathlib import Path

import typer

from edgetrack.errors import EdgetrackError


def synth(
    output: Path = typer.Option(..., "--output", "-o", help="Folder to write the dataset into."),
    fmt: str = typer.Option("got10k", "--format", "-f", help="got10k or lasot."),
    sequences: int = typer.Option(4, "--sequences", "-n", min=1, help="Number of sequences."),
    frames: int = typer.Option(100, "--frames", min=2, help="Frames per sequence."),
    seed: int = typer.Option(0, "--seed", help="Seed of the first sequence (then seed+1, ...)."),
    split: str = typer.Option("val", "--split", help="GOT-10k split folder: train or val."),
    width: int = typer.Option(320, min=64, help="Frame width."),
    height: int = typer.Option(240, min=64, help="Frame height."),
) -> None:
    """Write deterministic synthetic sequences (GOT-10k train/ or val/, or LaSOT layout) under OUTPUT."""
    from edgetrack.cli.paths import output_folder
    from edgetrack.synth import write_dataset

    if fmt not in ("got10k", "lasot"):
        raise EdgetrackError(f"--format is got10k or lasot, got {fmt!r}")
    if split not in ("train", "val"):
        raise EdgetrackError(f"--split is train or val, got {split!r}")
    output_folder(output)
    names = write_dataset(output, fmt, sequences, frames, seed, (width, height), split)
    reader = f"got10k_{split}" if fmt == "got10k" else "lasot"
    print(f"wrote {len(names)} sequences to {output} (read them with --dataset {reader} --root {output})")
