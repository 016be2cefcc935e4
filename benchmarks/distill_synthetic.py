"""The distillation experiment on synthetic data, for the same budget:

1. a teacher (default 4 blocks) trained with the training pipeline
   (`edgetrack.train.trainer.Trainer`, the loop behind `edgetrack train`) on synthetic videos;
2. a 2-block student distilled from it with CompressTracker (`edgetrack.train.distill.run_distillation`, the
   loop behind `edgetrack distill`);
3. the same 2-block student, from the same initialisation (copied from the teacher as distillation
   does), trained on the ground truth only, same samples, epochs and schedule;
4. a 2-block student from random weights trained on the ground truth only, same budget.

Reports the success AUC (OTB convention) of the three on held-out synthetic sequences, beside a
tracker that keeps the initial box. The sequences are written by this script (a textured box
drifting and changing scale over a cluttered background with a look-alike distractor), so it runs
where no dataset reader is installed.

    python benchmarks/distill_synthetic.py -o runs/distill_synthetic

Writes OUT/results.json. The budget is in samples; no timing is measured.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import cv2
import numpy as np
import torch
import yaml

from edgetrack.datasets import Sequence
from edgetrack.models.ostrack import build_tracker
from edgetrack.train.config import load_config
from edgetrack.train.data import Source
from edgetrack.train.distill import load_distill_config, prepare_distillation, run_distillation
from edgetrack.train.evaluate import initial_box_auc, load_trained_model, model_auc
from edgetrack.train.trainer import Trainer

FRAME = 128
MODEL = dict(
    embed_dim=64,
    num_heads=2,
    patch_size=8,
    template_size=32,
    search_size=64,
    head_channels=32,
    template_factor=2.0,
    search_factor=4.0,
)


def synthetic_sequence(folder: Path, name: str, frames: int, rng: np.random.Generator) -> Sequence:
    """A textured box that drifts and changes scale over a blurred-noise background, with a
    distractor box of another texture; saved as img/*.png + groundtruth.txt."""
    folder = folder / name
    (folder / "img").mkdir(parents=True, exist_ok=True)
    background = cv2.GaussianBlur(rng.integers(0, 256, (FRAME, FRAME, 3), dtype=np.uint8), (0, 0), 3)
    texture = rng.integers(0, 256, (8, 8, 3), dtype=np.uint8)
    distractor = rng.integers(0, 256, (8, 8, 3), dtype=np.uint8)
    size = rng.uniform(14, 26, 2)
    pos = rng.uniform(20, FRAME - 20 - size)
    velocity = rng.normal(0, 1.5, 2)
    d_pos, d_vel = rng.uniform(10, FRAME - 30, 2), rng.normal(0, 1.5, 2)
    paths, boxes = [], []
    for i in range(frames):
        velocity = np.clip(velocity + rng.normal(0, 0.4, 2), -3, 3)
        size = np.clip(size * np.exp(rng.normal(0, 0.02, 2)), 10, 32)
        pos = np.clip(pos + velocity, 2, FRAME - 2 - size)
        d_vel = np.clip(d_vel + rng.normal(0, 0.4, 2), -3, 3)
        d_pos = np.clip(d_pos + d_vel, 2, FRAME - 22)
        frame = background.copy()
        dx, dy = d_pos.astype(int)
        frame[dy : dy + 18, dx : dx + 18] = cv2.resize(distractor, (18, 18), interpolation=cv2.INTER_NEAREST)
        x, y = pos.astype(int)
        w, h = np.maximum(size.astype(int), 4)
        frame[y : y + h, x : x + w] = cv2.resize(texture, (int(w), int(h)), interpolation=cv2.INTER_NEAREST)
        path = folder / "img" / f"{i:04d}.png"
        cv2.imwrite(str(path), frame[..., ::-1])
        paths.append(path)
        boxes.append([x, y, w, h])
    boxes = np.asarray(boxes, dtype=float)
    np.savetxt(folder / "groundtruth.txt", boxes, fmt="%d", delimiter=",")
    return Sequence(name, paths, boxes)


def synthetic_set(folder: Path, count: int, frames: int, seed: int) -> list[Sequence]:
    rng = np.random.default_rng(seed)
    return [synthetic_sequence(folder, f"seq{i:03d}", frames, rng) for i in range(count)]


def write_config(path: Path, data: dict) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("-o", "--output", type=Path, default=Path("runs/distill_synthetic"))
    parser.add_argument("--teacher-depth", type=int, default=4)
    parser.add_argument("--teacher-epochs", type=int, default=10)
    parser.add_argument("--student-epochs", type=int, default=6)
    parser.add_argument("--samples-per-epoch", type=int, default=512)
    parser.add_argument("--train-sequences", type=int, default=24)
    parser.add_argument("--held-out-sequences", type=int, default=12)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--seed", type=int, default=42, help="train.seed of the students")
    parser.add_argument("--teacher-checkpoint", type=Path, help="reuse this teacher instead of training one")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    out = args.output
    train_seqs = synthetic_set(out / "data" / "train", args.train_sequences, 60, seed=1)
    held_out = synthetic_set(out / "data" / "held_out", args.held_out_sequences, 60, seed=2)
    sources = [Source("synthetic", train_seqs, 1.0, True)]
    common = {
        "data": {
            "datasets": [{"kind": "custom", "root": str(out / "data" / "train")}],
            "samples_per_epoch": args.samples_per_epoch,
            "grayscale_probability": 0.0,
        },
        "sampler": {"kind": "random", "max_interval": 30},
    }

    def train_section(epochs: int, seed: int = 42) -> dict:
        return {
            "seed": seed,
            "epochs": epochs,
            "batch_size": 16,
            "lr": 0.001,
            "backbone_lr_multiplier": 0.5,
            "lr_drop_epoch": max(epochs - 2, 1),
            "device": "cpu",
            "threads": args.threads,
            "checkpoint_every": 0,
        }

    results = {
        "held_out_sequences": len(held_out),
        "initial_box_auc": initial_box_auc(held_out),
        "samples_per_student": args.student_epochs * args.samples_per_epoch,
    }
    print(f"keep-the-initial-box AUC {results['initial_box_auc']:.4f} on {len(held_out)} sequences")

    # 1. the teacher
    teacher_cfg = load_config(
        write_config(
            out / "teacher.yaml",
            {
                "model": {**MODEL, "depth": args.teacher_depth},
                **common,
                "train": train_section(args.teacher_epochs),
            },
        )
    )
    teacher_ckpt = args.teacher_checkpoint or Trainer(teacher_cfg, out / "teacher", sources=sources).fit()
    results["teacher_auc"] = model_auc(load_trained_model(teacher_ckpt), held_out)
    print(f"teacher ({args.teacher_depth} blocks) AUC {results['teacher_auc']:.4f}")

    # 2. the distilled 2-block student
    distill_data = {
        "model": {"depth": 2},
        **common,
        "train": train_section(args.student_epochs, args.seed),
        "distill": {"teacher": str(teacher_ckpt), "stages": 2},
    }
    config, distill = load_distill_config(write_config(out / "distill.yaml", distill_data))
    student_ckpt = run_distillation(config, distill, out / "distilled", sources=sources)
    distilled = load_trained_model(student_ckpt)
    results["distilled_auc"] = model_auc(distilled, held_out)
    print(f"distilled 2-block student AUC {results['distilled_auc']:.4f}")

    # 3. the same student initialisation, ground truth only
    config, distill = load_distill_config(write_config(out / "distill.yaml", distill_data))
    teacher = load_trained_model(teacher_ckpt)
    config, student, _ = prepare_distillation(config, distill, teacher)
    initial = build_tracker(student.config)
    initial.load_state_dict(student.state_dict())
    results["student_initial_auc"] = model_auc(initial, held_out)
    scratch_ckpt = Trainer(config, out / "scratch", model=student, sources=sources).fit()
    results["scratch_auc"] = model_auc(load_trained_model(scratch_ckpt), held_out)
    print(f"2-block student at initialisation AUC {results['student_initial_auc']:.4f}")
    print(f"2-block student trained on the ground truth only AUC {results['scratch_auc']:.4f}")

    # 4. a 2-block student from random weights (the trainer's seeded initialisation), ground truth only
    random_ckpt = Trainer(config, out / "random_init", sources=sources).fit()
    results["random_init_auc"] = model_auc(load_trained_model(random_ckpt), held_out)
    print(f"2-block student from random weights, ground truth only AUC {results['random_init_auc']:.4f}")
    (out / "results.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
