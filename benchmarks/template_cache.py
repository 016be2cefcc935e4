"""Template caching on a trained student: the two-part export (init once per target, track per frame)
and the one-graph export of the same checkpoint give the same boxes on every frame of the given
sequences; prints the largest box difference and the per-frame inference time of each.

Usage: python benchmarks/template_cache.py CHECKPOINT
       [--sequences ../shared/fixtures/sequences] [--out runs/template_cache] [--threads 1]
The speed-up is then measured with `edgetrack bench OUT/student.onnx OUT/student_single.onnx ...`.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from edgetrack.datasets.discover import find_sequences
from edgetrack.datasets.sequence import read_rgb
from edgetrack.deploy.export import ExportRequest, run_export
from edgetrack.runtime.backends import open_backend
from edgetrack.runtime.tracker import Tracker


def track_boxes(tracker: Tracker, frames: list[np.ndarray], init_box) -> tuple[np.ndarray, float]:
    """Boxes on every frame after the first, and the mean inference ms per frame."""
    tracker.init(frames[0], init_box)
    results = [tracker.track(frame) for frame in frames[1:]]
    return np.asarray([r.box for r in results]), float(np.mean([r.timings["inference"] for r in results]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("checkpoint", type=Path)
    parser.add_argument("--sequences", type=Path, default=Path("../shared/fixtures/sequences"))
    parser.add_argument("--out", type=Path, default=Path("runs/template_cache"))
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    cached, single = args.out / "student.onnx", args.out / "student_single.onnx"
    run_export(ExportRequest(args.checkpoint, "onnx", out=cached, verify=False))
    run_export(ExportRequest(args.checkpoint, "onnx", out=single, verify=False, template_cache=False))
    trackers = {
        name: Tracker(open_backend(path, "onnxruntime", args.threads))
        for name, path in (("cached", cached), ("one graph", single))
    }
    worst = 0.0
    for sequence in find_sequences(args.sequences):
        frames = [read_rgb(p) for p in sequence.frames]
        boxes, ms = {}, {}
        for name, tracker in trackers.items():
            boxes[name], ms[name] = track_boxes(tracker, frames, sequence.gt[0])
        diff = float(np.abs(boxes["cached"] - boxes["one graph"]).max())
        worst = max(worst, diff)
        print(f"{sequence.name}: {len(frames)} frames, max box difference {diff:.2e} px, inference ms/frame "
              f"cached {ms['cached']:.3f}, one graph {ms['one graph']:.3f}")  # fmt: skip
    print(f"max box difference over all sequences: {worst:.2e} px")


if __name__ == "__main__":
    main()
