"""One-pass evaluation metrics, OTB convention (MATLAB OTB toolkit, also used by UAV123, DTB70, UAVDT, NFS).

- success: fraction of frames whose IoU is strictly greater than each of 21 thresholds 0, 0.05, ..., 1;
  AUC is the mean over thresholds.
- precision: fraction of frames whose centre error is at most 20 px.
- the first frame is set to the ground truth; a frame whose ground truth is invalid (NaN, non-positive size)
  counts as a failure at every threshold; a prediction with NaN or non-positive size is replaced by the
  previous prediction.
"""

from __future__ import annotations

import numpy as np

from edgetrack.boxes import iou_xywh

SUCCESS_THRESHOLDS = np.linspace(0.0, 1.0, 21)
PRECISION_THRESHOLDS = np.arange(0, 51, dtype=np.float64)


def valid_boxes(boxes: np.ndarray) -> np.ndarray:
    """(N,) bool: finite rows with positive width and height."""
    boxes = np.asarray(boxes, dtype=np.float64)
    return np.all(np.isfinite(boxes), axis=1) & (boxes[:, 2] > 0) & (boxes[:, 3] > 0)


def sanitize_predictions(pred: np.ndarray, gt: np.ndarray) -> np.ndarray:
    """OTB rules: frame 0 becomes the ground truth; invalid predictions repeat the previous one."""
    pred = np.array(pred, dtype=np.float64).reshape(-1, 4)
    pred[0] = gt[0]
    ok = valid_boxes(pred)
    for i in range(1, len(pred)):
        if not ok[i]:
            pred[i] = pred[i - 1]
    return pred


def overlaps_and_errors(pred: np.ndarray, gt: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-frame IoU and centre error; -1 and +inf where the ground truth is invalid (a sure failure)."""
    gt = np.asarray(gt, dtype=np.float64).reshape(-1, 4)
    if len(pred) != len(gt):
        raise ValueError(f"{len(pred)} predictions for {len(gt)} ground-truth rows")
    pred = sanitize_predictions(pred, gt)
    ok = valid_boxes(gt)
    iou = np.where(ok, iou_xywh(pred, np.nan_to_num(gt)), -1.0)
    centre = lambda b: b[:, :2] + 0.5 * b[:, 2:]  # noqa: E731
    with np.errstate(invalid="ignore"):
        err = np.linalg.norm(centre(pred) - centre(gt), axis=1)
    err = np.where(ok, err, np.inf)
    return iou, err


def success_curve(iou: np.ndarray, thresholds: np.ndarray = SUCCESS_THRESHOLDS) -> np.ndarray:
    """Fraction of frames with IoU strictly above each threshold."""
    iou = np.asarray(iou, dtype=np.float64)
    return (iou[None, :] > thresholds[:, None]).mean(axis=1)


def precision_curve(err: np.ndarray, thresholds: np.ndarray = PRECISION_THRESHOLDS) -> np.ndarray:
    """Fraction of frames with centre error at most each threshold (pixels)."""
    err = np.asarray(err, dtype=np.float64)
    return (err[None, :] <= thresholds[:, None]).mean(axis=1)


def success_auc(pred: np.ndarray, gt: np.ndarray) -> float:
    """Success AUC of one sequence under the OTB convention."""
    iou, _ = overlaps_and_errors(pred, gt)
    return float(success_curve(iou).mean())


def precision_at(pred: np.ndarray, gt: np.ndarray, pixels: float = 20.0) -> float:
    """Precision at `pixels` centre error of one sequence under the OTB convention."""
    _, err = overlaps_and_errors(pred, gt)
    return float(np.mean(err <= pixels))
