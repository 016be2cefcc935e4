"""GOT-10k: ROOT/{train,val,test}/list.txt and <seq>/%08d.jpg with groundtruth.txt (x,y,w,h; test: first
box only), absence.label, cover.label (0..8), cut_by_image.label and meta_info.ini."""

from __future__ import annotations

import re

from edgetrack.datasets.base import TrackingDataset, check_count, read_flags, require_file
from edgetrack.datasets.registry import register
from edgetrack.datasets.sequence import Sequence, list_images, load_boxes
from edgetrack.textfile import read_text


@register("got10k", split="val")
@register("got10k_val", split="val")
@register("got10k_train", split="train")
@register("got10k_test", split="test")
class GOT10k(TrackingDataset):
    """One GOT-10k split; ROOT may be the dataset folder or the split folder itself."""

    protocol = "got10k"
    result_format = "got10k"

    @property
    def split_dir(self):
        return self.root / self.split if (self.root / self.split).is_dir() else self.root

    def _list(self):
        list_file = self.split_dir / "list.txt"
        if list_file.is_file():
            return [n.strip() for n in read_text(list_file).split() if n.strip()]
        return sorted(p.name for p in self.split_dir.iterdir() if (p / "groundtruth.txt").is_file())

    def _load(self, name):
        folder = self.split_dir / name
        gt_file = require_file(folder / "groundtruth.txt")
        gt = load_boxes(gt_file)
        frames = list_images(folder)
        check_count(frames, gt, gt_file)
        absent = cover = None
        attributes = {}
        if len(gt) > 1:
            absent = read_flags(require_file(folder / "absence.label"), len(gt)).astype(bool)
            cover = read_flags(require_file(folder / "cover.label"), len(gt))
            if (folder / "cut_by_image.label").is_file():
                cut = read_flags(folder / "cut_by_image.label", len(gt)).astype(bool)
                attributes["cut_by_image"] = bool(cut.any())
            attributes["occlusion"] = bool((cover < 8).any())
            attributes["absence"] = bool(absent.any())
        meta = read_meta_info(folder / "meta_info.ini")
        return Sequence(name, frames, gt, absent=absent, cover=cover, attributes=attributes, meta=meta)


def read_meta_info(path) -> dict:
    """meta_info.ini as a dict ('key: value' lines); `resolution` as (width, height) ints."""
    if not path.is_file():
        return {}
    meta = {}
    for line in read_text(path).splitlines():
        key, sep, value = line.partition(":")
        if sep and not line.startswith("["):
            meta[key.strip()] = value.strip()
    numbers = re.findall(r"\d+", meta.get("resolution", ""))
    if len(numbers) == 2:
        meta["resolution"] = (int(numbers[0]), int(numbers[1]))
    else:
        meta.pop("resolution", None)
    return meta
