"""`edgetrack demo`: the built-in tracker on a generated clip (or your video / camera), end to end."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from edgetrack.cli.options import backend_option, flag, precision_option, threads_option

DEMO_FPS = 30.0


def demo(
    source: str | None = typer.Option(
        None,
        "--source",
        help="Video file, image folder, sequence folder or camera index (default: a generated clip).",
    ),
    init: str | None = typer.Option(
        None, "--init", help="Init box x,y,w,h for a --source without ground truth (a video, a camera)."
    ),
    output: Path = typer.Option(
        Path("runs/demo"), "-o", "--output", help="Folder for tracked.mp4 and boxes.txt."
    ),
    frames: int = typer.Option(
        150, "--frames", min=2, help="Frames to generate (or to track from --source)."
    ),
    seed: int = typer.Option(0, "--seed", help="Seed of the generated clip."),
    model: Path | None = typer.Option(
        None, "--model", "-m", help="Tracker model (default: the built-in one)."
    ),
    backend: str = backend_option(),
    threads: int | None = threads_option(),
    precision: str = precision_option(),
    show: bool = flag(False, "--show", help="Show the frames in a window (q or Esc stops)."),
) -> None:
    """Track a generated clip (or --source) with the built-in tracker; write an annotated video."""
    from edgetrack.boxes import parse_box
    from edgetrack.builtin import builtin_model_path, builtin_notice
    from edgetrack.cli.track import track_source
    from edgetrack.runtime.sources import open_source

    if model is None and source is not None:
        builtin_notice()
    model = model or builtin_model_path()
    init_box = parse_box(init) if init is not None else None
    output.mkdir(parents=True, exist_ok=True)
    frames_source = open_source(source) if source is not None else demo_clip(frames, seed)
    with frames_source:
        run = track_source(
            frames_source, model, init_box, label=source or frames_source.name, backend=backend,
            threads=threads, precision=precision, show=show,
            save_txt=output / "boxes.txt", save_video=output / "tracked.mp4", max_frames=frames,
            title="edgetrack demo",
        )  # fmt: skip
    Console(stderr=True).print(
        f"outputs in {output}/: tracked.mp4 (annotated video), boxes.txt (x,y,w,h,score)"
    )
    if run.exit_code:
        raise typer.Exit(run.exit_code)


def demo_clip(frames: int, seed: int):
    """An in-memory UAV-like clip with its ground truth, from `edgetrack synth`'s generator."""
    from edgetrack.runtime.sources import ArrayFrames
    from edgetrack.synth import SyntheticSequence

    clip = SyntheticSequence(seed, frames)
    images = [clip.frame(i) for i in range(len(clip))]
    return ArrayFrames(f"a generated clip ({frames} frames, seed {seed})", images, clip.boxes, fps=DEMO_FPS)
