"""One-pass evaluation, OTB convention: the MATLAB OTB toolkit (`calcSeqErrRobust.m`, `perfPlot.m`), also
used by UAV123 / UAV20L, DTB70, UAVDT, NFS, UAVTrack112 and VisDrone-SOT.

- the first frame is set to the ground truth; from frame 1 on a prediction with NaN or non-positive size
  is replaced by the previous one (where the ground truth has no NaN);
- a ground-truth row is valid when x, y, w and h are all > 0; on an invalid row the overlap is -1 (a
  failure at every threshold) and the centre error is -1 (a hit at every threshold) — the toolkit's rule;
- success: fraction of all frames with IoU strictly greater than each of 21 thresholds 0, 0.05, ..., 1;
  AUC is the mean over thresholds. Precision: fraction of frames with centre error <= 0..50 px; the score
  is the value at 20 px. Dataset curves are the mean of per-sequence curves, without all-zero curves.
"""

from __future__ import annotations

import numpy as np

from edgetrack.boxes import iou_xywh
from edgetrack.metrics.common import (
    SUCCESS_THRESHOLDS,
    all_positive,
    as_boxes,
    centres,
    precision_curve,
    repeat_invalid_predictions,
    success_curve,
)


def overlaps_and_errors(pred: np.ndarray, gt: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-frame IoU and centre error under the OTB toolkit rules (-1 and -1 on invalid ground truth)."""
    gt = as_boxes(gt)
    if len(pred) != len(gt):
        raise ValueError(f"{len(pred)} predictions for {len(gt)} ground-truth rows")
    pred = repeat_invalid_predictions(pred, gt)
    ok = all_positive(gt)
    iou = np.where(ok, iou_xywh(pred, np.nan_to_num(gt)), -1.0)
    with np.errstate(invalid="ignore"):
        err = np.linalg.norm(centres(pred) - centres(gt), axis=1)
    err = np.where(ok, err, -1.0)
    return iou, err


def success_auc(pred: np.ndarray, gt: np.ndarray) -> float:
    """Success AUC of one sequence under the OTB convention."""
    iou, _ = overlaps_and_errors(pred, gt)
    return float(success_curve(iou).mean())


def precision_at(pred: np.ndarray, gt: np.ndarray, pixels: float = 20.0) -> float:
    """Precision at `pixels` centre error of one sequence under the OTB convention."""
    _, err = overlaps_and_errors(pred, gt)
    return float(np.mean(err <= pixels))


def otb_curves(pred: np.ndarray, gt: np.ndarray) -> dict[str, np.ndarray]:
    """One sequence's success (21 thresholds) and precision (0..50 px) curves."""
    iou, err = overlaps_and_errors(pred, gt)
    return {"success": success_curve(iou, SUCCESS_THRESHOLDS), "precision": precision_curve(err)}
