"""TrackingNet: ROOT/TRAIN_<k>/ and ROOT/TEST/, each with frames/<seq>/<i>.jpg (0-based) and anno/<seq>.txt
(comma x,y,w,h; TEST: the first box only)."""

from __future__ import annotations

from edgetrack.datasets.base import TrackingDataset, check_count, require_file
from edgetrack.datasets.registry import register
from edgetrack.datasets.sequence import Sequence, list_images, load_boxes


@register("trackingnet", split="test")
@register("trackingnet_train", split="train")
class TrackingNet(TrackingDataset):
    """TEST, or every TRAIN_<k> chunk present under ROOT."""

    protocol = "trackingnet"
    result_format = "trackingnet"

    def _chunks(self):
        if self.split == "test":
            return [self.root / "TEST"]
        chunks = [p for p in self.root.iterdir() if p.is_dir() and p.name.upper().startswith("TRAIN_")]
        return sorted(chunks, key=lambda p: int(p.name[6:]) if p.name[6:].isdigit() else 0)

    def _list(self):
        self._chunk_of = {}
        for chunk in self._chunks():
            anno = chunk / "anno"
            for path in sorted(anno.glob("*.txt")) if anno.is_dir() else []:
                self._chunk_of[path.stem] = chunk
        return list(self._chunk_of)

    def _load(self, name):
        chunk = self._chunk_of[name]
        gt_file = require_file(chunk / "anno" / f"{name}.txt")
        gt = load_boxes(gt_file)
        frames = list_images(chunk / "frames" / name) if (chunk / "frames" / name).is_dir() else []
        check_count(frames, gt, gt_file)
        return Sequence(name, frames, gt, meta={"chunk": chunk.name})
