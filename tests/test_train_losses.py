"""Per-sample tracking losses on hand-computed cases."""

import math

import numpy as np
import pytest
import torch

from edgetrack.train.losses import (
    BoxLossWeights,
    focal_per_sample,
    gaussian_label,
    gaussian_radius,
    giou_per_sample,
    l1_per_sample,
    tracking_losses,
)


def test_focal_by_hand():
    score = torch.tensor([[[[0.5, 0.2], [0.1, 0.9]]]])
    label = torch.tensor([[[[1.0, 0.5], [0.0, 0.0]]]])
    pos = math.log(0.5) * 0.5**2
    neg = math.log(0.8) * 0.2**2 * 0.5**4 + math.log(0.9) * 0.1**2 + math.log(0.1) * 0.9**2
    assert focal_per_sample(score, label).item() == pytest.approx(-(pos + neg), rel=1e-6)
    # no peak: the negative sum alone (every cell negative with weight 1); samples are independent
    two = focal_per_sample(torch.cat([score, score]), torch.cat([label, torch.zeros_like(label)]))
    no_peak = sum(math.log(1 - v) * v**2 for v in (0.5, 0.2, 0.1, 0.9))
    assert two[0].item() == pytest.approx(-(pos + neg), rel=1e-6)
    assert two[1].item() == pytest.approx(-no_peak, rel=1e-6)


def test_giou_and_l1_by_hand():
    pred = torch.tensor([[0.0, 0.0, 2.0, 2.0], [0.0, 0.0, 1.0, 1.0]])
    gt = torch.tensor([[1.0, 1.0, 3.0, 3.0], [0.0, 0.0, 1.0, 1.0]])
    loss, iou = giou_per_sample(pred, gt)
    assert iou.tolist() == pytest.approx([1 / 7, 1.0])
    assert loss.tolist() == pytest.approx([1 - (1 / 7 - 2 / 9), 0.0])
    assert l1_per_sample(pred, gt).tolist() == pytest.approx([1.0, 0.0])


def test_gaussian_radius_and_label():
    assert gaussian_radius(4, 4, 0.7) == pytest.approx((-11.2 + math.sqrt(11.2**2 + 4 * 2.8 * 4.8)) / 2)
    label = gaussian_label(torch.tensor([[0.25, 0.25, 0.25, 0.25]]), 16)[0, 0].numpy()
    assert label[6, 6] == 1.0 and (label == 1).sum() == 1
    assert label[6, 7] == pytest.approx(math.exp(-2)) and label[7, 7] == pytest.approx(math.exp(-4))
    assert label[6, 8] == 0 and label[5, 5] == pytest.approx(math.exp(-4))
    # centre rounds half to even, like torch.round: 6.5 -> 6
    label = gaussian_label(torch.tensor([[4.5 / 16, 0.25, 0.25, 0.25]]), 16)[0, 0].numpy()
    assert np.unravel_index(label.argmax(), label.shape) == (6, 6)


def test_tracking_losses_per_sample_weights():
    torch.manual_seed(0)
    score = torch.rand(3, 1, 16, 16) * 0.9 + 0.05
    outputs = {"score_map": score, "pred_boxes": torch.tensor([[[0.5, 0.5, 0.2, 0.2]]] * 3)}
    gt = torch.tensor([[0.4, 0.4, 0.2, 0.2], [0.1, 0.2, 0.3, 0.3], [0.6, 0.5, 0.1, 0.2]])
    out = tracking_losses(outputs, gt, BoxLossWeights())
    assert out.per_sample.shape == (3,) and out.iou[0].item() == pytest.approx(1.0)
    one = tracking_losses({k: v[1:2] for k, v in outputs.items()}, gt[1:2], BoxLossWeights())
    assert out.per_sample[1].item() == pytest.approx(one.per_sample.item(), rel=1e-6)
    only_l1 = tracking_losses(outputs, gt, BoxLossWeights(focal=0, giou=0, l1=5))
    assert only_l1.per_sample[0].item() == pytest.approx(0.0, abs=1e-6)
    assert only_l1.per_sample[1].item() == pytest.approx(5 * np.mean([0.3, 0.2, 0.2, 0.1]), rel=1e-5)
