"""UAV123, UAV123@10fps and UAV20L: ROOT/data_seq/<images>/<folder>/%06d.jpg, ROOT/anno/<set>/<name>.txt
(comma x,y,w,h; NaN rows where the target is fully occluded or out of view) and ROOT/anno/<set>/att/<name>.txt
(12 comma-separated 0/1 attribute flags). Sub-sequences (bird1_1, bird1_2, ...) share one image folder;
their frame ranges are the benchmark's configSeqs, shipped as uav123_sequence_ranges.json."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from edgetrack.datasets.base import TrackingDataset, numbered_frames, read_flags, require_file
from edgetrack.datasets.registry import register
from edgetrack.datasets.sequence import Sequence, load_boxes
from edgetrack.errors import EdgetrackError

ATTRIBUTES = ("SV", "ARC", "LR", "FM", "FOC", "POC", "OV", "BC", "IV", "VC", "CM", "SOB")
RANGES_FILE = Path(__file__).with_name("uav123_sequence_ranges.json")


@cache
def official_ranges() -> dict:
    """{set: [{name, folder, start, end}]} for UAV123, UAV123_10fps and UAV123_20L."""
    return json.loads(RANGES_FILE.read_text(encoding="utf-8"))


@register("uav123", ranges_key="UAV123", images="UAV123", anno="UAV123")
@register("uav123_10fps", ranges_key="UAV123_10fps", images="UAV123_10fps", anno="UAV123_10fps")
@register("uav20l", ranges_key="UAV123_20L", images="UAV123", anno="UAV20L")
class UAV123(TrackingDataset):
    """One of the UAV123 sets; sequences whose annotation file is absent are left out of the list."""

    def __init__(self, root, split=None, ranges_key="UAV123", images="UAV123", anno="UAV123"):
        super().__init__(root, split)
        self.entries = {e["name"]: e for e in official_ranges()[ranges_key]}
        self.image_dir = self.root / "data_seq" / images
        self.anno_dir = self.root / "anno" / anno

    def _list(self):
        if not self.anno_dir.is_dir():
            raise EdgetrackError(f"missing annotation folder {self.anno_dir}")
        return [n for n in self.entries if (self.anno_dir / f"{n}.txt").is_file()]

    def _load(self, name):
        entry = self.entries[name]
        gt_file = require_file(self.anno_dir / f"{name}.txt")
        gt = load_boxes(gt_file)
        frames = numbered_frames(self.image_dir / entry["folder"], entry["start"], entry["end"], 6)
        if len(gt) != len(frames):
            raise EdgetrackError(f"{gt_file}: {len(gt)} boxes for frames {entry['start']}-{entry['end']}")
        attributes = {}
        att_file = self.anno_dir / "att" / f"{name}.txt"
        if att_file.is_file():
            flags = read_flags(att_file, len(ATTRIBUTES))
            attributes = dict(zip(ATTRIBUTES, (bool(v) for v in flags), strict=True))
        return Sequence(name, frames, gt, attributes=attributes)
