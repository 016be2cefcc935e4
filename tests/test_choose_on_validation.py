"""benchmarks/choose_on_validation.py: the recipe's choice of checkpoint and tracking settings."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from pathlib import Path

import torch
from train_helpers import TINY_MODEL, tiny_sources

from edgetrack.datasets.registry import open_dataset
from edgetrack.models.config import TrackerConfig
from edgetrack.models.ostrack import build_tracker
from edgetrack.train.evaluate import load_trained_model, sequence_auc

ROOT = Path(__file__).resolve().parents[1]


def random_checkpoint(path: Path, seed: int) -> Path:
    torch.manual_seed(seed)
    config = TrackerConfig(**TINY_MODEL)
    torch.save({"net": build_tracker(config).state_dict(), "model_config": config.to_dict()}, path)
    return path


def choose(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    command = [sys.executable, str(ROOT / "benchmarks" / "choose_on_validation.py"), *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=300, cwd=ROOT)


def test_every_combination_is_scored_with_its_starts_and_the_best_is_written(tmp_path):
    tiny_sources(tmp_path)
    checkpoints = [str(random_checkpoint(tmp_path / f"epoch_{i}.pth", i)) for i in range(2)]
    run = choose(
        tmp_path, *checkpoints, "--kind", "custom", "--root", str(tmp_path / "videos"), "--sequences", "v0",
        "v1", "--starts", "2", "--min-scores", "0", "0.3", "--size-rates", "1.0",
        "--arch-out", str(tmp_path / "arch.json"), "--report", str(tmp_path / "report.json"),
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["starts"] == 2 and len(report["rows"]) == 4
    best = max(report["rows"], key=lambda row: row["auc"])
    assert report["chosen"] == best
    arch = json.loads((tmp_path / "arch.json").read_text())
    assert arch["min_score"] == best["min_score"] and arch["embed_dim"] == TINY_MODEL["embed_dim"]
    dataset = open_dataset("custom", tmp_path / "videos")
    for row in report["rows"]:
        assert abs(row["auc"] - sum(row["per_sequence"].values()) / 2) < 1e-9
        model = load_trained_model(row["checkpoint"])
        model.config = dataclasses.replace(
            model.config, min_score=row["min_score"], size_rate=row["size_rate"]
        )
        for name in ("v0", "v1"):  # the mean over the runs from frames 0 and N/2
            expected = sequence_auc(model, dataset.sequence(name), starts=2)
            assert abs(row["per_sequence"][name] - expected) < 1e-9


def test_bad_starts_is_one_error_line_and_no_file(tmp_path):
    tiny_sources(tmp_path)
    checkpoint = str(random_checkpoint(tmp_path / "epoch_1.pth", 0))
    run = choose(
        tmp_path, checkpoint, "--kind", "custom", "--root", str(tmp_path / "videos"), "--sequences", "v0",
        "--starts", "0", "--arch-out", str(tmp_path / "arch.json"),
    )  # fmt: skip
    assert run.returncode == 2 and run.stderr.startswith("error:") and len(run.stderr.splitlines()) == 1
    assert not (tmp_path / "arch.json").exists()


def test_jobs_give_the_one_process_figures_and_choice_under_a_floor(tmp_path):
    tiny_sources(tmp_path)
    checkpoints = [str(random_checkpoint(tmp_path / f"epoch_{i}.pth", i)) for i in range(2)]
    videos = str(tmp_path / "videos")

    def report(jobs: int, floor: float) -> dict:
        out = tmp_path / f"report_{jobs}_{floor}.json"
        run = choose(
            tmp_path, *checkpoints, "--kind", "custom", "--root", videos, "--sequences", "v0", "v1",
            "--min-scores", "0", "0.3", "--size-rates", "0.5", "1.0", "--floor-root", videos,
            "--floor", str(floor), "--jobs", str(jobs), "--arch-out", str(tmp_path / "arch.json"),
            "--report", str(out),
        )  # fmt: skip
        assert run.returncode == 0, run.stderr
        return json.loads(out.read_text())

    every_row_tried = report(2, 1.01)  # no row reaches it: each gets its floor figure
    assert every_row_tried == report(1, 1.01) and not every_row_tried["floor"]["met"]
    floors = sorted(row["floor_auc"] for row in every_row_tried["rows"])
    floor = (floors[len(floors) // 2 - 1] + floors[len(floors) // 2]) / 2  # about half the rows reach it
    one, two = report(1, floor), report(2, floor)
    assert one["chosen"] == two["chosen"] and one["floor"]["met"]
    passing = [row for row in every_row_tried["rows"] if row["floor_auc"] >= floor]
    assert two["chosen"]["auc"] == max(row["auc"] for row in passing)
