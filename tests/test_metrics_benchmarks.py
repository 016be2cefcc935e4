"""LaSOT, GOT-10k and TrackingNet conventions on hand-built cases, values worked out by hand."""

import numpy as np
import pytest

from edgetrack.metrics import got10k_ious, got10k_scores, lasot_curves, trackingnet_curves, trapezoid_area


def test_lasot_absent_frames_removed_but_counted_in_denominator():
    gt = np.array([[10, 10, 20, 20], [10, 10, 20, 20], [0, 0, 0, 0], [10, 10, 20, 20]], float)
    absent = np.array([0, 0, 1, 0], bool)
    pred = np.array([[0, 0, 5, 5], [10, 10, 20, 20], [10, 10, 20, 20], [30, 10, 20, 20]], float)
    curves = lasot_curves(pred, gt, absent)
    # kept frames: 0 (set to gt, IoU 1), 1 (IoU 1), 3 (IoU 0); denominator 4 frames.
    assert curves["success"][0] == pytest.approx(2 / 4)
    assert curves["success"][-1] == 0.0
    assert curves["success"].mean() == pytest.approx(2 / 4 * 20 / 21)
    # centre errors 0, 0, 20 px: at 20 px all three pass, 19 px two.
    assert curves["precision"][20] == pytest.approx(3 / 4)
    assert curves["precision"][19] == pytest.approx(2 / 4)
    # normalised error of frame 3: 20 / 20 = 1.0 > 0.5; frames 0, 1: 0.
    assert curves["norm_precision"][20] == pytest.approx(2 / 4)


def test_lasot_cuts_longer_predictions():
    gt = np.array([[10, 10, 20, 20]] * 2, float)
    pred = np.array([[10, 10, 20, 20]] * 3, float)
    assert lasot_curves(pred, gt, None)["success"][0] == 1.0


def test_got10k_skips_frame0_filters_cover_and_pools_frames():
    gt_a = np.array([[0, 0, 10, 10]] * 3, float)
    pred_a = np.array([[50, 50, 10, 10], [0, 0, 10, 10], [0, 0, 10, 10]], float)
    cover_a = np.array([8, 8, 0])  # frame 2 invisible: left out
    ious_a = got10k_ious(pred_a, gt_a, cover_a, (100, 100))
    assert ious_a.tolist() == [1.0]  # frame 0 skipped even though it is wrong
    gt_b = np.array([[0, 0, 10, 10]] * 4, float)
    pred_b = np.array([[0, 0, 10, 10], [5, 0, 10, 10], [5, 0, 10, 10], [5, 0, 10, 10]], float)
    ious_b = got10k_ious(pred_b, gt_b, np.array([8, 8, 8, 8]), (100, 100))
    assert ious_b == pytest.approx([1 / 3] * 3)
    scores = got10k_scores([ious_a, ious_b])
    # pooled over 4 frames (not a mean of per-sequence means, which would be (1 + 1/3) / 2).
    assert scores["AO"] == pytest.approx((1 + 3 / 3) / 4)
    assert scores["SR0.5"] == pytest.approx(1 / 4)


def test_got10k_clips_boxes_to_the_frame_like_the_toolkit():
    # pred x=-10, w=20: x clipped to 0 and w stays 20 (clipped against W - 0), so it matches gt exactly.
    ious = got10k_ious(
        np.array([[0, 0, 1, 1], [-10, 0, 20, 10]]), np.array([[0, 0, 1, 1], [0, 0, 20, 10]]), None, (50, 50)
    )
    assert ious.tolist() == [1.0]


def test_trackingnet_rounds_and_integrates_by_trapezoid():
    gt = np.array([[10, 10, 10, 10], [10, 10, 10, 10]], float)
    pred = np.array([[0, 0, 1, 1], [10.4, 10.4, 9.6, 10.2]], float)  # rounds to exactly gt
    curves = trackingnet_curves(pred, gt)
    assert curves["success"].tolist() == [1.0] * 21  # iou >= threshold: a perfect frame passes 1.0 too
    assert trapezoid_area(curves["success"]) == pytest.approx(1.0)
