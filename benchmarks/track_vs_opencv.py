"""edgetrack's tracker vs OpenCV's cv2.TrackerVit: same model, same frames, same thread count, one run.

    python benchmarks/track_vs_opencv.py [--model M] [--threads 1] [--repeats 3]

Frames are decoded into memory first (decode excluded for both). Both trackers step through each
sequence in lockstep, one frame each in turn, so machine load hits both alike; FPS is frames / total
per-frame tracking time over all repeats. AUC is the OTB success AUC (first frame set to the ground
truth). cv2.TrackerVit takes BGR frames and integer boxes; below its score threshold it keeps its box.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import cv2
import numpy as np
from rich.console import Console
from rich.table import Table

from edgetrack.datasets.folder import load_sequence_folder
from edgetrack.datasets.sequence import read_rgb
from edgetrack.metrics import success_auc
from edgetrack.runtime import Tracker

SEQUENCES = (
    "OTB/Crossing",
    "DTB70/Surfing06",
    "UAV123_10fps/data_seq/UAV123_10fps/wakeboard7",
)
FIXTURES = Path(__file__).resolve().parents[1].parent / "shared" / "fixtures"


class OpenCVTracker:
    """cv2.TrackerVit on BGR frames with integer boxes; below its score threshold it keeps its last box."""

    def __init__(self, model: Path):
        params = cv2.TrackerVit_Params()
        params.net = str(model)
        self._tracker = cv2.TrackerVit.create(params)
        self.box = None

    def init(self, frame_bgr: np.ndarray, box) -> None:
        self.box = tuple(int(round(v)) for v in box)
        self._tracker.init(frame_bgr, self.box)

    def track(self, frame_bgr: np.ndarray):
        ok, found = self._tracker.update(frame_bgr)
        self.box = tuple(found) if ok else self.box
        return self.box


def run_pair(ours: Tracker, model: Path, frames_rgb: list, frames_bgr: list, init_box):
    """Both trackers in lockstep, frame by frame, so both see the same machine load.

    Returns each one's boxes (first = init box) and summed per-frame tracking time in seconds.
    """
    theirs = OpenCVTracker(model)
    ours.init(frames_rgb[0], init_box)
    theirs.init(frames_bgr[0], init_box)
    boxes = {"edgetrack": [init_box], "opencv": [init_box]}
    elapsed = {"edgetrack": 0.0, "opencv": 0.0}
    for rgb, bgr in zip(frames_rgb[1:], frames_bgr[1:], strict=True):
        start = time.perf_counter()
        box = ours.track(rgb).box
        middle = time.perf_counter()
        their_box = theirs.track(bgr)
        end = time.perf_counter()
        elapsed["edgetrack"] += middle - start
        elapsed["opencv"] += end - middle
        boxes["edgetrack"].append(box)
        boxes["opencv"].append(their_box)
    return {k: np.asarray(v, dtype=np.float64) for k, v in boxes.items()}, elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=FIXTURES / "models" / "vittrack.onnx")
    parser.add_argument("--sequences", type=Path, default=FIXTURES / "sequences")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--backend", default="auto")
    args = parser.parse_args()

    cv2.setNumThreads(args.threads)
    tracker = Tracker(args.model, backend=args.backend, threads=args.threads)
    names = ("edgetrack", "opencv")
    rows = []
    frames_all, seconds_all, aucs = 0, dict.fromkeys(names, 0.0), {n: [] for n in names}
    for path in SEQUENCES:
        seq = load_sequence_folder(args.sequences / path)
        rgb = [read_rgb(p) for p in seq.frames]
        bgr = [cv2.cvtColor(f, cv2.COLOR_RGB2BGR) for f in rgb]
        seconds = dict.fromkeys(names, 0.0)
        for repeat in range(args.repeats):
            boxes, elapsed = run_pair(tracker, args.model, rgb, bgr, seq.init_box)
            for n in names:
                seconds[n] += elapsed[n]
                if repeat == 0:
                    aucs[n].append(success_auc(boxes[n], seq.gt))
        count = (len(seq) - 1) * args.repeats
        frames_all += count
        for n in names:
            seconds_all[n] += seconds[n]
        rows.append((seq.name, *(aucs[n][-1] for n in names), *(count / seconds[n] for n in names)))
    mean_auc = (float(np.mean(aucs[n])) for n in names)
    rows.append(("all", *mean_auc, *(frames_all / seconds_all[n] for n in names)))

    table = Table(
        title=f"edgetrack ({tracker.backend.name}) vs cv2.TrackerVit, {args.threads} thread(s), "
        f"{args.repeats} repeat(s), decode excluded"
    )
    for col in ("sequence", "AUC edgetrack", "AUC OpenCV", "FPS edgetrack", "FPS OpenCV", "FPS ratio"):
        table.add_column(col, justify="left" if col == "sequence" else "right")
    for name, auc_e, auc_o, fps_e, fps_o in rows:
        ratio = f"{fps_e / fps_o:.2f}x"
        table.add_row(name, f"{auc_e:.3f}", f"{auc_o:.3f}", f"{fps_e:.1f}", f"{fps_o:.1f}", ratio)
    Console(width=120).print(table)
    print("all: mean AUC over the sequences; FPS = all frames / all per-frame tracking time")


if __name__ == "__main__":
    main()
