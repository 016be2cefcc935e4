"""Negative training pairs (data.negative_probability): the search region comes from another sequence,
the score label is all zero and the box and teacher terms are off."""

from __future__ import annotations

import json

import cv2
import numpy as np
import pytest
import torch
from train_helpers import tiny_config, tiny_sources

from edgetrack.datasets import Sequence
from edgetrack.errors import EdgetrackError
from edgetrack.train.blackbox import BlackBoxObjective
from edgetrack.train.config import SamplerConfig
from edgetrack.train.data import PairDataset, Source
from edgetrack.train.distill import DistillConfig
from edgetrack.train.losses import BoxLossWeights, focal_per_sample, tracking_losses
from edgetrack.train.processing import PairProcessing
from edgetrack.train.trainer import Trainer

PROCESSING = PairProcessing(
    template_size=32, search_size=64, center_jitter=0.0, scale_jitter=0.0, grayscale_probability=0.0,
    brightness_jitter=0.0,
)  # fmt: skip


def plain_sequences(folder, grey_levels) -> list[Source]:
    """One 10-frame sequence per grey level: every frame that grey, the same box throughout."""
    sequences = []
    for level in grey_levels:
        paths = []
        for i in range(10):
            path = folder / f"grey{level}_{i}.png"
            cv2.imwrite(str(path), np.full((64, 64, 3), level, np.uint8))
            paths.append(path)
        sequences.append(Sequence(f"grey{level}", paths, np.tile([24.0, 24.0, 16.0, 16.0], (10, 1))))
    return [Source("plain", sequences, 1.0, True)]


def centre_value(crop: np.ndarray) -> float:
    return float(crop[0, crop.shape[1] // 2, crop.shape[2] // 2])


def test_negative_pairs_take_the_search_region_from_another_sequence(tmp_path):
    sources = plain_sequences(tmp_path, (40, 120, 200))
    sampler = SamplerConfig(max_interval=5, bin_width=1)
    dataset = PairDataset(sources, sampler, PROCESSING, 200, seed=0, negative_probability=0.3)
    items = [dataset[i] for i in range(200)]
    negative = np.array([item["negative"] for item in items])
    assert 0.2 < negative.mean() < 0.4
    same_grey = np.array([centre_value(it["template"]) == centre_value(it["search"]) for it in items])
    assert np.array_equal(same_grey, negative == 0)  # a negative's search region is another sequence's
    plain = PairDataset(sources, sampler, PROCESSING, 200, seed=0)
    assert all(plain[i]["negative"] == 0 for i in range(20))


def test_negative_pairs_are_refused_with_a_single_sequence(tmp_path):
    with pytest.raises(EdgetrackError, match="at least two training sequences"):
        PairDataset(plain_sequences(tmp_path, (40,)), SamplerConfig(), PROCESSING, 8, seed=0,
                    negative_probability=0.2)  # fmt: skip


def test_a_negative_has_an_all_zero_label_and_no_box_gradient():
    torch.manual_seed(0)
    score = torch.rand(2, 1, 8, 8, requires_grad=True)
    boxes = torch.tensor([[[0.5, 0.5, 0.2, 0.2]], [[0.4, 0.6, 0.3, 0.1]]], requires_grad=True)
    target = torch.tensor([[0.35, 0.45, 0.2, 0.25], [0.3, 0.5, 0.2, 0.2]])
    out = tracking_losses({"score_map": score, "pred_boxes": boxes}, target, BoxLossWeights(),
                          negative=torch.tensor([0.0, 1.0]))  # fmt: skip
    expected = focal_per_sample(score[1:].detach(), torch.zeros(1, 1, 8, 8))
    torch.testing.assert_close(out.per_sample[1].detach(), expected[0])
    positive = tracking_losses({"score_map": score, "pred_boxes": boxes}, target, BoxLossWeights())
    torch.testing.assert_close(out.per_sample[0], positive.per_sample[0])
    out.per_sample.sum().backward()
    assert boxes.grad[1].abs().sum() == 0 and boxes.grad[0].abs().sum() > 0


def test_the_teacher_is_not_followed_on_a_negative():
    torch.manual_seed(0)
    score = torch.rand(2, 1, 8, 8)
    outputs = {"score_map": score, "pred_boxes": torch.tensor([[[0.5, 0.5, 0.2, 0.2]]] * 2)}
    batch = {
        "search_box": torch.tensor([[0.4, 0.4, 0.2, 0.2]] * 2),
        "teacher_score": torch.rand(2, 1, 8, 8),
        "teacher_box": torch.tensor([[0.1, 0.1, 0.3, 0.3]] * 2),
        "teacher_confidence": torch.tensor([0.9, 0.9]),
        "negative": torch.tensor([0.0, 1.0]),
        "template": None, "search": None,
    }  # fmt: skip
    objective = BlackBoxObjective(DistillConfig(min_confidence=0.5), BoxLossWeights())
    out = objective(lambda template, search: outputs, batch, {})
    zero_label = focal_per_sample(score[1:], torch.zeros(1, 1, 8, 8))[0]
    torch.testing.assert_close(out.per_sample[1], zero_label)
    assert out.per_sample[0] > tracking_losses(outputs, batch["search_box"], BoxLossWeights()).per_sample[0]


def test_trainer_with_negatives_and_sstrack_schedules_on_positive_pairs_only(tmp_path):
    config = tiny_config(
        tmp_path, "data.negative_probability=0.5", "data.samples_per_epoch=16", "train.epochs=2"
    )
    trainer = Trainer(config, tmp_path / "run", sources=tiny_sources(tmp_path))
    trainer.fit()
    records = [json.loads(line) for line in (tmp_path / "run" / "metrics.jsonl").read_text().splitlines()]
    for record in records:
        assert np.isfinite(record["loss"]) and 0 <= record["mean_iou"] <= 1
        assert 0 < sum(record["bin_counts"]) < 16  # the negatives are not counted in the scheduler's bins


def test_negative_probability_is_checked(tmp_path):
    for value in ("1.0", "-0.1"):
        with pytest.raises(EdgetrackError, match="negative_probability"):
            tiny_config(tmp_path, f"data.negative_probability={value}")


def sequence_with_an_absence(folder) -> Sequence:
    """10 frames of a horizontal ramp (red = 3 x column) whose box moves 2 px a frame; the target is absent
    in frames 5-7 (NaN boxes), whose green channel is 255 (0 elsewhere)."""
    paths, boxes = [], []
    for i in range(10):
        frame = np.zeros((64, 64, 3), np.uint8)
        frame[..., 2] = 3 * np.arange(64, dtype=np.uint8)  # red (cv2 writes BGR)
        absent = i in (5, 6, 7)
        frame[..., 1] = 255 if absent else 0
        path = folder / f"ramp_{i}.png"
        cv2.imwrite(str(path), frame)
        paths.append(path)
        boxes.append([np.nan] * 4 if absent else [4.0 + 2 * i, 24.0, 16.0, 16.0])
    return Sequence("ramp", paths, np.array(boxes))


def test_absent_frame_negatives_search_the_templates_own_sequence_where_the_target_was_last_seen(tmp_path):
    sources = [Source("ramp", [sequence_with_an_absence(tmp_path)], 1.0, True)]
    sampler = SamplerConfig(max_interval=5, bin_width=1)
    dataset = PairDataset(sources, sampler, PROCESSING, 200, seed=0, absent_probability=0.3)
    items = [dataset[i] for i in range(200)]
    negative = np.array([item["negative"] for item in items])
    assert 0.2 < negative.mean() < 0.4
    green_centre = np.array([item["search"][1, 32, 32] for item in items])
    absent_frame = green_centre > green_centre.min() + 1.0  # the search crop is one of frames 5-7
    assert np.array_equal(absent_frame, negative == 1)
    # cropped around frame 4's box (the last seen before the absence): centre column 20, red 60
    expected_red = (60 / 255 - 0.485) / 0.229
    red_centre = np.array([item["search"][0, 32, 32] for item in items])
    np.testing.assert_allclose(red_centre[negative == 1], expected_red, atol=0.06)


def test_absent_frame_negatives_fall_back_to_ordinary_pairs_without_absences(tmp_path):
    sources = plain_sequences(tmp_path, (40,))
    dataset = PairDataset(sources, SamplerConfig(), PROCESSING, 50, seed=0, absent_probability=0.5)
    assert all(dataset[i]["negative"] == 0 for i in range(50))


def test_absent_probability_is_checked(tmp_path):
    for overrides in (
        ["data.absent_probability=1.0"],
        ["data.absent_probability=0.6", "data.negative_probability=0.5"],
    ):
        with pytest.raises(EdgetrackError, match="absent_probability"):
            tiny_config(tmp_path, *overrides)
