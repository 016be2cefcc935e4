"""Generate synthetic sequences in memory and write them in GOT-10k's layout.

A sequence: a smooth random background (upsampled noise), a target patch with a blocky random
texture and a random size, moving with a damped random velocity, its size drifting slowly, pixel
noise on every frame. Boxes are x,y,w,h in pixels of the target's visible rectangle.
"""

from __future__ import annotations

import os
from pathlib import Path

import cv2
import numpy as np


def synthetic_sequence(rng: np.random.Generator, frames: int, width: int = 320, height: int = 240):
    """(list of RGB uint8 frames, (frames, 4) float boxes x,y,w,h)."""
    background = cv2.resize(
        rng.integers(0, 256, (12, 16, 3), dtype=np.uint8), (width, height), interpolation=cv2.INTER_CUBIC
    )
    texture = cv2.resize(
        rng.integers(0, 256, (4, 4, 3), dtype=np.uint8), (64, 64), interpolation=cv2.INTER_NEAREST
    )
    w, h = rng.uniform(0.08, 0.2) * width, rng.uniform(0.1, 0.25) * height
    x, y = rng.uniform(0, width - w), rng.uniform(0, height - h)
    vx, vy = rng.normal(0, 2, 2)
    images, boxes = [], []
    for _ in range(frames):
        vx, vy = 0.9 * vx + rng.normal(0, 0.8), 0.9 * vy + rng.normal(0, 0.8)
        scale = float(np.exp(rng.normal(0, 0.01)))
        w, h = np.clip(w * scale, 12, width / 3), np.clip(h * scale, 12, height / 3)
        x, y = float(np.clip(x + vx, 0, width - w)), float(np.clip(y + vy, 0, height - h))
        xi, yi, wi, hi = int(x), int(y), int(w), int(h)
        image = background.copy()
        image[yi : yi + hi, xi : xi + wi] = cv2.resize(texture, (wi, hi), interpolation=cv2.INTER_NEAREST)
        noise = rng.integers(-10, 11, image.shape)
        images.append(np.clip(image.astype(np.int16) + noise, 0, 255).astype(np.uint8))
        boxes.append((xi, yi, wi, hi))
    return images, np.asarray(boxes, dtype=np.float64)


def write_got10k(
    root: Path | str, split: str, count: int, frames: int, seed: int, progress=iter
) -> list[Path]:
    """Write `count` sequences to ROOT/SPLIT/GOT-10k_<Split>_NNNNNN/ (%08d.jpg, groundtruth.txt,
    absence.label) and ROOT/SPLIT/list.txt. Each sequence is written to a hidden folder, then renamed.
    `progress` wraps the loop over sequences (e.g. rich.progress.track)."""
    rng = np.random.default_rng(seed)
    split_dir = Path(root) / split
    split_dir.mkdir(parents=True, exist_ok=True)
    names = []
    for i in progress(range(count)):
        name = f"GOT-10k_{split.capitalize()}_{i + 1:06d}"
        tmp = split_dir / f".{name}.tmp"
        tmp.mkdir(parents=True, exist_ok=True)
        images, boxes = synthetic_sequence(rng, frames)
        for j, image in enumerate(images):
            cv2.imwrite(str(tmp / f"{j + 1:08d}.jpg"), image[..., ::-1])
        np.savetxt(tmp / "groundtruth.txt", boxes, fmt="%.4f", delimiter=",")
        (tmp / "absence.label").write_text("0\n" * frames)
        os.replace(tmp, split_dir / name)
        names.append(name)
    (split_dir / "list.txt").write_text("\n".join(names) + "\n")
    return [split_dir / n for n in names]
