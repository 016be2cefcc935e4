"""Small random trackers and synthetic sequences for the deploy and bench tests."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np

SMALL_ARCH = {
    "embed_dim": 32, "depth": 2, "num_heads": 2, "mlp_ratio": 2, "patch_size": 16,
    "template_size": 32, "search_size": 64, "template_factor": 2.0, "search_factor": 4.0,
    "size_rate": 0.5, "min_score": 0.1, "ce_loc": [1], "ce_keep_ratio": 0.7, "head": "CENTER",
    "head_channels": 16, "pretrain_img_size": 64,
}  # fmt: skip


def small_checkpoint(folder: Path, seed: int = 0, arch: dict | None = None) -> tuple[Path, Path]:
    """An OSTrack-style checkpoint {'net': state_dict} of a random small tracker and its arch JSON."""
    import torch

    from edgetrack.models.config import TrackerConfig
    from edgetrack.models.ostrack import build_tracker

    arch = arch or SMALL_ARCH
    arch_path = folder / "small.json"
    arch_path.write_text(json.dumps(arch))
    torch.manual_seed(seed)
    model = build_tracker(TrackerConfig.from_dict(arch))
    with torch.no_grad():  # a peaked, plausible-size head, like the fixture's scaled size branch
        for p in model.parameters():
            p.mul_(2.0)
    checkpoint = folder / "small.pth.tar"
    torch.save({"net": model.state_dict(), "epoch": 1}, checkpoint)
    return checkpoint, arch_path


def synthetic_sequence(folder: Path, frames: int = 6, size: int = 96) -> Path:
    """A custom-layout sequence (frames + groundtruth.txt): a textured square drifting right."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(1)
    background = rng.integers(0, 120, (size, size, 3), dtype=np.uint8)
    patch = rng.integers(120, 256, (20, 20, 3), dtype=np.uint8)
    boxes = []
    for i in range(frames):
        frame = background.copy()
        x, y = 30 + 2 * i, 36
        frame[y : y + 20, x : x + 20] = patch
        cv2.imwrite(str(folder / f"{i + 1:04d}.png"), frame)
        boxes.append(f"{x},{y},20,20")
    (folder / "groundtruth.txt").write_text("\n".join(boxes) + "\n")
    return folder
