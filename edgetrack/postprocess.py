"""OSTrack's post-processing: Hanning window, peak decoding, mapping back to the frame, clipping."""

from __future__ import annotations

import numpy as np


def hann1d(n: int) -> np.ndarray:
    """Centred cosine window: 0.5 * (1 - cos(2*pi*k/(n+1))), k = 1..n."""
    k = np.arange(1, n + 1, dtype=np.float64)
    return 0.5 * (1.0 - np.cos(2.0 * np.pi * k / (n + 1)))


def hann2d(n: int) -> np.ndarray:
    """Outer product of two centred 1-D windows, float32 (n x n)."""
    w = hann1d(n)
    return np.outer(w, w).astype(np.float32)


def decode_peak(score: np.ndarray, size: np.ndarray, offset: np.ndarray, window: np.ndarray | None = None):
    """Decode the CENTER head's maps into (cx, cy, w, h) in crop units [0, 1] and the peak score.

    score: (N, N) or (1, 1, N, N); size and offset: (2, N, N) or (1, 2, N, N). The window, if given,
    multiplies the score map before the arg-max, as the OSTrack tracker does; the returned score is
    the raw (unwindowed) score at the chosen cell.
    """
    score = score.reshape(score.shape[-2:])
    size = size.reshape(2, *size.shape[-2:])
    offset = offset.reshape(2, *offset.shape[-2:])
    n = score.shape[-1]
    response = score * window if window is not None else score
    idx = int(np.argmax(response))
    iy, ix = divmod(idx, n)
    cx = (ix + float(offset[0, iy, ix])) / n
    cy = (iy + float(offset[1, iy, ix])) / n
    return (cx, cy, float(size[0, iy, ix]), float(size[1, iy, ix])), float(score[iy, ix])


def map_box_back(box_crop_cxcywh, prev_box_xywh, search_size: int, resize_factor: float):
    """Map a (cx, cy, w, h) box in crop units back to frame x,y,w,h around the previous box's centre."""
    scale = search_size / resize_factor
    cx, cy, w, h = (v * scale for v in box_crop_cxcywh)
    px, py, pw, ph = prev_box_xywh
    half_side = 0.5 * scale
    cx_real = cx + (px + 0.5 * pw - half_side)
    cy_real = cy + (py + 0.5 * ph - half_side)
    return (cx_real - 0.5 * w, cy_real - 0.5 * h, w, h)


def damp_size(box_xywh, prev_box_xywh, rate: float):
    """Keep the box's centre but move the previous size only `rate` of the way to its size (SiamRPN-style
    size smoothing). rate 1 returns the box unchanged, as OSTrack does."""
    if rate == 1.0:
        return box_xywh
    x, y, w, h = box_xywh
    _, _, pw, ph = prev_box_xywh
    new_w, new_h = pw + rate * (w - pw), ph + rate * (h - ph)
    return (x + 0.5 * (w - new_w), y + 0.5 * (h - new_h), new_w, new_h)


def clip_box(box_xywh, height: int, width: int, margin: float = 10.0):
    """Clip a box to the frame keeping at least `margin` pixels of it inside, as OSTrack does."""
    x1, y1, w, h = box_xywh
    x2, y2 = x1 + w, y1 + h
    x1 = min(max(0.0, x1), width - margin)
    x2 = min(max(margin, x2), width)
    y1 = min(max(0.0, y1), height - margin)
    y2 = min(max(margin, y2), height)
    return (x1, y1, max(margin, x2 - x1), max(margin, y2 - y1))


def next_box(
    box_crop_cxcywh, score: float, prev_box_xywh, search_size: int, resize_factor: float, frame_hw,
    size_rate: float = 1.0, min_score: float = 0.0,
):  # fmt: skip
    """The tracker's next box from the decoded peak: mapped back to the frame, size damped by `size_rate`,
    clipped as OSTrack does; the previous box unchanged when the peak score is below `min_score` (the
    target is taken as occluded or out of view and searched for again where it was last seen)."""
    if score < min_score:
        return prev_box_xywh
    box = damp_size(
        map_box_back(box_crop_cxcywh, prev_box_xywh, search_size, resize_factor), prev_box_xywh, size_rate
    )
    return clip_box(box, frame_hw[0], frame_hw[1], margin=10.0)
