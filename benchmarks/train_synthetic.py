"""The training experiment on synthetic data: train each config for the same budget, then report the
success AUC on held-out synthetic sequences at the start (the same initial weights) and at the end,
beside a tracker that keeps the initial box.

    edgetrack synth --format got10k ...   # training set and a held-out set (see docs/train.md)
    python benchmarks/train_synthetic.py --held-out-kind got10k_val --held-out-root data/synth/held_out \
        train/configs/ablation_synthetic_baseline.yaml train/configs/ablation_synthetic_scheduler.yaml \
        train/configs/ablation_synthetic_gradient_scaling.yaml -o runs/ablation

Writes OUT/results.json and prints a table. Timings are not measured here: the budget is in samples.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import torch

from edgetrack.datasets.registry import open_dataset
from edgetrack.models.config import TrackerConfig
from edgetrack.models.ostrack import build_tracker
from edgetrack.train.config import load_config
from edgetrack.train.evaluate import initial_box_auc, load_trained_model, model_auc
from edgetrack.train.launch import run_training


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("configs", nargs="+", type=Path)
    parser.add_argument("--held-out-kind", required=True, help="reader name of the held-out set")
    parser.add_argument("--held-out-root", required=True, type=Path)
    parser.add_argument("--max-sequences", type=int, default=0, help="evaluate on the first N (0: all)")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("-o", "--output", type=Path, default=Path("runs/ablation"))
    parser.add_argument(
        "--set", dest="overrides", action="append", default=[], help="KEY=VALUE for every config"
    )
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    held_out = list(open_dataset(args.held_out_kind, args.held_out_root))
    if args.max_sequences:
        held_out = held_out[: args.max_sequences]
    results = {"held_out_sequences": len(held_out), "initial_box_auc": initial_box_auc(held_out), "runs": {}}
    print(f"keep-the-initial-box AUC: {results['initial_box_auc']:.4f} on {len(held_out)} sequences")
    for path in args.configs:
        config = load_config(path, args.overrides)
        torch.manual_seed(config.train.seed)  # the trainer's initial weights
        initial = build_tracker(TrackerConfig.from_dict(config.model))
        start_auc = model_auc(initial, held_out)
        last = run_training(config, args.output / path.stem)
        end_auc = model_auc(load_trained_model(last), held_out)
        log = [
            json.loads(line) for line in (args.output / path.stem / "metrics.jsonl").read_text().splitlines()
        ]
        results["runs"][path.stem] = {
            "start_auc": start_auc,
            "end_auc": end_auc,
            "samples": config.train.epochs * config.data.samples_per_epoch,
            "last_epoch": log[-1],
        }
        print(f"{path.stem}: AUC {start_auc:.4f} at the start -> {end_auc:.4f} after training")
        (args.output / "results.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
