"""Box conversions and checks. Boxes are x,y,w,h floats in frame pixels unless a name says otherwise."""

from __future__ import annotations

import math

import numpy as np

from edgetrack.errors import EdgetrackError

MAX_BOX_TO_FRAME = 2  # an init box wider or taller than this many frames is a mistake (and a huge crop)


def parse_box(text: str) -> tuple[float, float, float, float]:
    """Parse 'x,y,w,h' (commas, spaces or tabs) into four floats."""
    parts = text.replace("\t", ",").replace(" ", ",").split(",")
    parts = [p for p in parts if p]
    if len(parts) != 4:
        raise EdgetrackError(f"a box is x,y,w,h (four numbers), got {text!r}")
    try:
        x, y, w, h = (float(p) for p in parts)
    except ValueError as exc:
        raise EdgetrackError(f"a box is x,y,w,h (four numbers), got {text!r}") from exc
    return x, y, w, h


def check_init_box(box, frame_shape) -> tuple[float, float, float, float]:
    """Validate an init box against a frame of shape (H, W, ...); return it as floats."""
    x, y, w, h = (float(v) for v in box)
    if not all(math.isfinite(v) for v in (x, y, w, h)):
        raise EdgetrackError(f"init box {x},{y},{w},{h} has a NaN or infinite value")
    if w <= 0 or h <= 0:
        raise EdgetrackError(f"init box {x},{y},{w},{h} has zero or negative size")
    height, width = frame_shape[:2]
    if x >= width or y >= height or x + w <= 0 or y + h <= 0:
        raise EdgetrackError(f"init box {x},{y},{w},{h} lies outside the {width}x{height} frame")
    if w > MAX_BOX_TO_FRAME * width or h > MAX_BOX_TO_FRAME * height:
        raise EdgetrackError(
            f"init box {x},{y},{w},{h} is more than {MAX_BOX_TO_FRAME} times the {width}x{height} frame"
        )
    return x, y, w, h


def iou_xywh(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Row-wise IoU of two (N,4) x,y,w,h arrays; 0 where either box is empty or NaN."""
    a = np.asarray(a, dtype=np.float64).reshape(-1, 4)
    b = np.asarray(b, dtype=np.float64).reshape(-1, 4)
    ix1 = np.maximum(a[:, 0], b[:, 0])
    iy1 = np.maximum(a[:, 1], b[:, 1])
    ix2 = np.minimum(a[:, 0] + a[:, 2], b[:, 0] + b[:, 2])
    iy2 = np.minimum(a[:, 1] + a[:, 3], b[:, 1] + b[:, 3])
    inter = np.clip(ix2 - ix1, 0, None) * np.clip(iy2 - iy1, 0, None)
    union = a[:, 2] * a[:, 3] + b[:, 2] * b[:, 3] - inter
    with np.errstate(invalid="ignore", divide="ignore"):
        iou = np.where(union > 0, inter / union, 0.0)
    return np.nan_to_num(iou, nan=0.0)
