"""Check that the fixture tracker exports to ONNX (legacy torch.onnx.export, opset 17, CE mask baked in)
and that onnxruntime reproduces the torch maps and the official Crossing boxes.

Usage: python benchmarks/verify_onnx_export.py [--fixtures ../shared/fixtures]
This is a check of export-friendliness, not the exporter (deploy/ builds that).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import warnings
from pathlib import Path

import numpy as np
import onnxruntime as ort
import torch
from rich.progress import track

from edgetrack.datasets.folder import load_sequence_folder
from edgetrack.datasets.sequence import load_boxes, read_rgb
from edgetrack.models.checkpoint import load_checkpoint
from edgetrack.models.config import TrackerConfig
from edgetrack.models.ostrack import TrackerMaps, build_tracker
from edgetrack.models.torch_tracker import TorchTracker

MAP_NAMES = ("score_map", "size_map", "offset_map")


class OnnxTracker(TorchTracker):
    """The same loop; only inference goes through onnxruntime."""

    def __init__(self, model, session: ort.InferenceSession):
        super().__init__(model)
        self.session = session

    def infer(self, search: np.ndarray):
        return tuple(self.session.run(None, {"template": self.template, "search": search}))


def export(model, path: Path, template: torch.Tensor, search: torch.Tensor) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # the legacy exporter announces its age
        torch.onnx.export(
            TrackerMaps(model).eval(), (template, search), str(path), input_names=["template", "search"],
            output_names=list(MAP_NAMES), opset_version=17, dynamo=False,
        )  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default_fixtures = Path(__file__).resolve().parents[2] / "shared/fixtures"
    parser.add_argument("--fixtures", type=Path, default=default_fixtures)
    args = parser.parse_args()
    torch.set_num_threads(1)
    ost = args.fixtures / "ostrack"
    model = build_tracker(TrackerConfig.load(ost / "ostrack_tiny_ce.json")).eval()
    load_checkpoint(model, ost / "ostrack_tiny_ce.pth.tar")
    io = np.load(ost / "ostrack_tiny_ce_io.npz")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "ostrack_tiny_ce.onnx"
        export(model, path, torch.from_numpy(io["template"]), torch.from_numpy(io["search"]))
        options = ort.SessionOptions()
        options.intra_op_num_threads = 1
        session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    maps = session.run(None, {"template": io["template"], "search": io["search"]})
    worst_map = 0.0
    for name, value in zip(MAP_NAMES, maps, strict=True):
        diff = float(np.abs(value - io[name]).max())
        worst_map = max(worst_map, diff)
        print(f"{name:>10}: max |onnxruntime - official| = {diff:.3g}")

    seq = load_sequence_folder(args.fixtures / "sequences/OTB/Crossing")
    expected = load_boxes(ost / "ostrack_tiny_ce_boxes.txt")
    tracker = OnnxTracker(model, session)
    tracker.init(read_rgb(seq.frames[0]), seq.init_box)
    boxes = [seq.init_box]
    for frame in track(seq.frames[1:], description="Crossing (onnxruntime)"):
        boxes.append(tracker.track(read_rgb(frame)))
    err = np.abs(np.asarray(boxes) - expected).max(axis=1)
    print(f"Crossing via onnxruntime: {len(boxes)} frames, max deviation {err.max():.2e} px "
          f"(frame {int(err.argmax()) + 1})")  # fmt: skip
    return 0 if worst_map < 1e-4 and err.max() < 0.5 else 1


if __name__ == "__main__":
    sys.exit(main())
