"""Procedural textures: multi-octave value noise mapped through a random colour palette (numpy + cv2)."""

from __future__ import annotations

import cv2
import numpy as np


def value_noise(
    rng: np.random.Generator, height: int, width: int, octaves: int = 4, base: int = 4
) -> np.ndarray:
    """(H, W) float32 noise in [0, 1]: random grids upsampled with bicubic interpolation and summed."""
    total = np.zeros((height, width), np.float32)
    weight = 0.0
    for k in range(octaves):
        cells = base * 2**k
        grid = rng.random((cells, cells), dtype=np.float32)
        total += cv2.resize(grid, (width, height), interpolation=cv2.INTER_CUBIC) / 2**k
        weight += 1 / 2**k
    total /= weight
    return (total - total.min()) / max(float(np.ptp(total)), 1e-6)


def palette(rng: np.random.Generator, colours: int = 3) -> np.ndarray:
    """(colours, 3) float32 RGB anchors in [0, 255]."""
    return rng.uniform(20, 235, (colours, 3)).astype(np.float32)


def colourise(noise: np.ndarray, anchors: np.ndarray) -> np.ndarray:
    """Map [0, 1] noise through piecewise-linear colour anchors to an (H, W, 3) float32 RGB image."""
    positions = np.linspace(0, 1, len(anchors))
    return np.stack([np.interp(noise, positions, anchors[:, c]) for c in range(3)], axis=-1).astype(
        np.float32
    )


def texture(rng: np.random.Generator, height: int, width: int, anchors=None, octaves: int = 4) -> np.ndarray:
    """A textured RGB float32 image; stripes are mixed in so targets have structure to match."""
    noise = value_noise(rng, height, width, octaves)
    freq = rng.uniform(2, 6)
    stripes = 0.5 + 0.5 * np.sin(np.linspace(0, 2 * np.pi * freq, width, dtype=np.float32))[None, :]
    mixed = np.clip(0.75 * noise + 0.25 * stripes, 0, 1)
    return colourise(mixed, palette(rng) if anchors is None else anchors)
