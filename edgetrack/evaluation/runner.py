"""Run a tracker over sequences (one-pass evaluation): resumable, optionally in several processes."""

from __future__ import annotations

import multiprocessing
import signal
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from edgetrack.datasets.sequence import Sequence
from edgetrack.errors import EdgetrackError
from edgetrack.evaluation.provenance import check_or_record
from edgetrack.evaluation.results import is_finished, write_result

MAX_CORRUPT_FRACTION = 0.05


@dataclass
class SequenceRun:
    """What tracking one sequence produced."""

    name: str
    frames: int
    seconds: float
    corrupt: list[str] = field(default_factory=list)


def track_sequence(tracker, sequence: Sequence) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Boxes (N, 4), per-frame seconds (N,) and the undecodable frames (replaced by the previous frame).

    Frame 0 is initialised with the first ground-truth box and reported as that box. More than
    MAX_CORRUPT_FRACTION (at least 1) corrupt frames, or a corrupt first frame, is an EdgetrackError."""
    n = len(sequence)
    boxes = np.zeros((n, 4))
    times = np.zeros(n)
    corrupt: list[str] = []
    frame = sequence.frame(0)
    start = time.perf_counter()
    tracker.init(frame, sequence.init_box)
    times[0] = time.perf_counter() - start
    boxes[0] = sequence.init_box
    for i in range(1, n):
        try:
            frame = sequence.frame(i)
        except EdgetrackError:
            corrupt.append(str(sequence.frames[i]))
            if len(corrupt) > max(1, int(MAX_CORRUPT_FRACTION * n)):
                raise EdgetrackError(
                    f"{sequence.name}: {len(corrupt)} unreadable frames, e.g. {corrupt[0]}"
                ) from None
        start = time.perf_counter()
        result = tracker.track(frame)
        times[i] = time.perf_counter() - start
        boxes[i] = result.box
    return boxes, times, corrupt


def evaluate_sequence(factory, sequence: Sequence, out: Path, fmt: str) -> SequenceRun:
    """Track one sequence with a fresh tracker from `factory` and write its result files."""
    boxes, times, corrupt = track_sequence(factory(), sequence)
    write_result(out, sequence.name, boxes, times, fmt)
    return SequenceRun(sequence.name, len(sequence), float(times.sum()), corrupt)


def _evaluate_job(job) -> SequenceRun:
    return evaluate_sequence(*job)


def _ignore_sigint() -> None:
    """Workers leave Ctrl-C to the parent, which terminates them (no traceback from every worker)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def run_evaluation(factory, dataset, names: list[str], out: Path, workers: int = 1, console=None):
    """Evaluate the unfinished sequences of `names` into `out`; returns (runs, skipped names).

    Finished sequences are kept only when `out` records the same tracker identity (provenance)."""
    out.mkdir(parents=True, exist_ok=True)
    fmt = dataset.result_format
    todo = [n for n in names if not is_finished(out, n, fmt)]
    skipped = [n for n in names if n not in todo]
    check_or_record(out, factory.identity(), [n for n in dataset.names if is_finished(out, n, fmt)])
    runs: list[SequenceRun] = []
    if not todo:
        return runs, skipped
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=False) as progress:
        task = progress.add_task(f"eval {dataset.name}", total=len(todo))
        if workers <= 1:
            for name in todo:
                progress.update(task, description=f"eval {dataset.name}: {name}")
                runs.append(evaluate_sequence(factory, dataset.sequence(name), out, fmt))
                progress.advance(task)
        else:
            context = multiprocessing.get_context("spawn")
            jobs = [(factory, dataset.sequence(n), out, fmt) for n in todo]
            # leaving the block terminates the workers at once: Ctrl-C stops within a second or two
            with context.Pool(workers, initializer=_ignore_sigint) as pool:
                for run in pool.imap_unordered(_evaluate_job, jobs):
                    runs.append(run)
                    progress.update(task, description=f"eval {dataset.name}: {run.name}")
                    progress.advance(task)
    return runs, skipped
