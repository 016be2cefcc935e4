"""LaSOT and LaSOT_ext: ROOT/<class>/<class>-<n>/img/%08d.jpg with groundtruth.txt (comma x,y,w,h),
full_occlusion.txt and out_of_view.txt (one comma-separated 0/1 line) and nlp.txt. The split comes from
ROOT/testing_set.txt or ROOT/training_set.txt (the toolkit's lists, one name a line) when present; without
a list every sequence under ROOT belongs to the split (the test-only download holds exactly the 280)."""

from __future__ import annotations

from edgetrack.datasets.base import TrackingDataset, check_count, read_flags, require_file
from edgetrack.datasets.registry import register
from edgetrack.datasets.sequence import Sequence, list_images, load_boxes
from edgetrack.errors import EdgetrackError
from edgetrack.textfile import read_text

LIST_FILES = {"test": "testing_set.txt", "train": "training_set.txt"}


@register("lasot", split="test")
@register("lasot_train", split="train")
@register("lasot_ext", split=None)
class LaSOT(TrackingDataset):
    """LaSOT (train/test) and LaSOT_ext (split=None: every sequence)."""

    protocol = "lasot"

    def _list(self):
        found = sorted(
            (p.name for c in self.root.iterdir() if c.is_dir() for p in c.iterdir() if (p / "img").is_dir()),
            key=_natural,
        )
        list_file = self.root / LIST_FILES.get(self.split or "", "")
        if self.split and list_file.is_file():
            wanted = [n.strip() for n in read_text(list_file).split() if n.strip()]
            missing = sorted(set(wanted) - set(found))
            if missing:
                raise EdgetrackError(
                    f"{list_file}: {len(missing)} listed sequence(s) missing: {missing[0]}, ..."
                )
            return wanted
        return found

    def _load(self, name):
        folder = self.root / name.rsplit("-", 1)[0] / name
        gt_file = require_file(folder / "groundtruth.txt")
        gt = load_boxes(gt_file)
        frames = list_images(folder / "img")
        check_count(frames, gt, gt_file)
        absent = None
        for flag_name in ("full_occlusion.txt", "out_of_view.txt"):
            flags = read_flags(require_file(folder / flag_name), len(gt)).astype(bool)
            absent = flags if absent is None else absent | flags
        meta = {"class": name.rsplit("-", 1)[0]}
        if (folder / "nlp.txt").is_file():
            meta["nlp"] = read_text(folder / "nlp.txt").strip()
        return Sequence(name, frames, gt, absent=absent, meta=meta)


def _natural(name: str):
    stem, _, number = name.rpartition("-")
    return (stem, int(number)) if number.isdigit() else (name, 0)
