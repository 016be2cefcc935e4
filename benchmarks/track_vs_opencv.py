"""edgetrack's tracker vs OpenCV's cv2.TrackerVit: same model, same frames, same thread count, one run.

    PYTHONPATH=. python benchmarks/track_vs_opencv.py [--model M] [--threads 1] [--repeats 3]

Frames are decoded into memory first (decode excluded for both). Each repeat runs both trackers on each
sequence back to back, so machine load hits both alike; FPS is frames / total tracking time over all
repeats. AUC is the OTB success AUC (first frame set to the ground truth). cv2.TrackerVit takes BGR
frames and integer boxes; when its score falls below its threshold it keeps its previous box.
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


def run_edgetrack(tracker: Tracker, frames_rgb: list, init_box) -> tuple[np.ndarray, float]:
    """Boxes (first = init box) and the summed track() wall time in seconds."""
    tracker.init(frames_rgb[0], init_box)
    boxes, elapsed = [init_box], 0.0
    for frame in frames_rgb[1:]:
        start = time.perf_counter()
        result = tracker.track(frame)
        elapsed += time.perf_counter() - start
        boxes.append(result.box)
    return np.asarray(boxes, dtype=np.float64), elapsed


def run_opencv(model: Path, frames_bgr: list, init_box) -> tuple[np.ndarray, float]:
    """cv2.TrackerVit on the same frames: boxes and summed update() wall time in seconds."""
    params = cv2.TrackerVit_Params()
    params.net = str(model)
    tracker = cv2.TrackerVit.create(params)
    box = tuple(int(round(v)) for v in init_box)
    tracker.init(frames_bgr[0], box)
    boxes, elapsed = [init_box], 0.0
    for frame in frames_bgr[1:]:
        start = time.perf_counter()
        ok, found = tracker.update(frame)
        elapsed += time.perf_counter() - start
        box = found if ok else box
        boxes.append(box)
    return np.asarray(boxes, dtype=np.float64), elapsed


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
    seqs = [load_sequence_folder(args.sequences / name) for name in SEQUENCES]
    frames = {s.name: [read_rgb(p) for p in s.frames] for s in seqs}
    frames_bgr = {n: [cv2.cvtColor(f, cv2.COLOR_RGB2BGR) for f in fs] for n, fs in frames.items()}

    rows, total = [], {"edgetrack": 0.0, "opencv": 0.0}
    aucs = {"edgetrack": [], "opencv": []}
    per_seq_time = {s.name: {"edgetrack": 0.0, "opencv": 0.0} for s in seqs}
    for repeat in range(args.repeats):
        for seq in seqs:
            ours, t_ours = run_edgetrack(tracker, frames[seq.name], seq.init_box)
            theirs, t_theirs = run_opencv(args.model, frames_bgr[seq.name], seq.init_box)
            per_seq_time[seq.name]["edgetrack"] += t_ours
            per_seq_time[seq.name]["opencv"] += t_theirs
            if repeat == 0:
                aucs["edgetrack"].append(success_auc(ours, seq.gt))
                aucs["opencv"].append(success_auc(theirs, seq.gt))
    n_total = 0
    for i, seq in enumerate(seqs):
        n = (len(seq) - 1) * args.repeats
        n_total += n
        fps = {k: n / v for k, v in per_seq_time[seq.name].items()}
        for k in total:
            total[k] += per_seq_time[seq.name][k]
        rows.append((seq.name, aucs["edgetrack"][i], aucs["opencv"][i], fps["edgetrack"], fps["opencv"]))
    rows.append(
        (
            "all",
            float(np.mean(aucs["edgetrack"])),
            float(np.mean(aucs["opencv"])),
            n_total / total["edgetrack"],
            n_total / total["opencv"],
        )
    )

    table = Table(
        title=f"edgetrack ({tracker.backend.name}) vs cv2.TrackerVit, {args.threads} thread(s), "
        f"{args.repeats} repeat(s), decode excluded"
    )
    for col in ("sequence", "AUC edgetrack", "AUC OpenCV", "FPS edgetrack", "FPS OpenCV", "FPS ratio"):
        table.add_column(col, justify="left" if col == "sequence" else "right")
    for name, auc_e, auc_o, fps_e, fps_o in rows:
        table.add_row(
            name, f"{auc_e:.3f}", f"{auc_o:.3f}", f"{fps_e:.1f}", f"{fps_o:.1f}", f"{fps_e / fps_o:.2f}x"
        )
    Console(width=120).print(table)
    print("all: mean AUC over the sequences, FPS = all frames / all tracking time")


if __name__ == "__main__":
    main()
