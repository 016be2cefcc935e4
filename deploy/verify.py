"""Parity of an exported model with its reference: per-output differences on real crops, and the mean
IoU between the two trackers' boxes over whole sequences."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from rich.progress import Progress

from deploy.calibration import CropPair
from edgetrack.boxes import iou_xywh
from edgetrack.datasets.sequence import Sequence, read_rgb
from edgetrack.runtime.metadata import OUTPUT_NAMES

Maps = tuple[np.ndarray, np.ndarray, np.ndarray]


@dataclass(frozen=True)
class OutputDiff:
    """Differences of one output over all crops: the largest and the mean absolute difference."""

    name: str
    max_abs: float
    mean_abs: float


def compare_outputs(
    reference: Callable[[np.ndarray, np.ndarray], Maps],
    candidate: Callable[[np.ndarray, np.ndarray], Maps],
    pairs: list[CropPair],
) -> list[OutputDiff]:
    """Max and mean |candidate - reference| per output (score, size, offset) over the crop pairs."""
    worst = np.zeros(3)
    sums = np.zeros(3)
    counts = np.zeros(3)
    for pair in pairs:
        ref = reference(pair.template, pair.search)
        got = candidate(pair.template, pair.search)
        for k, (a, b) in enumerate(zip(ref, got, strict=True)):
            diff = np.abs(np.asarray(a, np.float64) - np.asarray(b, np.float64))
            worst[k] = max(worst[k], float(diff.max()))
            sums[k] += float(diff.sum())
            counts[k] += diff.size
    return [OutputDiff(n, float(worst[k]), float(sums[k] / counts[k])) for k, n in enumerate(OUTPUT_NAMES)]


def tracks_iou(reference, candidate, sequences: list[Sequence], progress: Progress | None = None) -> dict:
    """Track every sequence with both trackers (init on the first ground-truth box): sequence name ->
    mean IoU of their boxes over the tracked frames. Trackers need init(frame, box) and track(frame),
    whose result is a box or has a `.box`."""
    result = {}
    for sequence in sequences:
        task = progress.add_task(f"check {sequence.name}", total=len(sequence.frames)) if progress else None
        first = read_rgb(sequence.frames[0])
        reference.init(first, sequence.gt[0])
        candidate.init(first, sequence.gt[0])
        ref_boxes, got_boxes = [], []
        for path in sequence.frames[1:]:
            frame = read_rgb(path)
            ref_boxes.append(_box(reference.track(frame)))
            got_boxes.append(_box(candidate.track(frame)))
            if progress:
                progress.advance(task)
        result[sequence.name] = float(iou_xywh(np.array(ref_boxes), np.array(got_boxes)).mean())
    return result


def _box(result) -> tuple:
    return tuple(getattr(result, "box", result))
