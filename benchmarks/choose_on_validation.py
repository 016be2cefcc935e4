"""Choose a checkpoint and its tracking settings (min_score, size_rate) on a validation split: every
checkpoint x setting runs the torch tracker over the validation sequences; the best mean success AUC wins.
With --starts K each validation sequence is also tracked from K - 1 later frames (k N / K, OTB's temporal
robustness evaluation) and scores the mean of its K runs: a few sequences then give a steadier figure.
With --floor-root, the winner must also reach --floor mean AUC on every sequence of that root (e.g.
synthetic validation clips): combinations are tried in order of validation AUC until one does (if none
does, the best on validation wins and the report says the floor was not met).
Writes the winner's architecture (its model_config with the chosen settings) as JSON for
`edgetrack export --arch-config`, and a JSON report of every combination.

    python benchmarks/choose_on_validation.py runs/builtin/train/checkpoints/*.pth \
        --root ../shared/datasets/public-real --sequences Human7 S1606 boat5 bike1 \
        --arch-out runs/builtin/arch.json --report runs/builtin/validation.json
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
from pathlib import Path

import numpy as np
import torch

from edgetrack.datasets.registry import open_dataset
from edgetrack.errors import EdgetrackError
from edgetrack.train.evaluate import initial_box_auc, load_trained_model, model_auc, sequence_auc


def write_json(path: Path, data) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def first_above_floor(rows: list[dict], floor_set, floor: float) -> dict | None:
    """The row of highest validation AUC whose setting reaches `floor` mean AUC on `floor_set`; each
    row tried gets its 'floor_auc'. None if no row reaches it."""
    sequences = list(floor_set)
    for row in sorted(rows, key=lambda row: row["auc"], reverse=True):
        model = load_trained_model(row["checkpoint"])
        settings = {"min_score": row["min_score"], "size_rate": row["size_rate"]}
        model.config = dataclasses.replace(model.config, **settings)
        row["floor_auc"] = model_auc(model, sequences)
        print(f"{Path(row['checkpoint']).name} {row['min_score']:.2f} {row['size_rate']:.2f}: "
              f"floor set AUC {row['floor_auc']:.4f}")  # fmt: skip
        if row["floor_auc"] >= floor:
            return row
    return None


def main() -> None:
    formatter = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=formatter)
    parser.add_argument("checkpoints", nargs="+", type=Path)
    parser.add_argument("--kind", default="got10k_train", help="Dataset reader of the validation root.")
    parser.add_argument("--root", required=True, type=Path)
    parser.add_argument("--sequences", nargs="+", required=True, help="The validation split's names.")
    parser.add_argument("--min-scores", nargs="+", type=float, default=[0.0, 0.15, 0.3, 0.45])
    parser.add_argument("--size-rates", nargs="+", type=float, default=[0.3, 0.6, 1.0])
    parser.add_argument("--starts", type=int, default=1, help="Runs per validation sequence (TRE-style).")
    parser.add_argument("--floor-root", type=Path, help="Sequences the winner must also track well.")
    parser.add_argument("--floor", type=float, default=0.5, help="Mean AUC the winner needs on --floor-root.")
    parser.add_argument("--arch-out", required=True, type=Path)
    parser.add_argument("--report", type=Path)
    args = parser.parse_args()
    torch.set_num_threads(1)
    dataset = open_dataset(args.kind, args.root)
    sequences = [dataset.sequence(name) for name in dataset.select(args.sequences)]
    print(f"keep-the-initial-box AUC on the validation split: {initial_box_auc(sequences):.4f}")
    rows = []
    for checkpoint in args.checkpoints:
        model = load_trained_model(checkpoint)
        trained = model.config
        for min_score in args.min_scores:
            for size_rate in args.size_rates:
                model.config = dataclasses.replace(trained, min_score=min_score, size_rate=size_rate)
                aucs = [sequence_auc(model, seq, args.starts) for seq in sequences]
                rows.append(
                    {
                        "checkpoint": str(checkpoint),
                        "min_score": min_score,
                        "size_rate": size_rate,
                        "auc": float(np.mean(aucs)),
                        "per_sequence": dict(zip(args.sequences, map(float, aucs), strict=True)),
                    }
                )
                setting = f"min_score {min_score:.2f} size_rate {size_rate:.2f}"
                print(f"{checkpoint.name} {setting}: {rows[-1]['auc']:.4f}")
    best = max(rows, key=lambda row: row["auc"])
    floor_met = None
    if args.floor_root:
        above = first_above_floor(rows, open_dataset(args.kind, args.floor_root), args.floor)
        floor_met = above is not None
        best = above or best
        if not floor_met:
            print(f"no combination reaches {args.floor} on {args.floor_root}: the best on validation wins")
    print(f"chosen: {best['checkpoint']} min_score {best['min_score']} size_rate {best['size_rate']} "
          f"(validation AUC {best['auc']:.4f})")  # fmt: skip
    state = torch.load(best["checkpoint"], map_location="cpu", weights_only=True)
    arch = {**state["model_config"], "min_score": best["min_score"], "size_rate": best["size_rate"]}
    write_json(args.arch_out, arch)
    if args.report:
        report = {"sequences": args.sequences, "starts": args.starts, "chosen": best, "rows": rows}
        if args.floor_root:
            report["floor"] = {"root": str(args.floor_root), "auc": args.floor, "met": floor_met}
        write_json(args.report, report)


if __name__ == "__main__":
    try:
        main()
    except EdgetrackError as exc:  # bad input: one line, exit 2, as the CLI does
        print(f"error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
