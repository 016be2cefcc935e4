"""Success AUC of an exported tracker (the runtime Tracker, onnxruntime, 1 thread) on held-out
synthetic sequences, on a validation split of a GOT-10k-layout root and on real sequence folders,
beside the keep-the-initial-box tracker.

    python benchmarks/builtin_eval.py models/builtin/edgetrack_builtin.onnx \
        --held-out data/builtin/heldout --validation ../shared/datasets/public-real Human7 S1606 \
        --real ../shared/fixtures/sequences/OTB/Crossing ... --json out.json
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from edgetrack.datasets import read_rgb
from edgetrack.datasets.folder import load_sequence_folder
from edgetrack.datasets.registry import open_dataset
from edgetrack.errors import run_script
from edgetrack.metrics import success_auc
from edgetrack.runtime.tracker import Tracker


def tracker_auc(tracker: Tracker, sequence) -> float:
    """Success AUC (OTB convention) of the tracker on one sequence, initialised on its first box."""
    boxes = [np.asarray(sequence.init_box)]
    tracker.init(read_rgb(sequence.frames[0]), sequence.init_box)
    boxes += [np.asarray(tracker.track(read_rgb(path)).box) for path in sequence.frames[1:]]
    return success_auc(np.stack(boxes), sequence.gt)


def initial_box_auc(sequence) -> float:
    """Success AUC of a tracker that keeps the first box on every frame."""
    return success_auc(np.repeat(sequence.gt[:1], len(sequence), axis=0), sequence.gt)


def main() -> None:
    formatter = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=formatter)
    parser.add_argument("model", type=Path)
    parser.add_argument("--held-out", type=Path, required=True, help="Root of `edgetrack synth` sequences.")
    parser.add_argument(
        "--validation",
        nargs="+",
        metavar=("ROOT", "NAME"),
        help="A GOT-10k train-layout root and sequence names.",
    )
    parser.add_argument("--real", type=Path, nargs="*", default=[], help="Real sequence folders.")
    parser.add_argument("--json", type=Path, help="Write the figures here.")
    args = parser.parse_args()
    tracker = Tracker(args.model, backend="onnxruntime", threads=1)
    held_out = open_dataset("got10k_train", args.held_out)
    model_aucs = [tracker_auc(tracker, seq) for seq in held_out]
    baseline_aucs = [initial_box_auc(seq) for seq in held_out]
    figures = {
        "held_out_sequences": len(held_out),
        "held_out_auc": float(np.mean(model_aucs)),
        "held_out_keep_initial_box_auc": float(np.mean(baseline_aucs)),
        "real": {},
    }
    print(f"held-out synthetic ({len(held_out)} sequences): model AUC {figures['held_out_auc']:.3f}, "
          f"keep-initial-box AUC {figures['held_out_keep_initial_box_auc']:.3f}")  # fmt: skip
    if args.validation:
        root, *names = args.validation
        dataset = open_dataset("got10k_train", root)
        split = [dataset.sequence(name) for name in dataset.select(names)]
        aucs = {seq.name: tracker_auc(tracker, seq) for seq in split}
        figures["validation"] = {
            "root": root,
            "auc": float(np.mean(list(aucs.values()))),
            "per_sequence": aucs,
        }
        figures["validation"]["keep_initial_box_auc"] = float(np.mean([initial_box_auc(s) for s in split]))
        print(f"validation ({len(split)} sequences): model AUC {figures['validation']['auc']:.3f}, "
              f"keep-initial-box AUC {figures['validation']['keep_initial_box_auc']:.3f}")  # fmt: skip
    for folder in args.real:
        sequence = load_sequence_folder(folder)
        model, baseline = tracker_auc(tracker, sequence), initial_box_auc(sequence)
        figures["real"][sequence.name] = {
            "frames": len(sequence),
            "auc": model,
            "keep_initial_box_auc": baseline,
        }
        print(f"{sequence.name} ({len(sequence)} frames): AUC {model:.3f}, keep-initial-box {baseline:.3f}")
    if figures["real"]:
        figures["real_mean_auc"] = float(np.mean([r["auc"] for r in figures["real"].values()]))
        print(f"real sequences: mean AUC {figures['real_mean_auc']:.3f}")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n")


if __name__ == "__main__":
    run_script(main)
