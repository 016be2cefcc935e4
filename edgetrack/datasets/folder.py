"""Recognise a single sequence folder in a benchmark's native layout.

- OTB100 / DTB70 / UAVTrack112: SEQ/img/*.jpg and SEQ/groundtruth_rect.txt
- LaSOT-like or custom: SEQ/img/ or SEQ/ with frames, and SEQ/groundtruth.txt
- UAV123 family: ROOT/data_seq/DATASET/SEQ/*.jpg with ROOT/anno/DATASET/SEQ.txt
"""

from __future__ import annotations

from pathlib import Path

from edgetrack.datasets.sequence import Sequence, list_images, load_boxes
from edgetrack.errors import EdgetrackError

GT_NAMES = ("groundtruth_rect.txt", "groundtruth.txt")


def _uav123_annotation(folder: Path) -> Path | None:
    """ROOT/data_seq/DATASET/SEQ -> ROOT/anno/DATASET/SEQ.txt if it exists."""
    if folder.parent.parent.name != "data_seq":
        return None
    anno = folder.parent.parent.parent / "anno" / folder.parent.name / f"{folder.name}.txt"
    return anno if anno.is_file() else None


def is_sequence_folder(path: Path | str) -> bool:
    """True if `path` looks like a sequence folder with ground truth."""
    folder = Path(path)
    if not folder.is_dir():
        return False
    return any((folder / n).is_file() for n in GT_NAMES) or _uav123_annotation(folder) is not None


def load_sequence_folder(path: Path | str) -> Sequence:
    """Load one sequence folder (see the module docstring for the layouts)."""
    folder = Path(path)
    gt_file = next((folder / n for n in GT_NAMES if (folder / n).is_file()), None)
    dataset = "custom"
    if gt_file is None:
        gt_file = _uav123_annotation(folder)
        dataset = folder.parent.name
    elif gt_file.name == "groundtruth_rect.txt":
        dataset = "otb"
    if gt_file is None:
        raise EdgetrackError(f"{folder}: no groundtruth_rect.txt, groundtruth.txt or UAV123 annotation found")
    image_dir = folder / "img" if (folder / "img").is_dir() else folder
    frames = list_images(image_dir)
    if not frames:
        raise EdgetrackError(f"{image_dir}: no image frames")
    gt = load_boxes(gt_file)
    if len(gt) > 1 and len(gt) != len(frames):
        raise EdgetrackError(f"{gt_file}: {len(gt)} boxes for {len(frames)} frames")
    return Sequence(name=folder.name, frames=frames, gt=gt, dataset=dataset)
