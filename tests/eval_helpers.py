"""Tiny GOT-10k val folders on disk for the eval tests."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from edgetrack.datasets import open_dataset


def got10k_val(root: Path, names=("GOT-10k_Val_000001",), listed=None, frames: int = 3, box="0,0,10,10"):
    """ROOT/val/<name>/ with black 40x40 frames, a still `box` and full visibility; list.txt names
    `listed` (default: the sequences). Returns the opened got10k_val dataset."""
    for name in names:
        seq = root / "val" / name
        seq.mkdir(parents=True)
        for i in range(frames):
            cv2.imwrite(str(seq / f"{i + 1:08d}.jpg"), np.zeros((40, 40, 3), np.uint8))
        (seq / "groundtruth.txt").write_text(f"{box}\n" * frames)
        (seq / "absence.label").write_text("0\n" * frames)
        (seq / "cover.label").write_text("8\n" * frames)
    (root / "val" / "list.txt").write_text("\n".join(listed or names) + "\n")
    return open_dataset("got10k_val", root)
