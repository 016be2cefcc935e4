"""Cross-validate a training recipe over folds of a labelled corpus. For each fold, train the config on
everything but the fold (`edgetrack distill` or `edgetrack train`, with the fold as the `exclude` of one of
its datasets), then track the fold's sequences with one epoch's checkpoint at fixed tracking settings
(min_score, size_rate), each sequence from --starts start frames. With settings fixed beforehand (for
example chosen on one fold by choose_on_validation.py), every other fold's figure is held out, and the
mean over all folds' sequences is a steadier figure than one small validation split.

With --checkpoint, nothing is trained: that checkpoint (a model that never saw the corpus, such as an
imported tracker) is scored on every fold, as a reference on the same sequences.

Interrupted work resumes: a fold whose checkpoint exists is not trained again, a fold's run that stopped
earlier continues from its last checkpoint (--resume), and folds already in the report are kept.

    python benchmarks/cross_validate.py -c train/configs/builtin.yaml \
        --folds train/configs/folds/public_real.yaml --epoch 22 --min-score 0.4 --size-rate 1.0 \
        --starts 3 -o runs/cv/builtin
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import torch
import yaml
from choose_on_validation import RunMap, Split, score, write_json

from edgetrack.errors import EdgetrackError, run_script


def read_folds(path: Path) -> dict:
    """The folds file: {'dataset': index into the config's data.datasets, 'folds': [[names], ...]}; a
    sequence in two folds is an error."""
    if not path.is_file():
        raise EdgetrackError(f"no folds file at {path}")
    folds = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    groups = folds.get("folds") if isinstance(folds, dict) else None
    if not isinstance(groups, list) or not groups or not all(isinstance(g, list) and g for g in groups):
        raise EdgetrackError(f"{path}: 'folds' must be a list of non-empty lists of sequence names")
    if not isinstance(folds.get("dataset", 0), int):
        raise EdgetrackError(f"{path}: 'dataset' must be an index into the config's data.datasets")
    names = [name for group in groups for name in group]
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise EdgetrackError(f"{path}: {', '.join(repeated)} in more than one fold")
    return {"dataset": folds.get("dataset", 0), "folds": groups}


def corpus(config: Path, overrides: list[str], verb: str, index: int, names: list[str]) -> tuple[str, str]:
    """(reader kind, root) of dataset `index` of the `verb`'s config, overrides applied; every fold's
    sequence must be in it (checked before any training)."""
    from edgetrack.datasets.registry import open_dataset
    from edgetrack.train.config import load_config
    from edgetrack.train.distill import load_distill_config

    load = (lambda *a: load_distill_config(*a)[0]) if verb == "distill" else load_config
    datasets = load(config, overrides).data.datasets
    if not 0 <= index < len(datasets):
        raise EdgetrackError(f"the folds' dataset {index} is not in {config} ({len(datasets)} datasets)")
    kind, root = datasets[index].kind, str(datasets[index].root)
    open_dataset(kind, Path(root)).select(names)
    return kind, root


def train_fold(args, fold: int, names: list[str], index: int) -> Path:
    """The checkpoint of `args.epoch` of the run that leaves fold `fold` out, trained (or resumed) if
    missing."""
    run = args.output / f"fold_{fold}"
    checkpoint = run / "checkpoints" / f"epoch_{args.epoch:04d}.pth"
    if checkpoint.is_file():
        return checkpoint
    command = [sys.executable, "-m", "edgetrack", args.verb, "-c", str(args.config), *args.overrides,
               f"data.datasets.{index}.exclude=[{','.join(names)}]", "-o", str(run)]  # fmt: skip
    earlier = sorted((run / "checkpoints").glob("epoch_*.pth"))
    if earlier:
        command += ["--resume", str(earlier[-1])]
    print(f"fold {fold}: {' '.join(command[2:])}", flush=True)
    if subprocess.run(command).returncode != 0:
        raise EdgetrackError(f"training fold {fold} failed (its error is above); run again to resume it")
    if not checkpoint.is_file():
        raise EdgetrackError(f"{run} wrote no epoch {args.epoch} checkpoint (see train.checkpoint_every)")
    return checkpoint


def summary(folds: list[dict]) -> dict:
    """Mean AUC per fold, over the folds' means and over every sequence."""
    fold_means = [fold["auc"] for fold in folds]
    aucs = [auc for fold in folds for auc in fold["per_sequence"].values()]
    return {
        "fold_means": fold_means,
        "mean_over_folds": float(np.mean(fold_means)),
        "mean_over_sequences": float(np.mean(aucs)),
        "sequences": len(aucs),
    }


def main() -> None:
    formatter = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=formatter)
    parser.add_argument("-c", "--config", required=True, type=Path, help="The recipe's training config.")
    parser.add_argument("--folds", required=True, type=Path, help="YAML: dataset (index), folds (names).")
    parser.add_argument("--epoch", type=int, help="The epoch whose checkpoint is scored on each fold.")
    parser.add_argument("--checkpoint", type=Path, help="Score this checkpoint on every fold; no training.")
    parser.add_argument("--min-score", type=float, default=0.0)
    parser.add_argument("--size-rate", type=float, default=1.0)
    parser.add_argument("--starts", type=int, default=3, help="Runs per sequence (TRE-style).")
    parser.add_argument("--only", type=int, nargs="+", help="Fold indices to run (default: all).")
    parser.add_argument("--verb", choices=("distill", "train"), default="distill")
    parser.add_argument("--jobs", type=int, default=1, help="Processes that score folds at once.")
    parser.add_argument("-o", "--output", required=True, type=Path, help="Folder: fold runs, report.json.")
    parser.add_argument("overrides", nargs="*", help="Dotted config overrides, as for edgetrack distill.")
    args = parser.parse_args()
    if (args.epoch is None) == (args.checkpoint is None):
        raise EdgetrackError("give --epoch (train every fold) or --checkpoint (score one model), not both")
    if args.jobs < 1 or args.starts < 1:
        raise EdgetrackError(f"--jobs and --starts must be at least 1, got {args.jobs} and {args.starts}")
    torch.set_num_threads(1)
    folds = read_folds(args.folds)
    every_name = [name for group in folds["folds"] for name in group]
    kind, root = corpus(args.config, args.overrides, args.verb, folds["dataset"], every_name)
    chosen = args.only if args.only is not None else range(len(folds["folds"]))
    if any(not 0 <= k < len(folds["folds"]) for k in chosen):
        raise EdgetrackError(f"--only: folds are 0..{len(folds['folds']) - 1}")
    report_path = args.output / "report.json"
    settings = {
        "config": str(args.config),
        "overrides": args.overrides,
        "min_score": args.min_score,
        "size_rate": args.size_rate,
        "starts": args.starts,
        "epoch": args.epoch,
        "checkpoint": str(args.checkpoint) if args.checkpoint else None,
    }
    report = json.loads(report_path.read_text(encoding="utf-8")) if report_path.is_file() else {}
    if report and report.get("settings") != settings:
        raise EdgetrackError(f"{report_path} holds other settings ({report['settings']}): use another -o")
    done = {fold["fold"]: fold for fold in report.get("folds", [])}
    todo = [k for k in chosen if k not in done]
    checkpoints = {
        k: args.checkpoint or train_fold(args, k, folds["folds"][k], folds["dataset"]) for k in todo
    }
    tasks = [(str(checkpoints[k]), args.min_score, args.size_rate,
              Split(kind, root, tuple(folds["folds"][k]), args.starts)) for k in todo]  # fmt: skip
    run_map = RunMap(args.jobs)
    try:
        for k, aucs in zip(todo, run_map(score, tasks), strict=True):
            per_sequence = dict(zip(folds["folds"][k], map(float, aucs), strict=True))
            done[k] = {"fold": k, "checkpoint": str(checkpoints[k]), "per_sequence": per_sequence,
                       "auc": float(np.mean(aucs))}  # fmt: skip
            ordered = [done[j] for j in sorted(done)]
            write_json(report_path, {"settings": settings, "folds": ordered, **summary(ordered)})
            print(f"fold {k}: AUC {done[k]['auc']:.4f}", flush=True)
    finally:
        run_map.close()
    result = summary([done[k] for k in sorted(done)])
    means = " ".join(f"{auc:.4f}" for auc in result["fold_means"])
    print(f"folds {means}; mean over {result['sequences']} sequences {result['mean_over_sequences']:.4f}")


if __name__ == "__main__":
    run_script(main)
