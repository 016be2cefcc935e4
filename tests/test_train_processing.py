"""OSTrack processing: crops, the box in crop coordinates, jitter and augmentation."""

import numpy as np
import pytest

from edgetrack.preprocess import IMAGENET_MEAN, IMAGENET_STD, Normalizer, sample_target
from edgetrack.train.processing import PairProcessing, box_in_crop, flip_box, jitter_box


def test_box_in_crop_centred_without_jitter():
    box = np.array([100.0, 50.0, 40.0, 20.0])
    _, resize = sample_target(np.zeros((300, 300, 3), np.uint8), box, 2.0, 128)
    assert resize == pytest.approx(128 / 57)  # side ceil(sqrt(800) * 2) = 57
    out = box_in_crop(box, box, resize, 128)
    np.testing.assert_allclose(out[:2] + out[2:] / 2, [127 / 2 / 128] * 2)
    np.testing.assert_allclose(out[2:], [40 / 57, 20 / 57])


def test_jitter_box_statistics():
    rng = np.random.default_rng(0)
    boxes = np.array([jitter_box([100, 100, 40, 40], 3.0, 0.25, rng) for _ in range(4000)])
    log_scale = np.log(boxes[:, 2] / 40)
    assert log_scale.std() == pytest.approx(0.25, rel=0.05)
    offset = boxes[:, :2] + boxes[:, 2:] / 2 - 120
    assert np.all(np.abs(offset) <= 1.5 * np.sqrt(boxes[:, 2:3] * boxes[:, 3:4]) + 1e-9)
    assert np.array_equal(jitter_box([5, 6, 7, 8], 0, 0, rng), [5, 6, 7, 8])


def test_flip_box():
    np.testing.assert_allclose(flip_box(np.array([0.1, 0.2, 0.3, 0.4])), [0.6, 0.2, 0.3, 0.4])


def _bright_box(image_chw):
    rgb = image_chw.transpose(1, 2, 0) * np.array(IMAGENET_STD) + np.array(IMAGENET_MEAN)
    ys, xs = np.nonzero(rgb.mean(axis=2) > 0.4)
    size = image_chw.shape[-1]
    return np.array([xs.min(), ys.min(), xs.max() + 1 - xs.min(), ys.max() + 1 - ys.min()]) / size


@pytest.mark.parametrize("seed", range(6))
def test_processed_box_matches_pixels(seed):
    frame = np.zeros((240, 320, 3), np.uint8)
    frame[90:130, 100:180] = (250, 200, 230)  # target x=100, y=90, w=80, h=40
    box = np.array([100.0, 90.0, 80.0, 40.0])
    proc = PairProcessing(template_size=64, search_size=128, grayscale_probability=0.5)
    out = proc(frame, box, frame, box, np.random.default_rng(seed))
    assert out is not None and out["search"].shape == (3, 128, 128) and out["template"].shape == (3, 64, 64)
    for name in ("template", "search"):
        x, y, w, h = out[f"{name}_box"]
        visible = np.clip([x, y, x + w, y + h], 0, 1)  # the part of the target inside the crop
        expected = np.concatenate([visible[:2], visible[2:] - visible[:2]])
        np.testing.assert_allclose(_bright_box(out[name]), expected, atol=2.5 / out[name].shape[-1])


def test_no_augmentation_is_plain_crop_and_normalise():
    rng = np.random.default_rng(0)
    frame = rng.integers(0, 256, (200, 200, 3), dtype=np.uint8)
    box = np.array([60.0, 70.0, 30.0, 50.0])
    proc = PairProcessing(
        64,
        128,
        center_jitter=0,
        scale_jitter=0,
        grayscale_probability=0,
        flip_probability=0,
        brightness_jitter=0,
    )
    out = proc(frame, box, frame, box, rng)
    np.testing.assert_array_equal(out["template"], Normalizer()(sample_target(frame, box, 2.0, 64)[0])[0])
    np.testing.assert_array_equal(out["search"], Normalizer()(sample_target(frame, box, 4.0, 128)[0])[0])


def test_same_seed_same_sample():
    frame = np.random.default_rng(1).integers(0, 256, (200, 200, 3), dtype=np.uint8)
    box = [60.0, 70.0, 30.0, 50.0]
    a = PairProcessing(64, 128)(frame, box, frame, box, np.random.default_rng(9))
    b = PairProcessing(64, 128)(frame, box, frame, box, np.random.default_rng(9))
    assert all(np.array_equal(a[k], b[k]) for k in a)
