"""`edgetrack distill`: compress a trained tracker into a smaller one with CompressTracker (torch is
imported inside the command)."""

from __future__ import annotations

from pathlib import Path

import typer

from edgetrack.cli.options import flag


def distill_command(
    config: Path = typer.Option(
        ...,
        "--config",
        "-c",
        help="Distillation config (YAML), e.g. train/configs/compresstracker_ostrack_4block.yaml.",
    ),
    teacher: Path = typer.Option(
        None,
        "--teacher",
        help="Teacher: a checkpoint (OSTrack or edgetrack; CompressTracker) or a tracker file "
        "(.onnx / .xml; black-box distillation).",
    ),
    teacher_arch: Path = typer.Option(
        None, "--teacher-arch", help="Teacher architecture (default: the checkpoint's own or NAME.json)."
    ),
    overrides: list[str] = typer.Argument(
        None, help="Dotted overrides such as train.epochs=3 distill.stages=2 model.depth=2."
    ),
    resume: Path = typer.Option(None, "--resume", help="Continue bit for bit from a checkpoint of this run."),
    output: Path = typer.Option(
        None, "-o", "--output", help="Run folder (default runs/distill/CONFIG-NAME)."
    ),
    exist_ok: bool = flag(
        False, "--exist-ok", help="Replace the run in an existing -o folder (its metrics and checkpoints)."
    ),
) -> None:
    """Distil a teacher into a student: CompressTracker (checkpoint) or black-box (tracker file)."""
    from edgetrack.train.distill import load_distill_config, run_distillation

    settings, distill = load_distill_config(config, overrides or [])
    if teacher is not None:
        distill.teacher = str(teacher)
    if teacher_arch is not None:
        distill.teacher_arch = str(teacher_arch)
    output = output or Path("runs/distill") / config.stem
    student = run_distillation(settings, distill, output, resume, exist_ok=exist_ok)
    typer.echo(f"student: {student}")
