"""Bilinear resize that gives the same bytes on every CPU.

OSTrack's crops (and the fixture boxes edgetrack is checked against) come from OpenCV's INTER_LINEAR on
x86: 11-bit fixed-point coefficients, a horizontal pass into int32 and the SIMD vertical pass
`((b0 * (r0 >> 4)) >> 16) + ((b1 * (r1 >> 4)) >> 16) + 2) >> 2`. OpenCV builds for other CPUs route
INTER_LINEAR through other HALs (KleidiCV / Carotene on aarch64) that round differently, and a
tracker's closed loop amplifies one grey level into a different box. `resize_linear` therefore uses
cv2.resize where it reproduces the reference on this machine (checked once) and the numpy
reference otherwise.
"""

from __future__ import annotations

from functools import lru_cache

import cv2
import numpy as np

COEF_BITS = 11
COEF_SCALE = 1 << COEF_BITS


@lru_cache(maxsize=64)
def _taps(n_in: int, n_out: int, clamp_fraction: bool) -> tuple[np.ndarray, ...]:
    """Source indices and fixed-point weights of one axis, as OpenCV computes them.

    Columns clamp the fraction to 0 outside the image (clamp_fraction=True); rows keep it and only clamp
    the row index, which changes the rounding of the fixed-point sum on the first and last rows.
    """
    pos = ((np.arange(n_out, dtype=np.float64) + 0.5) * (n_in / n_out) - 0.5).astype(np.float32)
    first = np.floor(pos).astype(np.int64)
    frac = (pos - first).astype(np.float32)
    if clamp_fraction:
        frac = np.where(first < 0, np.float32(0), frac)
        first = np.maximum(first, 0)
        at_edge = first >= n_in - 1
        frac = np.where(at_edge, np.float32(0), frac)
        first = np.where(at_edge, n_in - 1, first)
    w1 = np.rint(frac * np.float32(COEF_SCALE)).astype(np.int32)
    w0 = np.rint((np.float32(1) - frac) * np.float32(COEF_SCALE)).astype(np.int32)
    return np.clip(first, 0, n_in - 1), np.clip(first + 1, 0, n_in - 1), w0, w1


def resize_linear_reference(image: np.ndarray, width: int, height: int) -> np.ndarray:
    """uint8 HxW or HxWxC bilinear resize, byte-identical to OpenCV's x86 INTER_LINEAR."""
    channels = image.shape[2] if image.ndim == 3 else 1
    x0, x1, a0, a1 = _taps(image.shape[1], width, True)
    y0, y1, b0, b1 = _taps(image.shape[0], height, False)
    rows, row_of = np.unique(np.concatenate([y0, y1]), return_inverse=True)  # read rows only
    src = image[rows].reshape(len(rows), -1)
    lane = np.arange(channels)
    cols0, cols1 = (x0[:, None] * channels + lane).ravel(), (x1[:, None] * channels + lane).ravel()
    horizontal = np.take(src, cols0, axis=1).astype(np.int32)
    horizontal *= np.repeat(a0, channels)
    horizontal += np.take(src, cols1, axis=1).astype(np.int32) * np.repeat(a1, channels)
    horizontal >>= 4
    top = horizontal[row_of[:height]]
    top *= b0[:, None]
    top >>= 16
    bottom = horizontal[row_of[height:]]
    bottom *= b1[:, None]
    bottom >>= 16
    top += bottom
    top += 2
    top >>= 2
    return np.clip(top, 0, 255).astype(np.uint8).reshape(height, width, *image.shape[2:])


@lru_cache(maxsize=1)
def opencv_matches_reference() -> bool:
    """True if this machine's cv2.resize INTER_LINEAR gives the reference bytes (down- and upscales)."""
    image = np.random.default_rng(0).integers(0, 256, (97, 83, 3), dtype=np.uint8)
    return all(
        np.array_equal(
            cv2.resize(image, size, interpolation=cv2.INTER_LINEAR), resize_linear_reference(image, *size)
        )
        for size in ((64, 48), (131, 157), (83, 97))
    )


def resize_linear(image: np.ndarray, width: int, height: int) -> np.ndarray:
    """Bilinear resize with the reference rounding on any CPU (fast cv2 path where it agrees)."""
    if opencv_matches_reference():
        return cv2.resize(image, (width, height), interpolation=cv2.INTER_LINEAR)
    return resize_linear_reference(image, width, height)
