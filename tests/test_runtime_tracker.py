"""The tracker loop on hand-built models whose outputs are known, and vittrack on OTB Crossing."""

from __future__ import annotations

import numpy as np
import pytest
from runtime_models import pooled_score_model

from edgetrack.errors import EdgetrackError
from edgetrack.runtime import Tracker

WHITE_SCORE = (1.0 - 0.485) / 0.229  # ImageNet-normalised white, red channel


def frame_with_blob(x: int, y: int, side: int = 8, color=(255, 255, 255), shape=(64, 64)) -> np.ndarray:
    frame = np.zeros(shape + (3,), np.uint8)
    frame[y : y + side, x : x + side] = color
    return frame


@pytest.mark.parametrize("backend", ["onnxruntime", "openvino"])
def test_track_moves_to_the_brightest_cell(tmp_path, backend):
    # init box (24,24,8,8): the search crop is frame [12,44)^2 at scale 1; cells are 8 px (4x4 grid).
    # A blob at frame x 36..44, y 20..28 fills cell (ix=3, iy=1): centre (3.5/4, 1.5/4) of the crop
    # = crop px (28, 12) = frame (40, 24); size 0.5 * 32 = 16 px -> box (32, 16, 16, 16).
    tracker = Tracker(pooled_score_model(tmp_path / "m.onnx", size=0.5), backend=backend)
    tracker.init(np.zeros((64, 64, 3), np.uint8), (24, 24, 8, 8))
    result = tracker.track(frame_with_blob(36, 20))
    assert result.box == pytest.approx((32.0, 16.0, 16.0, 16.0), abs=1e-4)
    assert result.score == pytest.approx(WHITE_SCORE, rel=1e-5)
    assert set(result.timings) == {"preprocess", "inference", "postprocess"}
    assert tracker.box == result.box


def test_next_search_is_centred_on_the_last_box(tmp_path):
    # After the first step the box is (32,16,16,16): the crop is frame [8,72) x [-8,56) (64 px around
    # (40,24)) resized to 32 (resize factor 0.5); cells are 16 frame px. Cell (3,0) is frame x 56..72,
    # y -8..8: a blob on its visible half wins -> centre crop (28, 4) -> frame 40 + (28 - 16) * 2 = 64,
    # 24 + (4 - 16) * 2 = 0; size 0.5 * 64 = 32 px.
    tracker = Tracker(pooled_score_model(tmp_path / "m.onnx", size=0.5), backend="onnxruntime")
    tracker.init(np.zeros((96, 96, 3), np.uint8), (24, 24, 8, 8))
    tracker.track(frame_with_blob(36, 20, shape=(96, 96)))
    frame = np.zeros((96, 96, 3), np.uint8)
    frame[0:8, 56:72] = 255
    result = tracker.track(frame)
    # the raw box (48, -16, 32, 32) is clipped to the frame: y 0, height 16
    assert result.box == pytest.approx((48.0, 0.0, 32.0, 16.0), abs=1e-4)


def test_relocate_centres_the_next_search_on_the_given_box(tmp_path):
    # relocating to the box the first step of the test above found gives that test's second result
    tracker = Tracker(pooled_score_model(tmp_path / "m.onnx", size=0.5), backend="onnxruntime")
    with pytest.raises(EdgetrackError, match="before"):
        tracker.relocate((32, 16, 16, 16))
    tracker.init(np.zeros((96, 96, 3), np.uint8), (24, 24, 8, 8))
    tracker.relocate((32, 16, 16, 16))
    assert tracker.box == (32.0, 16.0, 16.0, 16.0)
    frame = np.zeros((96, 96, 3), np.uint8)
    frame[0:8, 56:72] = 255
    assert tracker.track(frame).box == pytest.approx((48.0, 0.0, 32.0, 16.0), abs=1e-4)
    for bad in ((1, 2, 0, 4), (1, 2, 3), (np.nan, 0, 4, 4)):
        with pytest.raises(EdgetrackError, match="relocate"):
            tracker.relocate(bad)


def test_bgr_metadata_swaps_channels(tmp_path):
    meta = {"template_size": 16, "search_size": 32, "feat_size": 4, "color": "BGR"}
    path = pooled_score_model(tmp_path / "bgr.onnx", size=0.5, metadata=meta)
    tracker = Tracker(path, backend="onnxruntime")
    assert tracker.spec.color == "BGR"
    tracker.init(np.zeros((64, 64, 3), np.uint8), (24, 24, 8, 8))
    # a pure blue blob (RGB 0,0,255) lights the model's first channel only when it is fed BGR
    result = tracker.track(frame_with_blob(36, 20, color=(0, 0, 255)))
    assert result.box == pytest.approx((32.0, 16.0, 16.0, 16.0), abs=1e-4)
    assert result.score == pytest.approx((1.0 - 0.485) / 0.229, rel=1e-5)


def test_metadata_factors_change_the_crop(tmp_path):
    # search_factor 2 instead of 4: the crop is 16 frame px around (28,28) -> scale 2 per crop px.
    meta = {"template_size": 16, "search_size": 32, "feat_size": 4, "search_factor": 2.0}
    tracker = Tracker(pooled_score_model(tmp_path / "m.onnx", size=1.0, metadata=meta), "onnxruntime")
    tracker.init(np.zeros((64, 64, 3), np.uint8), (24, 24, 8, 8))
    # the crop covers frame [20,36)^2; cell (ix=0, iy=3) is frame x 20..24, y 32..36
    result = tracker.track(frame_with_blob(20, 32, side=4))
    # centre crop (4, 28) -> frame 28 + (4 - 16) / 2 = 22, 28 + (28 - 16) / 2 = 34; size 32 / 2 = 16
    assert result.box == pytest.approx((14.0, 26.0, 16.0, 16.0), abs=1e-4)


def test_metadata_size_rate_damps_the_size_and_keeps_the_centre(tmp_path):
    # as test_track_moves_to_the_brightest_cell (predicted box (32, 16, 16, 16) from the 8 px init box),
    # with size_rate 0.25: size 8 + 0.25 * (16 - 8) = 10 around the same centre (40, 24)
    meta = {"template_size": 16, "search_size": 32, "feat_size": 4, "size_rate": 0.25}
    tracker = Tracker(pooled_score_model(tmp_path / "m.onnx", size=0.5, metadata=meta), "onnxruntime")
    tracker.init(np.zeros((64, 64, 3), np.uint8), (24, 24, 8, 8))
    assert tracker.track(frame_with_blob(36, 20)).box == pytest.approx((35.0, 19.0, 10.0, 10.0), abs=1e-4)


def test_metadata_min_score_keeps_the_box_when_the_peak_is_weak(tmp_path):
    # a grey blob (168) peaks at (168 / 255 - 0.485) / 0.229 = 0.76:
    # min_score 0.99 keeps the init box, 0.5 lets it move
    for min_score, expected in ((0.99, (24.0, 24.0, 8.0, 8.0)), (0.5, (32.0, 16.0, 16.0, 16.0))):
        meta = {"template_size": 16, "search_size": 32, "feat_size": 4, "min_score": min_score}
        tracker = Tracker(pooled_score_model(tmp_path / "m.onnx", size=0.5, metadata=meta), "onnxruntime")
        tracker.init(np.zeros((64, 64, 3), np.uint8), (24, 24, 8, 8))
        assert tracker.track(frame_with_blob(36, 20, color=(168, 168, 168))).box == pytest.approx(
            expected, abs=1e-4
        )


def test_track_before_init_and_bad_frames_raise(tmp_path):
    tracker = Tracker(pooled_score_model(tmp_path / "m.onnx"), backend="onnxruntime")
    with pytest.raises(EdgetrackError, match="before"):
        tracker.track(np.zeros((64, 64, 3), np.uint8))
    with pytest.raises(EdgetrackError, match="uint8"):
        tracker.init(np.zeros((64, 64), np.uint8), (24, 24, 8, 8))
    with pytest.raises(EdgetrackError, match="outside"):
        tracker.init(np.zeros((64, 64, 3), np.uint8), (70, 24, 8, 8))


def test_vittrack_tracks_otb_crossing(vittrack_onnx, otb_crossing):
    from edgetrack.datasets.folder import load_sequence_folder
    from edgetrack.datasets.sequence import read_rgb
    from edgetrack.metrics import success_auc

    sequence = load_sequence_folder(otb_crossing)
    tracker = Tracker(vittrack_onnx, backend="onnxruntime", threads=1)
    assert (tracker.spec.template_size, tracker.spec.search_size, tracker.spec.feat_size) == (128, 256, 16)
    tracker.init(read_rgb(sequence.frames[0]), sequence.init_box)
    boxes = [sequence.init_box] + [tracker.track(read_rgb(p)).box for p in sequence.frames[1:]]
    assert success_auc(np.asarray(boxes), sequence.gt) > 0.55  # measured 0.61; OpenCV's TrackerVit: 0.17
