"""Black-box distillation: an ONNX teacher's targets, the objective, `edgetrack distill --teacher X.onnx`."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from runtime_models import pooled_score_model
from train_helpers import TINY_MODEL, tiny_config, tiny_sources

from edgetrack.datasets import read_rgb
from edgetrack.errors import EdgetrackError
from edgetrack.models.config import TrackerConfig
from edgetrack.models.ostrack import build_tracker
from edgetrack.train.blackbox import BlackBoxObjective
from edgetrack.train.data import PairDataset, processing_from
from edgetrack.train.distill import DistillConfig, load_distill_config
from edgetrack.train.losses import BoxLossWeights, tracking_losses
from edgetrack.train.teacher import BlackBoxTeacher, resample_score_map

ROOT = Path(__file__).resolve().parents[1]
STUDENT = {**TINY_MODEL, "patch_size": 8}  # 64 / 8: an 8x8 score map against the teacher's 4x4


def test_resample_score_map_keeps_the_peak_at_the_same_crop_position():
    teacher = np.zeros((16, 16), np.float32)
    teacher[8, 4] = 1.0  # target centre at (4/16, 8/16) of the crop
    student = resample_score_map(teacher, 12)
    assert np.unravel_index(np.argmax(student), student.shape) == (6, 3)  # (3/12, 6/12)
    assert student[6, 3] == pytest.approx(1.0)
    identity = np.random.default_rng(0).random((12, 12)).astype(np.float32)
    np.testing.assert_array_equal(resample_score_map(identity, 12), identity)
    upsampled = resample_score_map(np.arange(4, dtype=np.float32)[None].repeat(4, 0), 8)
    np.testing.assert_allclose(upsampled[0], [0, 0.5, 1, 1.5, 2, 2.5, 3, 3], atol=1e-6)


def test_teacher_targets_on_the_student_grid(tmp_path):
    teacher = BlackBoxTeacher(pooled_score_model(tmp_path / "t.onnx", 16, 32, 4, size=0.25), 8)
    template = np.zeros((16, 16, 3), np.float32)
    search = np.zeros((32, 32, 3), np.float32)
    search[8:16, 16:24] = 255.0  # the brightest cell: row 1, column 2 of the 4x4 map
    targets = teacher.targets(template, search)
    assert targets["teacher_score"].shape == (1, 8, 8)
    assert np.unravel_index(np.argmax(targets["teacher_score"][0]), (8, 8)) == (2, 4)
    assert targets["teacher_score"].min() >= 0 and targets["teacher_score"].max() <= 1
    # cell (1, 2) with offset 0.5 and size 0.25: centre (2.5/4, 1.5/4)
    np.testing.assert_allclose(targets["teacher_box"], [0.5, 0.25, 0.25, 0.25], atol=1e-6)
    assert targets["teacher_confidence"] == pytest.approx(1.0, abs=1e-4)


def test_teacher_whose_io_does_not_fit_is_refused(tmp_path):
    bad = pooled_score_model(
        tmp_path / "bad.onnx", output_names=("score", "size", "offset"), extra_output=True
    )
    with pytest.raises(EdgetrackError, match="teacher .*bad.onnx does not fit the model contract"):
        BlackBoxTeacher(bad, 8)


def test_teacher_with_other_crop_factors_is_refused(tmp_path):
    meta = {"template_size": 16, "search_size": 32, "feat_size": 4, "search_factor": 5.0}
    teacher = BlackBoxTeacher(pooled_score_model(tmp_path / "t.onnx", metadata=meta), 8)
    with pytest.raises(EdgetrackError, match="give the student the teacher's factors"):
        teacher.check_regions(2.0, 4.0)


def test_teacher_sees_the_same_augmented_regions(tmp_path):
    """The teacher's crops are the student's regions (and flips) at the teacher's sizes."""
    config = tiny_config(tmp_path, "data.grayscale_probability=0.0", "data.brightness_jitter=0.0")
    teacher = BlackBoxTeacher(pooled_score_model(tmp_path / "t.onnx", 64, 128, 4), 8)
    processing = processing_from(config.data, TrackerConfig.from_dict(STUDENT), teacher)
    sequence = tiny_sources(tmp_path)[0].sequences[0]
    frames = [read_rgb(path) for path in sequence.frames[:2]]
    mean, std = np.array([0.485, 0.456, 0.406]), np.array([0.229, 0.224, 0.225])
    compared = 0
    for seed in range(8):
        out = processing(frames[0], sequence.gt[0], frames[1], sequence.gt[1], np.random.default_rng(seed))
        if out is None:
            continue
        student = out["search"].transpose(1, 2, 0) * std + mean  # 64 x 64, in [0, 1]
        halved = out["teacher_search"].reshape(64, 2, 64, 2, 3).mean(axis=(1, 3)) / 255.0  # 128 -> 64
        assert np.abs(student - halved).mean() < 0.03
        assert np.abs(student - halved[:, ::-1]).mean() > 0.06  # a flip of one crop alone would show
        compared += 1
    assert compared >= 4


def _batch(dataset: PairDataset, n: int) -> dict:
    items = [dataset[i] for i in range(n)]
    return {k: torch.as_tensor(np.stack([item[k] for item in items])) for k in items[0]}


def test_onnx_teacher_drives_distillation_and_its_terms_decrease(tmp_path, single_torch_thread):
    config = tiny_config(tmp_path)
    student_config = TrackerConfig.from_dict(STUDENT)
    teacher = BlackBoxTeacher(pooled_score_model(tmp_path / "t.onnx", 16, 32, 4, size=0.25), 8)
    processing = processing_from(config.data, student_config, teacher)
    dataset = PairDataset(tiny_sources(tmp_path), config.sampler, processing, 16, seed=0, teacher=teacher)
    batch = _batch(dataset, 16)
    assert batch["teacher_score"].shape == (16, 1, 8, 8) and batch["teacher_box"].shape == (16, 4)
    torch.manual_seed(0)
    student = build_tracker(student_config)
    objective = BlackBoxObjective(DistillConfig(gt_weight=0.0, min_confidence=0.0), BoxLossWeights())
    optimizer = torch.optim.AdamW(student.parameters(), lr=5e-3)
    history = []
    for _ in range(30):
        out = objective(student, batch, {})
        optimizer.zero_grad()
        out.per_sample.mean().backward()
        optimizer.step()
        history.append({k: float(out.logs[k]) for k in ("teacher_score", "teacher_box")})
    for term, bound in (("teacher_score", 0.85), ("teacher_box", 0.8)):
        first, last = history[0][term], np.mean([h[term] for h in history[-3:]])
        assert last < bound * first, (term, first, last)


def test_agreement_gate_drops_the_teacher_where_it_follows_something_else():
    """With agreement_iou the teacher's terms count only on pairs whose teacher box overlaps the truth."""
    torch.manual_seed(0)
    outputs = {"score_map": torch.rand(2, 1, 8, 8), "pred_boxes": torch.tensor([[[0.5, 0.5, 0.2, 0.2]]] * 2)}
    batch = {
        "search_box": torch.tensor([[0.4, 0.4, 0.2, 0.2]] * 2),
        "teacher_score": torch.rand(2, 1, 8, 8),
        "teacher_box": torch.tensor([[0.42, 0.41, 0.2, 0.2], [0.05, 0.05, 0.2, 0.2]]),  # on it / elsewhere
        "teacher_confidence": torch.tensor([0.9, 0.9]),
        "template": None, "search": None,
    }  # fmt: skip
    gt_only = tracking_losses(outputs, batch["search_box"], BoxLossWeights()).per_sample
    model = lambda template, search: outputs  # noqa: E731
    out = BlackBoxObjective(DistillConfig(agreement_iou=0.5), BoxLossWeights())(model, batch, {})
    torch.testing.assert_close(out.per_sample[1], gt_only[1])  # the teacher that is elsewhere is ignored
    assert out.per_sample[0] > gt_only[0] + 0.1  # the teacher that agrees still counts
    assert float(out.logs["agrees"]) == 0.5
    ungated = BlackBoxObjective(DistillConfig(), BoxLossWeights())(model, batch, {})
    assert ungated.per_sample[1] > gt_only[1] + 0.1
    torch.testing.assert_close(ungated.per_sample[0], out.per_sample[0])


def test_agreement_iou_outside_0_1_is_refused(tmp_path):
    config = _blackbox_config(tmp_path)
    with pytest.raises(EdgetrackError, match="agreement_iou"):
        load_distill_config(config, ["distill.agreement_iou=1.5"])


def run_distill(*args: str) -> subprocess.CompletedProcess:
    env = {"COLUMNS": "200", "OMP_NUM_THREADS": "1", "PATH": "/usr/bin:/bin"}
    command = [sys.executable, "-m", "edgetrack", "distill", *args]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=180, env=env)


def _blackbox_config(tmp_path: Path) -> Path:
    tiny_sources(tmp_path)
    path = tmp_path / "bb.yaml"
    path.write_text(
        f"model: {STUDENT}\n"
        f"data: {{datasets: [{{kind: custom, root: {tmp_path / 'videos'}}}], samples_per_epoch: 8}}\n"
        "distill: {score_weight: 2.0, min_confidence: 0.0}\n"
        "train: {epochs: 1, batch_size: 4, device: cpu, threads: 1, checkpoint_every: 1}\n"
    )
    return path


def test_distill_cli_with_an_onnx_teacher_writes_a_plain_student(tmp_path):
    teacher = pooled_score_model(tmp_path / "t.onnx", 16, 32, 4)
    result = run_distill(
        "-c", str(_blackbox_config(tmp_path)), "--teacher", str(teacher), "-o", str(tmp_path / "run")
    )
    assert result.returncode == 0, result.stderr
    state = torch.load(tmp_path / "run" / "student.pth", weights_only=True)
    student = build_tracker(TrackerConfig.from_dict(state["model_config"]))
    student.load_state_dict(state["net"], strict=True)
    assert state["distilled_from"] == str(teacher)
    record = json.loads((tmp_path / "run" / "metrics.jsonl").read_text().splitlines()[-1])
    terms = record["terms"]  # the objective's terms, averaged over the epoch
    assert {"track", "teacher_score", "teacher_box", "confident", "agrees"} <= terms.keys()
    assert terms["agrees"] == 1.0 and terms["teacher_score"] > 0  # the gate is off by default


def test_distill_cli_refuses_a_teacher_that_does_not_fit_and_writes_nothing(tmp_path):
    bad = pooled_score_model(tmp_path / "bad.onnx", extra_output=True)
    run = tmp_path / "run"
    result = run_distill("-c", str(_blackbox_config(tmp_path)), "--teacher", str(bad), "-o", str(run))
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert (
        len(lines) == 1 and "does not fit the model contract" in lines[0] and "Traceback" not in result.stderr
    )
    assert not run.exists()


def test_blackbox_weights_are_checked(tmp_path):
    config = _blackbox_config(tmp_path)
    with pytest.raises(EdgetrackError, match="distill.score_weight must be >= 0"):
        load_distill_config(config, ["distill.score_weight=-1"])
    with pytest.raises(EdgetrackError, match="min_confidence"):
        load_distill_config(config, ["distill.min_confidence=2"])
