"""Parity of an exported model with its reference: per-output differences on real crops, and the mean
IoU between the two trackers' boxes over whole sequences."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from rich.progress import Progress

from edgetrack.boxes import iou_xywh
from edgetrack.datasets.sequence import Sequence, read_rgb
from edgetrack.deploy.calibration import CropPair
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


@dataclass(frozen=True)
class BoxAgreement:
    """Mean IoU of a candidate tracker's boxes with the reference tracker's over one sequence.

    `tracking`: each tracker follows its own boxes (a closed loop: one frame where the peak moves can
    send the two apart for good, so it also measures how stable the network's tracking is).
    `same_crops`: the candidate is re-centred on the reference's previous box before every frame, so both
    see the same search crop and only the candidate's arithmetic differs.
    """

    tracking: float
    same_crops: float


def box_agreement(
    reference: Callable[[], object],
    candidate: Callable[[], object],
    sequences: list[Sequence],
    progress: Progress | None = None,
) -> dict[str, BoxAgreement]:
    """Sequence name -> BoxAgreement, every tracker initialised on the first ground-truth box.

    `reference()` / `candidate()` make fresh trackers: init(frame, box), track(frame) returning a box or
    something with a `.box`; candidates also need relocate(box)."""
    result = {}
    for sequence in sequences:
        task = progress.add_task(f"check {sequence.name}", total=len(sequence.frames)) if progress else None
        ref, free, led = reference(), candidate(), candidate()
        first = read_rgb(sequence.frames[0])
        for tracker in (ref, free, led):
            tracker.init(first, sequence.gt[0])
        ref_boxes, free_boxes, led_boxes = [], [], []
        for path in sequence.frames[1:]:
            frame = read_rgb(path)
            if ref_boxes:
                led.relocate(ref_boxes[-1])
            ref_boxes.append(_box(ref.track(frame)))
            free_boxes.append(_box(free.track(frame)))
            led_boxes.append(_box(led.track(frame)))
            if progress:
                progress.advance(task)
        ref_boxes = np.array(ref_boxes)
        result[sequence.name] = BoxAgreement(
            tracking=float(iou_xywh(ref_boxes, np.array(free_boxes)).mean()),
            same_crops=float(iou_xywh(ref_boxes, np.array(led_boxes)).mean()),
        )
    return result


def _box(result) -> tuple:
    return tuple(getattr(result, "box", result))
