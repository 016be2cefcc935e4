"""Need for Speed (NFS), 30 fps: ROOT/<seq>/30/<seq>/%05d.jpg with ROOT/<seq>/30/<seq>.txt, one row a frame:
`track_id xmin ymin xmax ymax frame lost occluded generated "label"`. Some 30 fps files carry the 240 fps
rows (8x as many): then every 8th row is taken, and a one-row difference is cut (as the got10k toolkit)."""

from __future__ import annotations

import numpy as np

from edgetrack.datasets.base import TrackingDataset
from edgetrack.datasets.registry import register
from edgetrack.datasets.sequence import Sequence, list_images
from edgetrack.errors import EdgetrackError
from edgetrack.textfile import read_text


@register("nfs")
class NFS(TrackingDataset):
    """NFS at 30 fps; `absent` is the annotation's `lost` column, attribute `occlusion` its `occluded`."""

    def _list(self):
        return sorted(p.name for p in self.root.iterdir() if (p / "30" / f"{p.name}.txt").is_file())

    def _load(self, name):
        gt_file = self.root / name / "30" / f"{name}.txt"
        rows = read_nfs_rows(gt_file)
        frames = list_images(self.root / name / "30" / name)
        if frames and abs(len(rows) / len(frames) - 8) < 1:
            rows = rows[::8]
        if 0 < abs(len(rows) - len(frames)) <= 1:
            n = min(len(rows), len(frames))
            rows, frames = rows[:n], frames[:n]
        if not frames or len(rows) != len(frames):
            raise EdgetrackError(f"{gt_file}: {len(rows)} boxes for {len(frames)} frames")
        gt = np.column_stack([rows[:, 0], rows[:, 1], rows[:, 2] - rows[:, 0], rows[:, 3] - rows[:, 1]])
        lost, occluded = rows[:, 4].astype(bool), rows[:, 5].astype(bool)
        return Sequence(name, frames, gt, absent=lost, attributes={"occlusion": bool(occluded.any())})


def read_nfs_rows(path) -> np.ndarray:
    """(N, 6) xmin, ymin, xmax, ymax, lost, occluded from an NFS annotation file."""
    rows = []
    for line_no, line in enumerate(read_text(path).splitlines(), 1):
        parts = line.split()
        if not parts:
            continue
        try:
            xmin, ymin, xmax, ymax = (float(v) for v in parts[1:5])
            lost, occluded = int(parts[6]), int(parts[7])
        except (ValueError, IndexError) as exc:
            raise EdgetrackError(f"{path}:{line_no}: not an NFS annotation row: {line!r}") from exc
        rows.append((xmin, ymin, xmax, ymax, lost, occluded))
    if not rows:
        raise EdgetrackError(f"{path}: no boxes")
    return np.asarray(rows, dtype=np.float64)
