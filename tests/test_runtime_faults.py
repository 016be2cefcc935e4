"""Faulty models and boxes: bad metadata is refused at load, a NaN/inf output is a lost frame (with a
warning), and an absurd init box is a clear error instead of a huge allocation."""

from __future__ import annotations

import logging

import numpy as np
import pytest
from cli_helpers import one_error_line, run_cli
from runtime_models import pooled_score_model

from edgetrack.errors import EdgetrackError
from edgetrack.runtime.backends import Backend
from edgetrack.runtime.metadata import ModelSpec
from edgetrack.runtime.tracker import Tracker

SIZES = '"template_size": 16, "search_size": 32, "feat_size": 4'


@pytest.mark.parametrize(
    "extra, field",
    [
        ('"mean": [NaN, 0.4, 0.4]', "mean"),
        ('"std": [0.2, Infinity, 0.2]', "std"),
        ('"std": [0.2, 1e-30, 0.2]', "std"),
        ('"search_factor": 1e9', "search_factor"),
        ('"template_factor": NaN', "template_factor"),
        ('"scale": 1e-30', "scale"),
    ],
)
def test_absurd_or_non_finite_metadata_is_refused(extra, field):
    with pytest.raises(EdgetrackError, match=field):
        ModelSpec.from_json("{" + SIZES + ", " + extra + "}")


class NanAfter(Backend):
    """A fake backend whose score map turns NaN from the n-th call on."""

    name = "fake"

    def __init__(self, good_calls: int, bad):
        super().__init__("fake.onnx")
        self.spec = ModelSpec(16, 32, 4)
        self.calls, self.good_calls, self.bad = 0, good_calls, bad

    def run(self, template, search):
        self.calls += 1
        score = np.zeros((1, 1, 4, 4), np.float32)
        score[0, 0, 2, 2] = 0.9 if self.calls <= self.good_calls else self.bad
        return score, np.full((1, 2, 4, 4), 0.25, np.float32), np.full((1, 2, 4, 4), 0.5, np.float32)


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_non_finite_output_is_a_lost_frame_with_one_warning(bad, caplog):
    frame = np.zeros((64, 64, 3), np.uint8)
    tracker = Tracker(NanAfter(1, bad))
    tracker.init(frame, (24, 24, 8, 8))
    good = tracker.track(frame)
    assert good.score == pytest.approx(0.9)
    with caplog.at_level(logging.WARNING, logger="edgetrack"):
        lost = [tracker.track(frame) for _ in range(3)]
    assert all(r.score == 0.0 and r.box == good.box for r in lost)
    assert all(np.isfinite(r.box).all() for r in lost)
    assert tracker.nonfinite_frames == 3
    assert len([r for r in caplog.records if "NaN or infinite" in r.getMessage()]) == 1


def test_huge_init_box_is_a_clear_error(tmp_path, capsys):
    import cv2

    folder = tmp_path / "frames"
    folder.mkdir()
    for k in range(2):
        cv2.imwrite(str(folder / f"{k}.png"), np.zeros((64, 64, 3), np.uint8))
    model = pooled_score_model(tmp_path / "m.onnx")
    out = tmp_path / "boxes.txt"
    code, _, err = run_cli(
        ["track", folder, "-m", model, "--init", "0,0,100000,100000", "--save-txt", out], capsys
    )
    assert "times the 64x64 frame" in one_error_line(code, err)
    assert not out.exists()


def test_bgr_frames_and_the_opencv_style_update(tmp_path):
    import cv2

    model = pooled_score_model(tmp_path / "m.onnx", size=0.5)
    rgb = np.zeros((64, 64, 3), np.uint8)
    rgb[20:28, 28:36] = (255, 40, 0)  # a red square: BGR and RGB differ
    rgb_tracker, bgr_tracker = Tracker(model), Tracker(model, color="bgr")
    rgb_tracker.init(rgb, (24, 24, 8, 8))
    bgr_tracker.init(cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), (24, 24, 8, 8))
    expected = rgb_tracker.track(rgb)
    ok, box = bgr_tracker.update(cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
    assert ok and box == tuple(int(round(v)) for v in expected.box)
    lost = Tracker(NanAfter(0, np.nan))
    lost.init(rgb, (24, 24, 8, 8))
    assert lost.update(rgb) == (False, (24, 24, 8, 8))
    with pytest.raises(EdgetrackError, match="color"):
        Tracker(model, color="hsv")


def test_plots_have_a_y_axis_label():
    from edgetrack.evaluation.plots import draw_plot
    from edgetrack.evaluation.scoring import TrackerScores
    from edgetrack.metrics import Curve, Summary

    x = np.linspace(0, 1, 21)
    scores = [TrackerScores("t", Summary({"AUC": 0.5}, {"success": Curve("Overlap threshold", x, 1 - x)}))]
    image = draw_plot("success", "otb", scores, "AUC")
    label_band = image[100:380, 0:30]
    assert (label_band < 128).sum() > 50  # dark text left of the tick labels
