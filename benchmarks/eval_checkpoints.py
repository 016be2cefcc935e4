"""Success AUC of training checkpoints on held-out sequences, beside the keep-the-initial-box tracker.

    python benchmarks/eval_checkpoints.py --held-out-kind got10k_val --held-out-root data/synth/got10k \
        runs/train/X/checkpoints/epoch_0040.pth ...
    python benchmarks/eval_checkpoints.py --held-out-kind got10k_train \
        --held-out-root ../shared/datasets/public-real CKPT ... --sequences Jogging-2 S1606 group1_4 boat5
"""

from __future__ import annotations

import argparse
from pathlib import Path

import torch

from edgetrack.datasets.registry import open_dataset
from edgetrack.train.evaluate import initial_box_auc, load_trained_model, model_auc


def main() -> None:
    formatter = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=formatter)
    parser.add_argument("checkpoints", nargs="+", type=Path)
    parser.add_argument("--held-out-kind", required=True)
    parser.add_argument("--held-out-root", required=True, type=Path)
    parser.add_argument("--sequences", nargs="*", help="Only these sequences (a validation split).")
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    dataset = open_dataset(args.held_out_kind, args.held_out_root)
    held_out = [dataset.sequence(name) for name in dataset.select(args.sequences)]
    print(f"keep-the-initial-box AUC: {initial_box_auc(held_out):.4f} on {len(held_out)} sequences")
    for path in args.checkpoints:
        print(f"{path}: AUC {model_auc(load_trained_model(path), held_out):.4f}")


if __name__ == "__main__":
    main()
