"""Extra training targets mined from footage (`edgetrack pseudo-label --propose K`).

On a random frame of each clip a distinctive region is proposed as a target: among random boxes centred
on corners (log-uniform side, random aspect ratio), one holding a few corners (texture a tracker can
hold) whose colours differ most from a ring around it (centre-surround contrast, a classic objectness
cue). The teacher then follows it from that frame, and the track becomes one more pseudo-labelled
training sequence. A few labelled sequences so give many training targets (other objects, their parts,
textured background) where a small student trained on a few dozen real objects otherwise overfits them.
"""

from __future__ import annotations

import math
from dataclasses import replace

import cv2
import numpy as np

from edgetrack.pseudolabel import Clip

CANDIDATES = 48  # random boxes scored per proposal
MIN_CORNERS = 3  # corners a proposed box must hold
COLOUR_LEVELS = 4  # per channel: 64 colour bins for the centre-surround histograms


def _colour_bins(rgb: np.ndarray) -> np.ndarray:
    quantised = (rgb.astype(np.int32) * COLOUR_LEVELS) >> 8
    return (quantised[..., 0] * COLOUR_LEVELS + quantised[..., 1]) * COLOUR_LEVELS + quantised[..., 2]


def centre_surround_contrast(bins: np.ndarray, box) -> float:
    """Total-variation distance in [0, 1] between the colour histogram inside the integer x,y,w,h box and
    that of the ring around it (the box grown to twice its sides, clipped to the frame)."""
    x, y, w, h = box
    height, width = bins.shape
    x0, y0 = max(0, x - w // 2), max(0, y - h // 2)
    x1, y1 = min(width, x + w + w // 2), min(height, y + h + h // 2)
    inner = np.bincount(bins[y : y + h, x : x + w].ravel(), minlength=COLOUR_LEVELS**3)
    outer = np.bincount(bins[y0:y1, x0:x1].ravel(), minlength=COLOUR_LEVELS**3) - inner
    if outer.sum() == 0:
        return 0.0
    return 0.5 * float(np.abs(inner / inner.sum() - outer / outer.sum()).sum())


def propose_box(
    rgb: np.ndarray, rng: np.random.Generator, min_side: float = 0.06, max_side: float = 0.3
) -> tuple[float, float, float, float] | None:
    """A distinctive x,y,w,h box inside the RGB frame, its side (geometric mean) a log-uniform fraction
    in [min_side, max_side] of the frame's shorter side; None when the frame has too little texture."""
    height, width = rgb.shape[:2]
    gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    corners = cv2.goodFeaturesToTrack(gray, maxCorners=500, qualityLevel=0.01, minDistance=4)
    if corners is None:
        return None
    points = corners.reshape(-1, 2)
    bins = _colour_bins(rgb)
    short = min(height, width)
    best, best_contrast = None, -1.0
    for _ in range(CANDIDATES):
        side = short * math.exp(rng.uniform(math.log(min_side), math.log(max_side)))
        aspect = math.exp(rng.uniform(-0.7, 0.7))
        w, h = max(4, round(side * math.sqrt(aspect))), max(4, round(side / math.sqrt(aspect)))
        cx, cy = points[rng.integers(len(points))]
        x, y = round(cx - w / 2), round(cy - h / 2)
        if x < 0 or y < 0 or x + w > width or y + h > height:
            continue
        inside = (points[:, 0] >= x) & (points[:, 0] < x + w) & (points[:, 1] >= y) & (points[:, 1] < y + h)
        if inside.sum() < MIN_CORNERS:
            continue
        contrast = centre_surround_contrast(bins, (x, y, w, h))
        if contrast > best_contrast:
            best, best_contrast = (float(x), float(y), float(w), float(h)), contrast
    return best


def _read_frame(clip: Clip, index: int) -> np.ndarray | None:
    frame = next(replace(clip, start=index, length=1).frames(), None)
    return None if frame is None else frame.rgb


def propose_clips(sources: list[Clip], per_source: int, length: int, seed: int) -> list[Clip]:
    """`per_source` clips of `length` frames from each source, each from a random start frame with a
    proposed target (named SOURCE-mK); the same seed gives the same clips. Sources too short for two
    frames, and start frames without texture, give no clip."""
    clips = []
    for source_index, source in enumerate(sources):
        count = source.frame_count()
        if count < 2:
            continue
        rng = np.random.default_rng([seed, source_index])
        for k in range(per_source):
            start = int(rng.integers(0, max(1, count - length + 1)))
            rgb = _read_frame(source, start)
            box = None if rgb is None else propose_box(rgb, rng)
            if box is not None:
                clips.append(source.with_target(f"{source.name}-m{k}", box, start, length))
    return clips
