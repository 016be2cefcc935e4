"""The layout several UAV benchmarks share: one folder of sequence folders (frames) and one folder of
annotation files named after the sequences, optionally a folder of per-sequence attribute flags."""

from __future__ import annotations

from edgetrack.datasets.base import TrackingDataset, check_count, read_flags
from edgetrack.datasets.sequence import Sequence, list_images, load_boxes
from edgetrack.errors import EdgetrackError


class AnnotationFolderDataset(TrackingDataset):
    """Subclasses set the candidate folder names, the annotation file pattern and the attributes."""

    frame_dirs: tuple[str, ...] = ("data_seq",)
    anno_dirs: tuple[str, ...] = ("anno",)
    anno_pattern = "{name}.txt"
    attribute_dirs: tuple[str, ...] = ()
    attribute_pattern = "{name}.txt"
    attribute_names: tuple[str, ...] = ()

    def _first_dir(self, candidates: tuple[str, ...], what: str):
        for candidate in candidates:
            if (self.root / candidate).is_dir():
                return self.root / candidate
        raise EdgetrackError(f"{self.root}: no {what} folder ({' or '.join(candidates)})")

    def _list(self):
        self._frames_root = self._first_dir(self.frame_dirs, "frame")
        self._anno_root = self._first_dir(self.anno_dirs, "annotation")
        folders = sorted(p.name for p in self._frames_root.iterdir() if p.is_dir())
        return [n for n in folders if (self._anno_root / self.anno_pattern.format(name=n)).is_file()]

    def _load(self, name):
        gt_file = self._anno_root / self.anno_pattern.format(name=name)
        gt = load_boxes(gt_file)
        folder = self._frames_root / name
        frames = list_images(folder / "img" if (folder / "img").is_dir() else folder)
        check_count(frames, gt, gt_file)
        return Sequence(name, frames, gt, attributes=self._attributes(name))

    def _attributes(self, name: str) -> dict:
        for candidate in self.attribute_dirs:
            path = self.root / candidate / self.attribute_pattern.format(name=name)
            if path.is_file():
                flags = read_flags(path, len(self.attribute_names))
                return dict(zip(self.attribute_names, (bool(v) for v in flags), strict=True))
        return {}
