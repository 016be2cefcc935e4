"""Crop, window, decoding and map-back against hand-computed cases."""

import math

import numpy as np
import pytest

from edgetrack.boxes import check_init_box, iou_xywh, parse_box
from edgetrack.errors import EdgetrackError
from edgetrack.postprocess import clip_box, damp_size, decode_peak, hann1d, hann2d, map_box_back, next_box
from edgetrack.preprocess import Normalizer, crop_window, sample_target


def test_crop_window_side_and_rounding():
    # side = ceil(sqrt(10*40)*2) = 40; centre x = 5+5 = 10 -> 10-20 = -10; y = 20+20-20 = 20
    assert crop_window((5, 20, 10, 40), 2.0) == crop_window((5.0, 20.0, 10.0, 40.0), 2.0)
    win = crop_window((5, 20, 10, 40), 2.0)
    assert (win.x1, win.y1, win.side) == (-10, 20, 40)
    # Python rounds half to even: centre 2.5 - side/2 with side 5 -> round(0.0)... use 0.5 and 1.5
    assert crop_window((0, 0, 1, 1), 1.0).x1 == round(0.5 - 0.5)
    assert crop_window((1, 0, 1, 1), 3.0).x1 == round(1.5 - 1.5)
    assert crop_window((0, 0, 2, 2), 1.5).x1 == round(1 - 1.5)  # round(-0.5) == 0 (half to even)


def test_sample_target_inside_is_plain_crop():
    frame = np.arange(100 * 120 * 3, dtype=np.uint32).reshape(100, 120, 3).astype(np.uint8)
    crop, factor = sample_target(frame, (40, 30, 20, 20), 2.0, 40)  # side 40 -> no resize
    assert factor == 1.0
    np.testing.assert_array_equal(crop, frame[20:60, 30:70])


def test_sample_target_pads_with_reference_edge_convention():
    frame = np.full((50, 60, 3), 7, dtype=np.uint8)
    # Box at the top-left corner: side ceil(sqrt(100)*2)=20, x1 = round(5-10) = -5.
    crop, _ = sample_target(frame, (0, 0, 10, 10), 2.0, 20)
    assert crop[:5].max() == 0 and crop[:, :5].max() == 0
    assert (crop[5:, 5:] == 7).all()
    # A crop ending exactly at the right edge still drops the frame's last column (x2 - W + 1).
    crop, _ = sample_target(frame, (45, 20, 10, 10), 2.0, 20)  # x1 = 40, x2 = 60 == W
    assert (crop[:, -1] == 0).all() and (crop[:, :-1] == 7).all()


def test_sample_target_outside_frame_is_zero():
    frame = np.full((50, 60, 3), 9, dtype=np.uint8)
    crop, _ = sample_target(frame, (500, 500, 10, 10), 2.0, 16)
    assert crop.shape == (16, 16, 3) and crop.max() == 0


def test_normalizer_matches_formula():
    crop = np.random.default_rng(0).integers(0, 256, (4, 5, 3), dtype=np.uint8)
    mean, std = np.array([0.485, 0.456, 0.406]), np.array([0.229, 0.224, 0.225])
    expected = ((crop / 255.0 - mean) / std).transpose(2, 0, 1)[None]
    np.testing.assert_allclose(Normalizer()(crop), expected, atol=1e-5)
    # mean/std are given in the model's channel order: for a BGR model they apply after the swap.
    expected_bgr = ((crop[..., ::-1] / 255.0 - mean) / std).transpose(2, 0, 1)[None]
    np.testing.assert_allclose(Normalizer(bgr=True)(crop), expected_bgr, atol=1e-5)


def test_hann_window_formula():
    n = 4
    expected = [0.5 * (1 - math.cos(2 * math.pi * k / 5)) for k in range(1, 5)]
    np.testing.assert_allclose(hann1d(n), expected)
    w = hann2d(16)
    assert w.shape == (16, 16) and np.allclose(w, w.T)
    assert np.argmax(w) in (7 * 16 + 7, 7 * 16 + 8, 8 * 16 + 7, 8 * 16 + 8)


def test_decode_peak_uses_window_and_offsets():
    n = 4
    score = np.zeros((1, 1, n, n), np.float32)
    score[0, 0, 0, 0] = 1.0  # the raw peak sits in the corner, where the window is small
    score[0, 0, 2, 1] = 0.6
    size = np.zeros((1, 2, n, n), np.float32)
    size[0, :, 2, 1] = (0.25, 0.5)
    offset = np.zeros((1, 2, n, n), np.float32)
    offset[0, :, 2, 1] = (0.5, 0.25)
    (cx, cy, w, h), s = decode_peak(score, size, offset, hann2d(n))
    assert (cx, cy, w, h) == ((1 + 0.5) / 4, (2 + 0.25) / 4, 0.25, 0.5)
    assert s == pytest.approx(0.6)
    (cx, cy, _, _), s = decode_peak(score, size, offset, None)
    assert (cx, cy, s) == (0.0, 0.0, 1.0)


def test_map_box_back_and_clip():
    # previous box centred at (100, 80); search 256 px crop of a 512 px side -> scale 2.
    box = map_box_back((0.5, 0.5, 0.1, 0.2), (90, 70, 20, 20), 256, 0.5)
    assert box == pytest.approx((100 - 25.6, 80 - 51.2, 51.2, 102.4))
    assert clip_box((-5, -5, 3, 3), 100, 200, margin=10) == (0.0, 0.0, 10.0, 10.0)
    assert clip_box((195, 50, 30, 10), 100, 200, margin=10) == (190.0, 50.0, 10.0, 10.0)


def test_damp_size_keeps_the_centre_and_moves_the_size_part_way():
    box, previous = (40.0, 20.0, 40.0, 20.0), (0.0, 0.0, 20.0, 10.0)
    assert damp_size(box, previous, 1.0) is box  # OSTrack: the prediction as it is
    x, y, w, h = damp_size(box, previous, 0.25)
    assert (w, h) == pytest.approx((25.0, 12.5))
    assert (x + w / 2, y + h / 2) == pytest.approx((60.0, 30.0))


def test_next_box_keeps_the_previous_box_below_min_score():
    prev, peak = (90.0, 70.0, 20.0, 20.0), (0.5, 0.5, 0.1, 0.2)
    moved = next_box(peak, 0.4, prev, 256, 0.5, (480, 640))
    assert moved == clip_box(map_box_back(peak, prev, 256, 0.5), 480, 640)
    assert next_box(peak, 0.4, prev, 256, 0.5, (480, 640), min_score=0.3) == moved
    assert next_box(peak, 0.2, prev, 256, 0.5, (480, 640), min_score=0.3) is prev  # lost: stay


def test_boxes_parsing_and_checks():
    assert parse_box("1,2,3.5,4") == (1, 2, 3.5, 4)
    assert parse_box("1 2\t3 4") == (1, 2, 3, 4)
    with pytest.raises(EdgetrackError):
        parse_box("1,2,3")
    for bad in [(0, 0, 0, 5), (0, 0, -1, 5), (0, 0, float("nan"), 5), (500, 0, 10, 10)]:
        with pytest.raises(EdgetrackError):
            check_init_box(bad, (100, 200, 3))
    assert iou_xywh(np.array([[0, 0, 10, 10]]), np.array([[5, 0, 10, 10]]))[0] == pytest.approx(50 / 150)


def test_reference_resize_hand_computed():
    from edgetrack.resize import resize_linear_reference

    # 1x2 -> 1x4: source x = -0.25 (clamped to 0), 0.25, 0.75, 1.25 (clamped to 1); 11-bit weights,
    # then the SIMD vertical pass ((2048 * (h >> 4)) >> 16 + 2) >> 2.
    image = np.array([[0, 255]], dtype=np.uint8)
    assert resize_linear_reference(image, 4, 1).tolist() == [[0, 64, 191, 255]]


def test_reference_resize_is_opencv_x86_inter_linear():
    import cv2

    from edgetrack.resize import opencv_matches_reference, resize_linear_reference

    if not opencv_matches_reference():
        pytest.skip("this machine's OpenCV INTER_LINEAR is not the x86 reference (another HAL)")
    rng = np.random.default_rng(3)
    for _ in range(40):
        h, w = rng.integers(2, 400, 2)
        side = int(rng.choice([16, 37, 128, 256]))
        image = rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
        expected = cv2.resize(image, (side, side), interpolation=cv2.INTER_LINEAR)
        np.testing.assert_array_equal(resize_linear_reference(image, side, side), expected)
