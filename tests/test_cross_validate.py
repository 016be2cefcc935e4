"""benchmarks/cross_validate.py: a recipe trained once per fold, each fold scored on its own sequences."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from pathlib import Path

import pytest
import torch
import yaml
from train_helpers import tiny_config, tiny_sources

from edgetrack.datasets.registry import open_dataset
from edgetrack.train.evaluate import load_trained_model, sequence_auc

ROOT = Path(__file__).resolve().parents[1]
SETTINGS = ("--min-score", "0.2", "--size-rate", "0.5", "--starts", "2")


def cross_validate(*args: str) -> subprocess.CompletedProcess:
    command = [sys.executable, str(ROOT / "benchmarks" / "cross_validate.py"), *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=600, cwd=ROOT)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """The tiny config (three videos v0-v2, two one-frame images), two epochs, and folds {v0}, {v1}."""
    tmp_path = tmp_path_factory.mktemp("cv")
    tiny_sources(tmp_path)
    tiny_config(tmp_path)  # writes tmp_path/tiny.yaml
    config = yaml.safe_load((tmp_path / "tiny.yaml").read_text())
    config["train"]["epochs"] = 2
    config["sampler"] = {"kind": "random", "max_interval": 40}
    (tmp_path / "tiny.yaml").write_text(yaml.safe_dump(config))
    (tmp_path / "folds.yaml").write_text("dataset: 0\nfolds: [[v0], [v1]]\n")
    return tmp_path


def expected_auc(checkpoint: Path, sequence) -> float:
    model = load_trained_model(checkpoint)
    model.config = dataclasses.replace(model.config, min_score=0.2, size_rate=0.5)
    return sequence_auc(model, sequence, starts=2)


def test_each_fold_is_trained_without_its_sequences_and_scored_on_them(corpus):
    out = corpus / "run"
    args = ("-c", str(corpus / "tiny.yaml"), "--folds", str(corpus / "folds.yaml"), "--verb", "train")
    run = cross_validate(*args, "--epoch", "2", *SETTINGS, "-o", str(out))
    assert run.returncode == 0, run.stderr
    report = json.loads((out / "report.json").read_text())
    videos = open_dataset("custom", corpus / "videos")
    for fold, name in enumerate(("v0", "v1")):
        trained = yaml.safe_load((out / f"fold_{fold}" / "config.yaml").read_text())
        assert trained["data"]["datasets"][0]["exclude"] == [name]
        entry = report["folds"][fold]
        checkpoint = out / f"fold_{fold}" / "checkpoints" / "epoch_0002.pth"
        assert entry["checkpoint"] == str(checkpoint)
        assert entry["per_sequence"][name] == pytest.approx(
            expected_auc(checkpoint, videos.sequence(name)), abs=1e-9
        )
    # the two folds' models differ: each saw another corpus
    nets = [
        torch.load(out / f"fold_{k}" / "checkpoints" / "epoch_0002.pth", weights_only=True)["net"]
        for k in (0, 1)
    ]
    assert any(not torch.equal(nets[0][key], nets[1][key]) for key in nets[0])
    assert report["mean_over_sequences"] == pytest.approx(sum(report["fold_means"]) / 2)

    # an interrupted fold resumes from its last checkpoint, bit for bit; scored folds are kept
    final = out / "fold_0" / "checkpoints" / "epoch_0002.pth"
    final.unlink()
    (out / "report.json").unlink()
    again = cross_validate(*args, "--epoch", "2", *SETTINGS, "-o", str(out))
    assert again.returncode == 0, again.stderr
    assert "--resume" in again.stdout and "epoch_0001.pth" in again.stdout
    assert json.loads((out / "report.json").read_text())["folds"] == report["folds"]
    kept = cross_validate(*args, "--epoch", "2", *SETTINGS, "-o", str(out))  # nothing trained or scored again
    assert kept.returncode == 0 and "fold 0:" not in kept.stdout and "fold 1:" not in kept.stdout
    other_config = cross_validate(*args, "--epoch", "2", *SETTINGS, "-o", str(out), "train.lr=0.01")
    assert other_config.returncode == 2 and "other settings" in other_config.stderr


def test_a_reference_checkpoint_is_scored_on_every_fold_untrained(corpus):
    out = corpus / "reference"
    checkpoint = corpus / "run" / "fold_1" / "checkpoints" / "epoch_0002.pth"
    args = ("-c", str(corpus / "tiny.yaml"), "--folds", str(corpus / "folds.yaml"), "--verb", "train")
    run = cross_validate(*args, "--checkpoint", str(checkpoint), *SETTINGS, "-o", str(out))
    assert run.returncode == 0, run.stderr
    assert not list(out.glob("fold_*"))
    report = json.loads((out / "report.json").read_text())
    videos = open_dataset("custom", corpus / "videos")
    for fold, name in enumerate(("v0", "v1")):
        assert report["folds"][fold]["per_sequence"][name] == pytest.approx(
            expected_auc(checkpoint, videos.sequence(name)), abs=1e-9
        )
    other = cross_validate(*args, "--checkpoint", str(checkpoint), "--starts", "1", "-o", str(out))
    assert other.returncode == 2 and other.stderr.startswith("error:") and "other settings" in other.stderr


@pytest.mark.parametrize(
    ("folds", "message"),
    [
        ("folds: [[v0], [v0, v1]]\n", "more than one fold"),
        ("folds: []\n", "non-empty"),
        ("dataset: 5\nfolds: [[v0]]\n", "not in"),
        ("dataset: first\nfolds: [[v0]]\n", "'dataset' must be an index"),
        ("[v0, v1]\n", "'folds' must be"),
        ("folds: [[v0], [v7]]\n", "unknown sequence(s) v7"),
    ],
)
def test_bad_folds_are_refused_in_one_line(corpus, tmp_path, folds, message):
    (tmp_path / "folds.yaml").write_text(folds)
    run = cross_validate(
        "-c", str(corpus / "tiny.yaml"), "--folds", str(tmp_path / "folds.yaml"), "--verb", "train",
        "--epoch", "2", "-o", str(tmp_path / "out"),
    )  # fmt: skip
    assert run.returncode == 2 and message in run.stderr and len(run.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "out").exists()
