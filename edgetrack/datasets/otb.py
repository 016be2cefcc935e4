"""OTB100 and DTB70: ROOT/<Seq>/img/*.jpg with groundtruth_rect.txt (comma, tab or space separated).

OTB quirks follow the benchmark's configSeqs: Jogging and Skating2 hold two targets
(groundtruth_rect.1.txt / .2.txt -> Jogging-1, Jogging-2), Human4's target is groundtruth_rect.2.txt
(Human4-2), and a few sequences use a frame range of their image folder (David 300-770, ...)."""

from __future__ import annotations

import re

from edgetrack.datasets.base import TrackingDataset, check_count
from edgetrack.datasets.registry import register
from edgetrack.datasets.sequence import Sequence, list_images, load_boxes

# name -> (first frame number, last frame number, frames to omit at the start): OTB toolkit ranges, plus
# Tiger1's 5 omitted initial frames as in pytracking's OTB table.
OTB_RANGES = {
    "David": (300, 770, 0),
    "Football1": (1, 74, 0),
    "Freeman3": (1, 460, 0),
    "Freeman4": (1, 283, 0),
    "Diving": (1, 215, 0),
    "Tiger1": (1, 354, 5),
}
_MULTI_GT = re.compile(r"groundtruth_rect\.(\d+)\.txt$")


@register("otb", ranges=OTB_RANGES)
@register("dtb70", ranges={})
class OTBStyle(TrackingDataset):
    """A folder of OTB-layout sequences; `ranges` holds the per-sequence frame ranges."""

    def __init__(self, root, split=None, ranges=None):
        super().__init__(root, split)
        self.ranges = ranges or {}

    def _list(self):
        self._sources = {}
        for folder in sorted(p for p in self.root.iterdir() if (p / "img").is_dir()):
            plain = folder / "groundtruth_rect.txt"
            if plain.is_file() and plain.stat().st_size > 0:
                self._sources[folder.name] = (folder, plain)
            for gt_file in sorted(folder.glob("groundtruth_rect.*.txt")):
                match = _MULTI_GT.search(gt_file.name)
                if match and gt_file.stat().st_size > 0:  # Human4's .1 file is empty in some downloads
                    self._sources[f"{folder.name}-{match.group(1)}"] = (folder, gt_file)
        return list(self._sources)

    def _load(self, name):
        folder, gt_file = self._sources[name]
        gt = load_boxes(gt_file)
        frames = list_images(folder / "img")
        first, last, omit = self.ranges.get(folder.name, (None, None, 0))
        if first is not None:
            frames = [f for f in frames if f.stem.isdigit() and first <= int(f.stem) <= last]
        check_count(frames, gt, gt_file)
        return Sequence(name, frames[omit:], gt[omit:])
