"""The uniform reader interface: a dataset lists its sequence names up front and builds each Sequence
(frame paths, ground truth, absence, attributes) only when it is asked for."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np

from edgetrack.datasets.sequence import Sequence, load_boxes
from edgetrack.errors import EdgetrackError
from edgetrack.textfile import read_text


class TrackingDataset:
    """A benchmark split under `root`. Subclasses implement `_list()` and `_load(name)`.

    `protocol` names the metric convention (edgetrack.metrics.protocols) and `result_format` the
    layout of result files the benchmark's toolkit reads ("txt", "got10k" or "trackingnet")."""

    name = ""
    protocol = "otb"
    result_format = "txt"

    def __init__(self, root: Path | str, split: str | None = None):
        self.root = Path(root)
        self.split = split
        if not self.root.is_dir():
            raise EdgetrackError(f"dataset root {self.root} is not a folder")
        self._names: list[str] | None = None

    @property
    def names(self) -> list[str]:
        """Sequence names in the benchmark's order (listed once, then cached)."""
        if self._names is None:
            self._names = [check_sequence_name(n, self.root) for n in self._list()]
            if not self._names:
                raise EdgetrackError(f"no {self.name} sequences found under {self.root}")
        return self._names

    def __len__(self) -> int:
        return len(self.names)

    def __iter__(self) -> Iterator[Sequence]:
        return (self.sequence(n) for n in self.names)

    def __getitem__(self, index: int) -> Sequence:
        return self.sequence(self.names[index])

    def sequence(self, name: str) -> Sequence:
        """Load one sequence by name."""
        if name not in self.names:
            raise EdgetrackError(f"{self.name}: no sequence {name!r} under {self.root}")
        sequence = self._load(name)
        sequence.dataset = self.name
        return sequence

    def select(self, names: list[str] | None) -> list[str]:
        """The requested names (all when None), checked against the dataset."""
        if not names:
            return list(self.names)
        missing = [n for n in names if n not in self.names]
        if missing:
            raise EdgetrackError(f"{self.name}: unknown sequence(s) {', '.join(missing)} under {self.root}")
        return list(names)

    def _list(self) -> list[str]:
        raise NotImplementedError

    def _load(self, name: str) -> Sequence:
        raise NotImplementedError


def check_sequence_name(name: str, root: Path) -> str:
    """A sequence name that is safe as a file name: results go to OUT/<name>.txt or OUT/<name>/, so a
    name from a list file that holds a path part ("../x", "a/b", an absolute path) is an error."""
    if name in ("", ".", "..") or any(c in "/\\" or ord(c) < 32 for c in name):
        raise EdgetrackError(f"{root}: sequence name {name!r} is not a plain file name; refusing to use it")
    return name


def read_flags(path: Path, count: int | None = None) -> np.ndarray:
    """A per-frame 0/1 (or small integer) label file: one value a line, or comma-separated on one line."""
    text = read_text(path).replace(",", " ").split()
    try:
        values = np.array([int(float(v)) for v in text], dtype=np.int64)
    except ValueError as exc:
        raise EdgetrackError(f"{path}: expected integers, got {exc}") from exc
    if count is not None and len(values) != count:
        raise EdgetrackError(f"{path}: {len(values)} values for {count} frames")
    return values


def require_file(path: Path) -> Path:
    """`path` if it is a file, else an EdgetrackError naming it."""
    if not path.is_file():
        raise EdgetrackError(f"missing file {path}")
    return path


def check_count(frames: list[Path], gt: np.ndarray, gt_file: Path) -> None:
    """Ground truth and frames must agree in number (a test split's single first box is allowed)."""
    if not frames:
        raise EdgetrackError(f"{gt_file.parent}: no image frames")
    if len(gt) != 1 and len(gt) != len(frames):
        raise EdgetrackError(f"{gt_file}: {len(gt)} boxes for {len(frames)} frames")


def numbered_frames(folder: Path, first: int, last: int, digits: int, prefix: str = "", ext: str = ".jpg"):
    """Frame paths folder/<prefix><n:0digits><ext> for n in first..last; an error names the first missing."""
    frames = [folder / f"{prefix}{n:0{digits}d}{ext}" for n in range(first, last + 1)]
    for path in (frames[0], frames[-1]):
        if not path.is_file():
            raise EdgetrackError(f"missing frame {path}")
    return frames


__all__ = [
    "TrackingDataset",
    "check_count",
    "check_sequence_name",
    "load_boxes",
    "numbered_frames",
    "read_flags",
    "require_file",
]
