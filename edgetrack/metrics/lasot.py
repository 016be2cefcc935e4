"""LaSOT / LaSOT_ext convention: the official LaSOT evaluation toolkit (`calc_seq_err_robust.m`,
`eval_tracker.m`), which pytracking's analysis reproduces with its default settings.

- predictions longer than the ground truth are cut (monkey-17); frame 0 is set to the ground truth and
  invalid predictions repeat the previous one, as in the OTB toolkit;
- frames where the target is absent (full occlusion or out of view) are removed before scoring, but the
  per-sequence rates are still divided by the full number of frames: an absent frame can never count as
  a success (pytracking gets the same numbers by giving those frames overlap -1 and error +inf);
- on the remaining frames a ground-truth row with any of x, y, w, h <= 0 gives overlap -1 and centre
  error -1, as in the OTB toolkit;
- success AUC over 21 IoU thresholds (strict >), precision at 20 px (0..50 px curve) and normalised
  precision at 0.20 (0..0.5 curve, centre offsets divided by the ground-truth width and height).
"""

from __future__ import annotations

import numpy as np

from edgetrack.boxes import iou_xywh
from edgetrack.metrics.common import (
    NORM_PRECISION_THRESHOLDS,
    all_positive,
    as_boxes,
    centres,
    precision_curve,
    repeat_invalid_predictions,
    success_curve,
)


def lasot_curves(pred: np.ndarray, gt: np.ndarray, absent: np.ndarray | None) -> dict[str, np.ndarray]:
    """One sequence's success, precision and normalised precision curves under the LaSOT toolkit rules."""
    gt = as_boxes(gt)
    total = len(gt)
    pred = as_boxes(pred)
    if len(pred) < total:
        raise ValueError(f"{len(pred)} predictions for {total} ground-truth rows")
    pred = repeat_invalid_predictions(pred[:total], gt)
    keep = np.ones(total, bool) if absent is None else ~np.asarray(absent, bool)
    pred, gt = pred[keep], gt[keep]
    ok = all_positive(gt)
    iou = np.where(ok, iou_xywh(pred, np.nan_to_num(gt)), -1.0)
    offset = centres(pred) - centres(gt)
    with np.errstate(invalid="ignore", divide="ignore"):
        err = np.where(ok, np.linalg.norm(offset, axis=1), -1.0)
        norm_err = np.where(ok, np.linalg.norm(offset / gt[:, 2:], axis=1), -1.0)
    return {
        "success": success_curve(iou, total=total),
        "precision": precision_curve(err, total=total),
        "norm_precision": precision_curve(norm_err, NORM_PRECISION_THRESHOLDS, total=total),
    }
