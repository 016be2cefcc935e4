"""A loose folder of sequences, each in its own native single-folder layout (OTB / DTB70 / UAVTrack-style
img/ + groundtruth_rect.txt, custom or LaSOT-like groundtruth.txt, UAV123 data_seq/anno), found at any
depth under ROOT. Registered as `folder` and `custom`; scored with the OTB convention."""

from __future__ import annotations

import os
from pathlib import Path

from edgetrack.datasets.base import TrackingDataset
from edgetrack.datasets.folder import is_sequence_folder, load_sequence_folder
from edgetrack.datasets.registry import register
from edgetrack.errors import EdgetrackError

MAX_DEPTH = 5


@register("folder")
@register("custom")
class SequenceFolder(TrackingDataset):
    """Every sequence folder under ROOT (ROOT itself may be one)."""

    def _list(self):
        self._folders: dict[str, Path] = {}
        for folder in _find_sequence_folders(self.root):
            name = folder.name
            if name in self._folders:
                raise EdgetrackError(f"two sequences named {name!r}: {self._folders[name]} and {folder}")
            self._folders[name] = folder
        return list(self._folders)

    def _load(self, name):
        return load_sequence_folder(self._folders[name])


def _find_sequence_folders(root: Path) -> list[Path]:
    found = []
    for current, dirs, _ in os.walk(root):
        path = Path(current)
        if is_sequence_folder(path):
            found.append(path)
            dirs.clear()
        elif len(path.relative_to(root).parts) >= MAX_DEPTH:
            dirs.clear()
        else:
            dirs.sort()
    return found
