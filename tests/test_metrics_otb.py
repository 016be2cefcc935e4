"""OTB-convention metrics on hand-built cases."""

import numpy as np
import pytest

from edgetrack.metrics import overlaps_and_errors, precision_at, success_auc, success_curve


def test_success_is_strictly_greater_at_ties():
    curve = success_curve(np.array([0.5, 0.5]))
    # thresholds 0, .05, ..., .45 pass (10 of them); 0.5 itself fails (strict >).
    assert curve[:10].tolist() == [1.0] * 10 and curve[10:].max() == 0.0
    assert curve.mean() == pytest.approx(10 / 21)


def test_first_frame_is_ground_truth_and_invalid_gt_fails():
    gt = np.array([[0, 0, 10, 10], [0, 0, 10, 10], [np.nan] * 4, [0, 0, 10, 10]], float)
    pred = np.array([[50, 50, 1, 1], [0, 0, 10, 10], [0, 0, 10, 10], [0, 0, 10, 10]], float)
    iou, err = overlaps_and_errors(pred, gt)
    assert iou.tolist() == [1.0, 1.0, -1.0, 1.0]
    assert np.isinf(err[2])
    # three frames at IoU 1 pass all thresholds but 1.0 (strict >); the NaN frame fails them all.
    assert success_auc(pred, gt) == pytest.approx(3 / 4 * 20 / 21)
    assert precision_at(pred, gt) == pytest.approx(3 / 4)


def test_invalid_prediction_repeats_previous():
    gt = np.array([[0, 0, 10, 10]] * 3, float)
    pred = np.array([[0, 0, 10, 10], [5, 0, 10, 10], [0, 0, -1, 10]], float)
    iou, _ = overlaps_and_errors(pred, gt)
    assert iou[2] == pytest.approx(50 / 150)
