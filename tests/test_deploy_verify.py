"""edgetrack.deploy.verify.box_agreement: closed-loop tracking IoU against IoU on the reference's crops."""

from __future__ import annotations

import numpy as np
import pytest
from deploy_helpers import synthetic_sequence

from edgetrack.datasets.discover import find_sequences
from edgetrack.deploy.verify import box_agreement


class StepTracker:
    """Moves its box 2 px right per frame, like the sequence's square; a `glitch` adds `jump` px on that
    frame (a moved score peak), which a closed loop carries on to every later frame."""

    def __init__(self, glitch: int | None = None, jump: float = 10.0):
        self.glitch, self.jump = glitch, jump
        self.frame = 0
        self.box = None

    def init(self, frame, box):
        self.box = tuple(float(v) for v in box)

    def relocate(self, box):
        self.box = tuple(box)

    def track(self, frame):
        self.frame += 1
        x, y, w, h = self.box
        self.box = (x + 2.0 + (self.jump if self.frame == self.glitch else 0.0), y, w, h)
        return self.box


def test_one_glitch_costs_one_frame_on_same_crops_and_the_rest_of_the_sequence_tracking(tmp_path):
    (sequence,) = find_sequences(synthetic_sequence(tmp_path / "seq", frames=6))
    result = box_agreement(StepTracker, lambda: StepTracker(glitch=2), [sequence])
    shifted = 10 / 30  # two 20 px boxes 10 px apart: overlap 10 x 20 over a 30 x 20 union
    # 5 tracked frames: the glitch on frame 2 stays in the closed loop for frames 2-5
    assert result[sequence.name].tracking == pytest.approx((1 + 4 * shifted) / 5)
    # re-centred on the reference's previous box, only frame 2 differs
    assert result[sequence.name].same_crops == pytest.approx((4 + shifted) / 5)


def test_identical_trackers_agree_fully(tmp_path):
    (sequence,) = find_sequences(synthetic_sequence(tmp_path / "seq", frames=4))
    result = box_agreement(StepTracker, StepTracker, [sequence])[sequence.name]
    assert np.isclose(result.tracking, 1.0) and np.isclose(result.same_crops, 1.0)
