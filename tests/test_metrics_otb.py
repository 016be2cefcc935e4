"""OTB-convention metrics (MATLAB OTB toolkit rules) on hand-built cases."""

import numpy as np
import pytest

from edgetrack.metrics import overlaps_and_errors, precision_at, success_auc, success_curve
from edgetrack.metrics.protocols import protocol_for


def test_success_is_strictly_greater_at_ties():
    curve = success_curve(np.array([0.5, 0.5]))
    # thresholds 0, .05, ..., .45 pass (10 of them); 0.5 itself fails (strict >).
    assert curve[:10].tolist() == [1.0] * 10 and curve[10:].max() == 0.0
    assert curve.mean() == pytest.approx(10 / 21)


def test_first_frame_is_ground_truth_and_invalid_gt_fails_overlap_only():
    gt = np.array([[1, 1, 10, 10], [1, 1, 10, 10], [np.nan] * 4, [1, 1, 10, 10]], float)
    pred = np.array([[50, 50, 1, 1], [1, 1, 10, 10], [1, 1, 10, 10], [1, 1, 10, 10]], float)
    iou, err = overlaps_and_errors(pred, gt)
    assert iou.tolist() == [1.0, 1.0, -1.0, 1.0]
    assert err[2] == -1.0  # the toolkit's errCenter(~idx) = -1: a hit at every precision threshold
    # three frames at IoU 1 pass all thresholds but 1.0 (strict >); the NaN frame fails them all.
    assert success_auc(pred, gt) == pytest.approx(3 / 4 * 20 / 21)
    assert precision_at(pred, gt) == pytest.approx(4 / 4)


def test_gt_touching_left_border_is_invalid_like_the_toolkit():
    gt = np.array([[5, 5, 10, 10], [0, 5, 10, 10]], float)
    iou, _ = overlaps_and_errors(gt.copy(), gt)
    assert iou.tolist() == [1.0, -1.0]


def test_invalid_prediction_repeats_previous():
    gt = np.array([[1, 1, 10, 10]] * 3, float)
    pred = np.array([[1, 1, 10, 10], [6, 1, 10, 10], [1, 1, -1, 10]], float)
    iou, err = overlaps_and_errors(pred, gt)
    assert iou[2] == pytest.approx(50 / 150)
    assert err[2] == pytest.approx(5.0)


def test_dataset_curve_leaves_out_all_zero_sequences_and_averages_the_rest():
    protocol = protocol_for("otb")
    a = {"success": np.full(21, 0.5), "precision": np.full(51, 1.0)}
    b = {"success": np.full(21, 1.0), "precision": np.full(51, 0.0)}
    summary = protocol.summarise([a, b])
    assert summary.metrics["AUC"] == pytest.approx(0.75)
    assert summary.metrics["P@20"] == pytest.approx(1.0)  # b's all-zero precision curve is dropped
