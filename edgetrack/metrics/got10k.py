"""GOT-10k convention: the official got10k toolkit (`ExperimentGOT10k`, `rect_iou` with a bound).

- frame 0 is skipped; of the other frames only those with cover.label > 0 count;
- both boxes are clipped to the frame before the IoU: x to [0, W], y to [0, H], then w to [0, W - x] and
  h to [0, H - y] (the toolkit clips the corner first and the size against the clipped corner);
- the IoUs of all sequences are pooled over frames: AO is their mean, SR_t the fraction above t (strict >),
  so a long sequence weighs more than a short one.
"""

from __future__ import annotations

import numpy as np

from edgetrack.metrics.common import as_boxes

AO_THRESHOLDS = np.linspace(0.0, 1.0, 101)


def clip_to_frame(boxes: np.ndarray, width: float, height: float) -> np.ndarray:
    """The toolkit's bound: clip x, y into the frame, then w, h against the clipped corner."""
    boxes = as_boxes(boxes)
    boxes[:, 0] = np.clip(boxes[:, 0], 0, width)
    boxes[:, 1] = np.clip(boxes[:, 1], 0, height)
    boxes[:, 2] = np.clip(boxes[:, 2], 0, width - boxes[:, 0])
    boxes[:, 3] = np.clip(boxes[:, 3], 0, height - boxes[:, 1])
    return boxes


def bounded_iou(pred: np.ndarray, gt: np.ndarray, width: float, height: float) -> np.ndarray:
    """Row-wise IoU of the clipped boxes; the union is floored at machine epsilon as in the toolkit."""
    a, b = clip_to_frame(pred, width, height), clip_to_frame(gt, width, height)
    iw = np.clip(np.minimum(a[:, 0] + a[:, 2], b[:, 0] + b[:, 2]) - np.maximum(a[:, 0], b[:, 0]), 0, None)
    ih = np.clip(np.minimum(a[:, 1] + a[:, 3], b[:, 1] + b[:, 3]) - np.maximum(a[:, 1], b[:, 1]), 0, None)
    inter = iw * ih
    union = a[:, 2] * a[:, 3] + b[:, 2] * b[:, 3] - inter
    iou = inter / np.clip(union, np.finfo(np.float64).eps, None)
    return np.nan_to_num(iou, nan=0.0)


def got10k_ious(pred, gt, cover, resolution: tuple[int, int]) -> np.ndarray:
    """The IoUs one sequence contributes to the pool: frames 1.. with cover > 0."""
    gt = as_boxes(gt)
    pred = as_boxes(pred)
    if len(pred) != len(gt):
        raise ValueError(f"{len(pred)} predictions for {len(gt)} ground-truth rows")
    width, height = resolution
    ious = bounded_iou(pred[1:], gt[1:], width, height)
    if cover is not None:
        ious = ious[np.asarray(cover)[1:] > 0]
    return ious


def got10k_scores(ious_per_sequence: list[np.ndarray]) -> dict[str, float | np.ndarray]:
    """AO, SR0.5, SR0.75 and the success curve (101 thresholds) over the pooled frames."""
    pooled = np.concatenate([np.asarray(i, dtype=np.float64) for i in ious_per_sequence] or [np.zeros(0)])
    if pooled.size == 0:
        return {"AO": 0.0, "SR0.5": 0.0, "SR0.75": 0.0, "curve": np.zeros_like(AO_THRESHOLDS)}
    return {
        "AO": float(pooled.mean()),
        "SR0.5": float(np.mean(pooled > 0.5)),
        "SR0.75": float(np.mean(pooled > 0.75)),
        "curve": (pooled[None, :] > AO_THRESHOLDS[:, None]).mean(axis=1),
    }
