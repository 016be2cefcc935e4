"""COCO 2017 instances: ROOT/annotations/instances_<split>2017.json with images in ROOT/<split>2017/ (or
ROOT/images/<split>2017/). Every non-crowd box with a positive size is a one-frame sequence named
<image_id>_<annotation_id>, for training pairs from still images."""

from __future__ import annotations

import json

import numpy as np

from edgetrack.datasets.base import TrackingDataset, require_file
from edgetrack.datasets.registry import register
from edgetrack.datasets.sequence import Sequence
from edgetrack.errors import EdgetrackError
from edgetrack.textfile import read_text


@register("coco", split="train")
@register("coco_val", split="val")
class COCO(TrackingDataset):
    """COCO 2017 boxes as one-frame sequences."""

    def _list(self):
        json_file = require_file(self.root / "annotations" / f"instances_{self.split}2017.json")
        try:
            data = json.loads(read_text(json_file))
            images = {im["id"]: im["file_name"] for im in data["images"]}
            categories = {c["id"]: c["name"] for c in data.get("categories", [])}
            annotations = data["annotations"]
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise EdgetrackError(f"{json_file}: not a COCO instances file ({exc})") from exc
        folder = f"{self.split}2017"
        image_dir = next((d for d in (self.root / folder, self.root / "images" / folder) if d.is_dir()), None)
        if image_dir is None:
            raise EdgetrackError(f"{self.root}: no {folder}/ or images/{folder}/ image folder")
        self._boxes = {}
        for ann in annotations:
            x, y, w, h = (float(v) for v in ann["bbox"])
            if ann.get("iscrowd", 0) or w <= 0 or h <= 0 or ann["image_id"] not in images:
                continue
            name = f"{ann['image_id']}_{ann['id']}"
            self._boxes[name] = (
                image_dir / images[ann["image_id"]],
                (x, y, w, h),
                categories.get(ann.get("category_id"), ""),
            )
        return list(self._boxes)

    def _load(self, name):
        path, box, category = self._boxes[name]
        return Sequence(name, [path], np.array([box], dtype=np.float64), meta={"class": category})
