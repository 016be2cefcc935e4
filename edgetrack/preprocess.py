"""Crop and normalise exactly as OSTrack's `sample_target` and `Preprocessor` do.

The crop is a square of side ceil(sqrt(w*h) * factor) centred on the box (Python rounding, half to
even), zero-padded where it leaves the frame, then bilinearly resized with OpenCV's bit-exact
INTER_LINEAR_EXACT: plain INTER_LINEAR goes through platform HALs (IPP on x86, KleidiCV/Carotene on
ARM) that round differently by one level on downscales, and tracking amplifies that. Like the
reference, the pad on the right and bottom is one pixel wider than strictly needed (`x2 - W + 1`): the
frame's last column or row is never used. Only the crop is padded; the frame is never copied.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


@dataclass(frozen=True)
class CropWindow:
    """Where a square crop lies in the frame: top-left corner (x1, y1) and side, in frame pixels."""

    x1: int
    y1: int
    side: int


def crop_window(box_xywh, factor: float) -> CropWindow:
    """The reference crop square around a box: side ceil(sqrt(w*h)*factor), rounded centre."""
    x, y, w, h = (float(v) for v in box_xywh)
    side = math.ceil(math.sqrt(w * h) * factor)
    if side < 1:
        raise ValueError(f"box {box_xywh} is too small to crop")
    x1 = round(x + 0.5 * w - side * 0.5)
    y1 = round(y + 0.5 * h - side * 0.5)
    return CropWindow(int(x1), int(y1), int(side))


def sample_target(frame: np.ndarray, box_xywh, factor: float, output_size: int) -> tuple[np.ndarray, float]:
    """Crop `factor` times the box's geometric-mean side around it and resize to `output_size`.

    Returns the uint8 crop (output_size x output_size x C) and the resize factor output_size / side.
    """
    win = crop_window(box_xywh, factor)
    height, width = frame.shape[:2]
    x2, y2 = win.x1 + win.side, win.y1 + win.side
    pad_left, pad_top = max(0, -win.x1), max(0, -win.y1)
    pad_right, pad_bottom = max(x2 - width + 1, 0), max(y2 - height + 1, 0)
    xs, xe = win.x1 + pad_left, x2 - pad_right
    ys, ye = win.y1 + pad_top, y2 - pad_bottom
    if xs >= xe or ys >= ye:  # the crop lies wholly outside the frame
        patch = np.zeros((win.side, win.side) + frame.shape[2:], dtype=frame.dtype)
    else:
        patch = cv2.copyMakeBorder(
            frame[ys:ye, xs:xe], pad_top, pad_bottom, pad_left, pad_right, cv2.BORDER_CONSTANT, value=0
        )
    if patch.shape[0] != output_size or patch.shape[1] != output_size:
        patch = cv2.resize(patch, (output_size, output_size), interpolation=cv2.INTER_LINEAR_EXACT)
    return patch, output_size / win.side


class Normalizer:
    """uint8 HxWx3 RGB crop -> float32 1x3xHxW tensor: (x/scale - mean) / std.

    With bgr=True the channels are swapped first; mean and std are in the model's channel order.
    """

    def __init__(self, mean=IMAGENET_MEAN, std=IMAGENET_STD, scale: float = 255.0, bgr: bool = False):
        std = np.asarray(std, dtype=np.float32)
        # (x/scale - mean)/std == x*a + b: one multiply-add per pixel, per channel (3x1x1 broadcast).
        self._a = (1.0 / (scale * std)).astype(np.float32).reshape(3, 1, 1)
        self._b = (-np.asarray(mean, dtype=np.float32) / std).astype(np.float32).reshape(3, 1, 1)
        self._bgr = bgr

    def __call__(self, crop_rgb: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        """Normalise into `out` (a 1x3xHxW float32 buffer, reused across calls) or a new array."""
        crop = crop_rgb[..., ::-1] if self._bgr else crop_rgb
        chw = crop.transpose(2, 0, 1)  # a uint8 view: the float pass writes planar order directly
        if out is None:
            out = np.empty((1,) + chw.shape, dtype=np.float32)
        np.multiply(chw, self._a, out=out[0])
        np.add(out[0], self._b, out=out[0])
        return out
