"""Tiny on-disk sequences and a tiny model config for the trainer tests."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from edgetrack.datasets import Sequence
from edgetrack.train.config import load_config
from edgetrack.train.data import Source

TINY_MODEL = {
    "embed_dim": 32,
    "depth": 2,
    "num_heads": 2,
    "patch_size": 16,
    "template_size": 32,
    "search_size": 64,
    "head_channels": 16,
}


def moving_square_sequence(folder: Path, name: str, frames: int, seed: int) -> Sequence:
    """A textured square drifting over a noisy 96x96 background, saved as a custom sequence folder
    (img/*.png + groundtruth.txt)."""
    rng = np.random.default_rng(seed)
    folder = folder / name
    (folder / "img").mkdir(parents=True)
    background = rng.integers(0, 120, (96, 96, 3), dtype=np.uint8)
    patch = rng.integers(130, 256, (18, 18, 3), dtype=np.uint8)
    paths, boxes = [], []
    x, y = 30.0, 40.0
    for i in range(frames):
        x, y = np.clip([x + rng.normal(0, 2), y + rng.normal(0, 2)], 5, 70)
        frame = background.copy()
        frame[int(y) : int(y) + 18, int(x) : int(x) + 18] = patch
        path = folder / "img" / f"{i:04d}.png"
        cv2.imwrite(str(path), frame[..., ::-1])
        paths.append(path)
        boxes.append([int(x), int(y), 18, 18])
    np.savetxt(folder / "groundtruth.txt", boxes, fmt="%d", delimiter=",")
    return Sequence(name, paths, np.asarray(boxes, float))


def tiny_sources(folder: Path) -> list[Source]:
    """Three 40-frame videos under folder/videos and two one-frame 'images' under folder/images."""
    videos = [moving_square_sequence(folder / "videos", f"v{i}", 40, i) for i in range(3)]
    images = [moving_square_sequence(folder / "images", f"im{i}", 1, 10 + i) for i in range(2)]
    return [Source("videos", videos, 1.0, True), Source("images", images, 0.5, False)]


def tiny_config(tmp_path: Path, *overrides: str, data_root: Path | None = None):
    """The tiny model on the sequences of `tiny_sources(data_root)` (custom folders)."""
    root = data_root or tmp_path
    text = f"""
model: {TINY_MODEL}
data:
  datasets: [{{kind: custom, root: {root / "videos"}}}, {{kind: custom, root: {root / "images"}, ratio: 0.5}}]
  samples_per_epoch: 8
sampler: {{kind: interval, max_interval: 40, bin_width: 10, gradient_scaling: true}}
train: {{epochs: 3, batch_size: 4, lr: 0.001, lr_drop_epoch: 2, device: cpu, checkpoint_every: 1, threads: 1}}
"""
    path = tmp_path / "tiny.yaml"
    path.write_text(text)
    return load_config(path, list(overrides))
