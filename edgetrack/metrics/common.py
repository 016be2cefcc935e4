"""Building blocks shared by the benchmark conventions: thresholds, box validity, curves."""

from __future__ import annotations

import numpy as np

SUCCESS_THRESHOLDS = np.linspace(0.0, 1.0, 21)
PRECISION_THRESHOLDS = np.arange(0, 51, dtype=np.float64)
NORM_PRECISION_THRESHOLDS = PRECISION_THRESHOLDS / 100.0


def as_boxes(boxes) -> np.ndarray:
    """Any (N, >=4) array-like as an (N, 4) float64 copy."""
    return np.array(boxes, dtype=np.float64).reshape(-1, 4)


def positive_size(boxes: np.ndarray) -> np.ndarray:
    """(N,) bool: finite rows with positive width and height."""
    return np.all(np.isfinite(boxes), axis=1) & (boxes[:, 2] > 0) & (boxes[:, 3] > 0)


def all_positive(boxes: np.ndarray) -> np.ndarray:
    """(N,) bool: x, y, w and h all > 0 — the MATLAB toolkits' `sum(rect_anno > 0, 2) == 4` test
    (NaN fails it, and so does a box touching or crossing the left or top border)."""
    with np.errstate(invalid="ignore"):
        return np.all(boxes > 0, axis=1)


def repeat_invalid_predictions(pred: np.ndarray, gt: np.ndarray) -> np.ndarray:
    """MATLAB toolkit rule: frame 0 becomes the ground truth; from frame 1 on, a prediction with a NaN or
    a non-positive size is replaced by the previous one, where the ground-truth row has no NaN."""
    pred = as_boxes(pred)
    pred[0] = gt[0]
    bad = ~positive_size(pred)
    gt_known = ~np.any(np.isnan(gt), axis=1)
    for i in range(1, len(pred)):
        if bad[i] and gt_known[i]:
            pred[i] = pred[i - 1]
    return pred


def centres(boxes: np.ndarray) -> np.ndarray:
    """Box centres (x + w/2, y + h/2). The toolkits' (w - 1)/2 cancels in every difference we take."""
    return boxes[:, :2] + 0.5 * boxes[:, 2:]


def success_curve(iou: np.ndarray, thresholds: np.ndarray = SUCCESS_THRESHOLDS, total: int | None = None):
    """Fraction of frames with IoU strictly above each threshold, over `total` frames (default: len(iou))."""
    iou = np.asarray(iou, dtype=np.float64)
    total = len(iou) if total is None else total
    return (iou[None, :] > thresholds[:, None]).sum(axis=1) / max(total, 1)


def precision_curve(err: np.ndarray, thresholds: np.ndarray = PRECISION_THRESHOLDS, total: int | None = None):
    """Fraction of frames with centre error at most each threshold, over `total` frames."""
    err = np.asarray(err, dtype=np.float64)
    total = len(err) if total is None else total
    return (err[None, :] <= thresholds[:, None]).sum(axis=1) / max(total, 1)


def mean_nonzero_curves(curves: list[np.ndarray]) -> np.ndarray:
    """Mean of per-sequence curves, leaving out all-zero curves as the MATLAB toolkits do
    (`aa = aa(sum(aa, 2) > eps, :)` before `mean(aa)`)."""
    stack = np.asarray(curves, dtype=np.float64)
    keep = stack.sum(axis=1) > np.finfo(np.float64).eps
    if not keep.any():
        return np.zeros(stack.shape[1])
    return stack[keep].mean(axis=0)
