"""Distil the shared random-weight OSTrack fixture (ViT 192 x 12, CE at blocks 3/6/9) into a 4-block
student for a few steps on OTB Crossing, so that the student can go through `edgetrack export` and
`edgetrack track`. It checks the plumbing (stages, CE at the stage boundaries, saving, export), not
accuracy: the teacher has random weights.

    python benchmarks/distill_fixture.py -o runs/distill_fixture
    edgetrack export runs/distill_fixture/student.pth --format onnx -o runs/distill_fixture/student.onnx
    edgetrack track ../shared/fixtures/sequences/OTB/Crossing -m runs/distill_fixture/student.onnx
"""

from __future__ import annotations

import argparse
from pathlib import Path

import torch
import yaml

from edgetrack.datasets.folder import load_sequence_folder
from edgetrack.train.data import Source
from edgetrack.train.distill import load_distill_config, run_distillation

FIXTURE = Path(__file__).resolve().parents[1] / ".." / "shared" / "fixtures"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("-o", "--output", type=Path, default=Path("runs/distill_fixture"))
    parser.add_argument("--steps", type=int, default=4)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    crossing = load_sequence_folder(FIXTURE / "sequences" / "OTB" / "Crossing")
    config = {
        "model": {"depth": 4},
        "data": {"datasets": [{"kind": "custom"}], "samples_per_epoch": 2 * args.steps},
        "sampler": {"kind": "random", "max_interval": 30},
        "train": {
            "epochs": 1,
            "batch_size": 2,
            "device": "cpu",
            "threads": args.threads,
            "ce_start_epoch": 0,
            "ce_warm_epoch": 0,  # the teacher's keep ratio 0.7 from the first step
        },
        "distill": {
            "teacher": str(FIXTURE / "ostrack" / "ostrack_tiny_ce.pth.tar"),
            "stages": 4,
            "ce": "stages",
        },
    }
    args.output.mkdir(parents=True, exist_ok=True)
    path = args.output / "distill_fixture.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    settings, distill = load_distill_config(path)
    student = run_distillation(settings, distill, args.output, sources=[Source("otb", [crossing], 1.0, True)])
    print(f"student: {student} (architecture {student.with_suffix('.json')})")


if __name__ == "__main__":
    main()
