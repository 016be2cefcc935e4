"""`edgetrack train`: train a tracker from a YAML config (torch is imported inside the command)."""

from __future__ import annotations

from pathlib import Path

import typer

from edgetrack.cli.options import flag


def train_command(
    config: Path = typer.Option(
        ..., "--config", "-c", help="Training config (YAML), e.g. train/configs/X.yaml."
    ),
    overrides: list[str] = typer.Argument(
        None, help="Dotted overrides such as train.epochs=3 data.num_workers=4."
    ),
    resume: Path = typer.Option(None, "--resume", help="Continue bit for bit from a checkpoint of this run."),
    nproc: int = typer.Option(
        1, "--nproc", min=1, help="Processes on this machine (DDP: gloo on CPU, nccl on GPU)."
    ),
    output: Path = typer.Option(None, "-o", "--output", help="Run folder (default runs/train/CONFIG-NAME)."),
    exist_ok: bool = flag(
        False, "--exist-ok", help="Replace the run in an existing -o folder (its metrics and checkpoints)."
    ),
) -> None:
    """Train a one-stream tracker (OSTrack recipe, optional SSTrack interval scheduling)."""
    from edgetrack.train.config import load_config
    from edgetrack.train.launch import run_training

    settings = load_config(config, overrides or [])
    output = output or Path("runs/train") / config.stem
    last = run_training(settings, output, resume, nproc, exist_ok)
    typer.echo(f"last checkpoint: {last}")
