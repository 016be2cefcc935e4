"""Whole-sequence parity with the official OSTrack tracker on OTB Crossing (the test runs a prefix).

Usage: python benchmarks/verify_ostrack_fixture.py [--fixtures ../shared/fixtures]
Prints the largest per-frame deviation from ostrack_tiny_ce_boxes.txt, the map/box deviation on the
reference I/O, and exits 1 if a frame is off by 0.5 px or more.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import torch
from rich.progress import track

from edgetrack.datasets.folder import load_sequence_folder
from edgetrack.datasets.sequence import load_boxes, read_rgb
from edgetrack.models.checkpoint import load_checkpoint
from edgetrack.models.config import TrackerConfig
from edgetrack.models.ostrack import build_tracker
from edgetrack.models.torch_tracker import TorchTracker

TOLERANCE_PX = 0.5


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default_fixtures = Path(__file__).resolve().parents[2] / "shared/fixtures"
    parser.add_argument("--fixtures", type=Path, default=default_fixtures)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    ost = args.fixtures / "ostrack"
    model = build_tracker(TrackerConfig.load(ost / "ostrack_tiny_ce.json")).eval()
    load_checkpoint(model, ost / "ostrack_tiny_ce.pth.tar")

    io = np.load(ost / "ostrack_tiny_ce_io.npz")
    with torch.no_grad():
        inputs = (torch.from_numpy(io[k]) for k in ("template", "search", "ce_mask"))
        out = model(*inputs)
    for key in ("score_map", "size_map", "offset_map", "pred_boxes"):
        print(f"{key:>10}: max |torch - official| = {np.abs(out[key].numpy() - io[key]).max():.3g}")

    seq = load_sequence_folder(args.fixtures / "sequences/OTB/Crossing")
    expected = load_boxes(ost / "ostrack_tiny_ce_boxes.txt")
    tracker = TorchTracker(model)
    tracker.init(read_rgb(seq.frames[0]), seq.init_box)
    boxes = [seq.init_box]
    for frame in track(seq.frames[1:], description="Crossing"):
        boxes.append(tracker.track(read_rgb(frame)))
    err = np.abs(np.asarray(boxes) - expected).max(axis=1)
    worst = int(err.argmax())
    print(f"Crossing: {len(boxes)} frames, max deviation {err.max():.2e} px (frame {worst + 1}), ", end="")
    print(f"mean {err.mean():.2e} px")
    return 0 if err.max() < TOLERANCE_PX else 1


if __name__ == "__main__":
    sys.exit(main())
