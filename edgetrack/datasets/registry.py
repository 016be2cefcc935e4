"""Datasets by name: `open_dataset(name, root)` -> the sequences of a dataset.

A small stand-in (GOT-10k splits and folders of custom sequence folders, through
`edgetrack.datasets.folder`) used by training until the full reader registry (LaSOT, TrackingNet,
COCO, ...) lands; it keeps that registry's call: `open_dataset(name, root)` returns an iterable of
Sequence."""

from __future__ import annotations

from pathlib import Path

from edgetrack.datasets.folder import is_sequence_folder, load_sequence_folder
from edgetrack.datasets.sequence import Sequence
from edgetrack.errors import EdgetrackError

GOT10K_SPLITS = {"got10k_train": "train", "got10k_val": "val", "got10k_test": "test"}


def open_dataset(name: str, root: Path | str) -> list[Sequence]:
    """`got10k_train|val|test` (ROOT/<split>/<sequence>/) or `custom` (ROOT or its sequence subfolders)."""
    root = Path(root)
    if not root.is_dir():
        raise EdgetrackError(f"dataset root {root} is not a folder")
    key = name.lower().replace("-", "_")
    if key in GOT10K_SPLITS:
        folder = root / GOT10K_SPLITS[key] if (root / GOT10K_SPLITS[key]).is_dir() else root
    elif key == "custom":
        folder = root
    else:
        raise EdgetrackError(f"unknown dataset {name!r}; known: custom, {', '.join(GOT10K_SPLITS)}")
    if is_sequence_folder(folder):
        return [load_sequence_folder(folder)]
    sequences = [load_sequence_folder(p) for p in sorted(folder.iterdir()) if is_sequence_folder(p)]
    if not sequences:
        raise EdgetrackError(f"no {key} sequences found under {folder}")
    for sequence in sequences:
        sequence.dataset = key
    return sequences
