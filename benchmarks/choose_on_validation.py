"""Choose a checkpoint and its tracking settings (min_score, size_rate) on a validation split: every
checkpoint x setting runs the torch tracker over the validation sequences; the best mean success AUC wins.
With --starts K each validation sequence is also tracked from K - 1 later frames (k N / K, OTB's temporal
robustness evaluation) and scores the mean of its K runs: a few sequences then give a steadier figure.
With --floor-root, the winner must also reach --floor mean AUC on every sequence of that root (e.g.
synthetic validation clips): combinations are tried in order of validation AUC until one does (if none
does, the best on validation wins and the report says the floor was not met). With --jobs J, J processes
(one torch thread each) score the combinations, and the floor is tried on J combinations at a time; the
figures and the choice are those of one process.
Writes the winner's architecture (its model_config with the chosen settings) as JSON for
`edgetrack export --arch-config`, and a JSON report of every combination.

    python benchmarks/choose_on_validation.py runs/builtin/train/checkpoints/*.pth \
        --root ../shared/datasets/public-real --sequences Human7 S1606 boat5 bike1 \
        --arch-out runs/builtin/arch.json --report runs/builtin/validation.json
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import json
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import torch

from edgetrack.datasets.registry import open_dataset
from edgetrack.errors import EdgetrackError, run_script
from edgetrack.train.evaluate import initial_box_auc, load_trained_model, sequence_auc


def write_json(path: Path, data) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    os.replace(tmp, path)


@dataclasses.dataclass(frozen=True)
class Split:
    """Sequences to score on: a dataset reader, its root, the names (all when empty), runs per sequence."""

    kind: str
    root: str
    names: tuple[str, ...] = ()
    starts: int = 1


@functools.lru_cache(maxsize=2)
def _sequences(split: Split) -> list:
    dataset = open_dataset(split.kind, Path(split.root))
    return [dataset.sequence(name) for name in dataset.select(list(split.names))]


@functools.lru_cache(maxsize=2)
def _model(checkpoint: str):
    return load_trained_model(checkpoint)


def score(task: tuple[str, float, float, Split]) -> list[float]:
    """Success AUC per sequence of `split` for one checkpoint at one (min_score, size_rate)."""
    checkpoint, min_score, size_rate, split = task
    model = _model(checkpoint)
    model.config = dataclasses.replace(model.config, min_score=min_score, size_rate=size_rate)
    return [sequence_auc(model, sequence, split.starts) for sequence in _sequences(split)]


def _one_thread() -> None:
    torch.set_num_threads(1)


def first_above_floor(rows: list[dict], floor_split: Split, floor: float, run_map) -> dict | None:
    """The row of highest validation AUC whose setting reaches `floor` mean AUC on `floor_split`; rows
    are scored in batches of `run_map`'s width (each tried row gets its 'floor_auc'). None if none does."""
    ranked = sorted(rows, key=lambda row: row["auc"], reverse=True)
    for first in range(0, len(ranked), run_map.width):
        batch = ranked[first : first + run_map.width]
        tasks = [(row["checkpoint"], row["min_score"], row["size_rate"], floor_split) for row in batch]
        for row, aucs in zip(batch, run_map(score, tasks), strict=True):
            row["floor_auc"] = float(np.mean(aucs))
            print(f"{Path(row['checkpoint']).name} {row['min_score']:.2f} {row['size_rate']:.2f}: "
                  f"floor set AUC {row['floor_auc']:.4f}")  # fmt: skip
        passing = [row for row in batch if row["floor_auc"] >= floor]
        if passing:
            return passing[0]
    return None


class RunMap:
    """`map` over `width` processes of one torch thread each (in this process when `width` is 1)."""

    def __init__(self, width: int):
        self.width = width
        context = multiprocessing.get_context("spawn")
        self.pool = ProcessPoolExecutor(width, context, _one_thread) if width > 1 else None

    def __call__(self, function, tasks: list):
        """The results in the order of `tasks`, each as soon as it and those before it are done."""
        return self.pool.map(function, tasks) if self.pool else map(function, tasks)

    def close(self) -> None:
        if self.pool:
            self.pool.shutdown()


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
    parser.add_argument("--jobs", type=int, default=1, help="Processes that score combinations at once.")
    parser.add_argument("--arch-out", required=True, type=Path)
    parser.add_argument("--report", type=Path)
    args = parser.parse_args()
    if args.jobs < 1 or args.starts < 1:
        raise EdgetrackError(f"--jobs and --starts must be at least 1, got {args.jobs} and {args.starts}")
    torch.set_num_threads(1)
    dataset = open_dataset(args.kind, args.root)
    names = tuple(dataset.select(args.sequences))
    print(f"keep-the-initial-box AUC on the validation split: "
          f"{initial_box_auc([dataset.sequence(name) for name in names]):.4f}")  # fmt: skip
    split = Split(args.kind, str(args.root), names, args.starts)
    combos = [(str(c), m, r) for c in args.checkpoints for m in args.min_scores for r in args.size_rates]
    run_map = RunMap(args.jobs)
    try:
        rows = []
        for (checkpoint, min_score, size_rate), aucs in zip(
            combos, run_map(score, [(*combo, split) for combo in combos]), strict=True
        ):
            rows.append(
                {
                    "checkpoint": checkpoint,
                    "min_score": min_score,
                    "size_rate": size_rate,
                    "auc": float(np.mean(aucs)),
                    "per_sequence": dict(zip(args.sequences, map(float, aucs), strict=True)),
                }
            )
            print(f"{Path(checkpoint).name} min_score {min_score:.2f} size_rate {size_rate:.2f}: "
                  f"{rows[-1]['auc']:.4f}")  # fmt: skip
        best = max(rows, key=lambda row: row["auc"])
        floor_met = None
        if args.floor_root:
            above = first_above_floor(rows, Split(args.kind, str(args.floor_root)), args.floor, run_map)
            floor_met = above is not None
            best = above or best
            if not floor_met:
                missed = f"no combination reaches {args.floor} on {args.floor_root}"
                print(f"{missed}: the best on validation wins")
    finally:
        run_map.close()
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
    run_script(main)
