"""TrackingNet convention: the official devkit's `metrics.py` (the evaluation server's code).

- every coordinate is rounded to an integer; frame 0 is set to the ground truth;
- boxes are pixel-inclusive: x2 = x + w - 1, intersection width = x2' - x1' + 1, centre = x + (w + 1) / 2;
- success over 21 IoU thresholds linspace(0, 1, 21) (iou >= threshold, as the devkit since 2018),
  precision over linspace(0, 50, 21) px and normalised precision over linspace(0, 0.5, 21) (<=), each
  over all frames of a sequence, then averaged over sequences; each reported number is the trapezoidal
  area under its curve over [0, 1] (x = the 21 success thresholds) — the devkit does this for all
  three, so "precision" is an area, not P@20;
- a result file with fewer rows than the ground truth scores the missing rows as failures at every
  threshold, as the devkit does.
"""

from __future__ import annotations

import numpy as np

from edgetrack.metrics.common import as_boxes

TN_SUCCESS_X = np.linspace(0.0, 1.0, 21)
TN_PRECISION_X = np.linspace(0.0, 50.0, 21)
TN_NORM_PRECISION_X = np.linspace(0.0, 0.5, 21)


def trapezoid_area(curve: np.ndarray) -> float:
    """Trapezoidal area under a 21-point curve sampled on TN_SUCCESS_X."""
    curve = np.asarray(curve, dtype=np.float64)
    step = TN_SUCCESS_X[1] - TN_SUCCESS_X[0]
    return float(step * (curve.sum() - 0.5 * (curve[0] + curve[-1])))


def trackingnet_curves(pred: np.ndarray, gt: np.ndarray) -> dict[str, np.ndarray]:
    """One sequence's success, precision and normalised precision curves (21 points each)."""
    gt = np.round(as_boxes(gt))
    pred = as_boxes(pred)
    if len(pred) > len(gt):
        raise ValueError(f"{len(pred)} predictions for {len(gt)} ground-truth rows")
    missing = np.full((len(gt) - len(pred), 4), np.nan)  # NaN fails every comparison below
    pred = np.round(np.concatenate([pred, missing]))
    pred[0] = gt[0]
    x1 = np.maximum(pred[:, :2], gt[:, :2])
    x2 = np.minimum(pred[:, :2] + pred[:, 2:] - 1, gt[:, :2] + gt[:, 2:] - 1)
    inter_wh = np.clip(np.round(x2 - x1 + 1), 0, None)
    inter = inter_wh[:, 0] * inter_wh[:, 1]
    offset = (pred[:, :2] + (pred[:, 2:] + 1) / 2) - (gt[:, :2] + (gt[:, 2:] + 1) / 2)
    with np.errstate(invalid="ignore", divide="ignore"):
        iou = inter / (pred[:, 2] * pred[:, 3] + gt[:, 2] * gt[:, 3] - inter)
        dist = np.linalg.norm(offset, axis=1)
        ndist = np.linalg.norm(offset / gt[:, 2:], axis=1)
    n = len(gt)
    return {
        "success": (iou[None, :] >= TN_SUCCESS_X[:, None]).sum(axis=1) / n,
        "precision": (dist[None, :] <= TN_PRECISION_X[:, None]).sum(axis=1) / n,
        "norm_precision": (ndist[None, :] <= TN_NORM_PRECISION_X[:, None]).sum(axis=1) / n,
    }
