"""A tracking sequence: frame paths, ground-truth boxes and visibility; shared by eval, track and train."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from edgetrack.errors import EdgetrackError
from edgetrack.textfile import read_text

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff")


@dataclass
class Sequence:
    """One sequence. `gt` is (N, 4) x,y,w,h with NaN rows where unknown; `absent` flags frames
    where the target is not visible (full occlusion, out of view). A test split may carry only the
    first box: then `gt` has one row. `cover` is GOT-10k's per-frame visible ratio level (0..8);
    `attributes` maps a challenge name to a bool; `meta` holds anything else (class, resolution)."""

    name: str
    frames: list[Path]
    gt: np.ndarray
    absent: np.ndarray | None = None
    attributes: dict = field(default_factory=dict)
    dataset: str = "custom"
    cover: np.ndarray | None = None
    meta: dict = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.frames)

    @property
    def init_box(self) -> tuple[float, float, float, float]:
        """The first ground-truth box."""
        box = self.gt[0]
        if not np.all(np.isfinite(box)):
            raise EdgetrackError(f"sequence {self.name}: the first ground-truth box is not valid: {box}")
        return tuple(float(v) for v in box)

    def frame(self, index: int) -> np.ndarray:
        """Frame `index` as RGB uint8 (EdgetrackError naming the file if it cannot be decoded)."""
        return read_rgb(self.frames[index])

    def frame_size(self) -> tuple[int, int]:
        """(width, height) of the first frame."""
        height, width = self.frame(0).shape[:2]
        return width, height

    @property
    def visible(self) -> np.ndarray:
        """(N,) bool: a valid ground-truth box and not flagged absent."""
        ok = np.all(np.isfinite(self.gt), axis=1) & (self.gt[:, 2] > 0) & (self.gt[:, 3] > 0)
        if self.absent is not None:
            ok &= ~self.absent.astype(bool)
        return ok


def read_rgb(path: Path | str) -> np.ndarray:
    """Read an image file as an RGB uint8 array; a clear error if it cannot be decoded."""
    image = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if image is None:
        raise EdgetrackError(f"cannot read image {path}")
    return cv2.cvtColor(image, cv2.COLOR_BGR2RGB)


def load_boxes(path: Path | str, min_columns: int = 4) -> np.ndarray:
    """Read an x,y,w,h box file separated by commas, tabs or spaces; 'NaN' rows stay NaN.

    Raises an EdgetrackError naming the file and line of the first malformed row.
    """
    rows = []
    for line_no, line in enumerate(read_text(path).splitlines(), 1):
        text = line.strip()
        if not text:
            continue
        parts = [p for p in text.replace(",", " ").replace("\t", " ").split(" ") if p]
        try:
            values = [float(p) for p in parts]
        except ValueError as exc:
            raise EdgetrackError(f"{path}:{line_no}: not a box row: {text!r}") from exc
        if len(values) < min_columns:
            raise EdgetrackError(f"{path}:{line_no}: expected {min_columns} numbers, got {len(values)}")
        rows.append(values[:4])
    if not rows:
        raise EdgetrackError(f"{path}: no boxes")
    return np.asarray(rows, dtype=np.float64)


def list_images(folder: Path) -> list[Path]:
    """Image files of a folder in natural (numeric-aware) order."""
    files = [p for p in Path(folder).iterdir() if p.suffix.lower() in IMAGE_SUFFIXES]
    return sorted(files, key=lambda p: (len(p.stem), p.stem))
