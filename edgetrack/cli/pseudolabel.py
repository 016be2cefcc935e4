"""`edgetrack pseudo-label`: a teacher tracker labels unlabelled clips (one first box each) for training."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from edgetrack.cli.options import backend_option, names_option, split_names, threads_option
from edgetrack.errors import EdgetrackError


def pseudo_label(
    clips: Path = typer.Argument(
        ..., help="Folder of clips: NAME.mp4 + NAME.txt, or NAME/ frames + init.txt (a GOT-10k split works)."
    ),
    teacher: Path = typer.Option(..., "--teacher", "-t", help="Teacher tracker file (.onnx or .xml)."),
    output: Path = typer.Option(..., "--output", "-o", help="Cache folder (GOT-10k train layout)."),
    min_score: float = typer.Option(
        0.3, "--min-score", help="Frames where the teacher's peak score is below this are marked absent."
    ),
    propose: int = typer.Option(
        0,
        "--propose",
        help="Mine K targets per clip instead of its first box: distinctive regions "
        "proposed on random frames (no box files needed).",
    ),
    clip_frames: int = typer.Option(100, "--clip-frames", help="With --propose: frames per mined clip."),
    seed: int = typer.Option(0, "--seed", help="With --propose: seed of the start frames and regions."),
    exclude: list[str] | None = names_option(
        "--exclude", help="Clips to leave out (repeat it, or a comma list), e.g. a validation split."
    ),
    backend: str = backend_option(),
    threads: int | None = threads_option(),
) -> None:
    """Track each clip from its first box (or mined targets) with a teacher; write pseudo ground truth."""
    from edgetrack.hashing import model_digest
    from edgetrack.mining import propose_clips
    from edgetrack.pseudolabel import find_clips, label_clip, open_cache, write_list
    from edgetrack.runtime.tracker import Tracker

    if not 0.0 <= min_score < 1.0:
        raise EdgetrackError(f"--min-score must lie in [0, 1), got {min_score}")
    if propose < 0 or clip_frames < 2:
        raise EdgetrackError(
            f"--propose must be >= 0 and --clip-frames >= 2, got {propose} and {clip_frames}"
        )
    found = find_clips(clips, need_boxes=propose == 0, exclude=tuple(split_names(exclude)))
    proposals = {"per_clip": propose, "clip_frames": clip_frames, "seed": seed} if propose else None
    if propose:
        found = propose_clips(found, propose, clip_frames, seed)
        if not found:
            raise EdgetrackError(
                f"no target could be proposed in {clips}: its frames have no texture to track"
            )
    tracker = Tracker(teacher, backend=backend, threads=threads)
    cache = open_cache(output, teacher.name, model_digest(teacher), min_score, proposals)
    todo = [clip for clip in found if not (cache / clip.name / "groundtruth.txt").is_file()]
    console = Console(stderr=True)
    if len(todo) < len(found):
        console.print(f"{len(found) - len(todo)} clip(s) already labelled in {cache}: kept")
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=console, transient=True) as progress:
        for clip in todo:
            task = progress.add_task(clip.name, total=None)
            frames, absent = label_clip(
                tracker,
                clip,
                cache,
                min_score,
                teacher.name,
                lambda task=task: progress.advance(task),
                end_on_loss=propose > 0,
            )
            progress.remove_task(task)
            console.print(f"{clip.name}: {frames} frames, {absent} marked absent")
            write_list(cache)
    names = write_list(cache)
    print(f"wrote {len(names)} pseudo-labelled clips to {cache} (train on them with kind: got10k_train)")
