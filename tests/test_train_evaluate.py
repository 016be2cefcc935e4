"""Held-out evaluation of a trained checkpoint and the keep-the-initial-box baseline."""

import numpy as np
import pytest
from train_helpers import moving_square_sequence, tiny_config, tiny_sources

from edgetrack.datasets import Sequence
from edgetrack.errors import EdgetrackError
from edgetrack.train.evaluate import (
    initial_box_auc,
    load_trained_model,
    model_auc,
    restart_segments,
    track_sequence,
)
from edgetrack.train.trainer import Trainer


def test_initial_box_baseline_by_hand():
    static = Sequence("s", [None] * 4, np.tile([10.0, 10.0, 20.0, 20.0], (4, 1)))
    moved = Sequence("m", [None] * 2, np.array([[5.0, 5.0, 10.0, 10.0], [100.0, 5.0, 10.0, 10.0]]))
    # static: IoU 1 on every frame passes 20 of 21 thresholds; moved: frame 0 passes 20, frame 1 none
    assert initial_box_auc([static, moved]) == pytest.approx((20 / 21 + 10 / 21) / 2)


def test_trained_checkpoint_tracks(tmp_path):
    sources = tiny_sources(tmp_path / "data")
    checkpoint = Trainer(
        tiny_config(tmp_path, "train.epochs=1", data_root=tmp_path / "data"),
        tmp_path / "run",
        sources=sources,
    ).fit()
    model = load_trained_model(checkpoint)
    sequence = moving_square_sequence(tmp_path / "held_out", "h", 6, seed=99)
    boxes = track_sequence(model, sequence)
    assert boxes.shape == (6, 4) and np.all(boxes[:, 2:] > 0)
    assert np.array_equal(boxes[0], sequence.gt[0])
    assert 0.0 <= model_auc(model, [sequence]) <= 1.0


def test_restart_segments_start_at_the_next_visible_frame_and_run_to_the_end():
    gt = np.array([[float(i), 0.0, 10.0, 10.0] for i in range(9)])
    absent = np.zeros(9, bool)
    absent[3] = True
    sequence = Sequence("s", [f"{i}.jpg" for i in range(9)], gt, absent=absent)
    segments = restart_segments(sequence, 3)  # frames 0, 3 -> 4 (3 is absent), 6
    assert [seg.frames[0] for seg in segments] == ["0.jpg", "4.jpg", "6.jpg"]
    assert [len(seg) for seg in segments] == [9, 5, 3]
    assert np.array_equal(segments[1].gt, gt[4:]) and not segments[1].absent.any()
    assert [len(seg) for seg in restart_segments(sequence, 1)] == [9]
    assert [seg.frames[0] for seg in restart_segments(sequence, 9)][-1] == "7.jpg"  # 1-frame tail left out
    with pytest.raises(EdgetrackError, match="at least 1"):
        restart_segments(sequence, 0)


def test_sequence_auc_averages_the_runs_of_every_start(monkeypatch):
    import edgetrack.train.evaluate as evaluate

    sequence = Sequence("s", [f"{i}.jpg" for i in range(6)], np.tile([10.0, 10.0, 10.0, 10.0], (6, 1)))
    started = []

    def right_on_the_first_half(model, segment):
        started.append(segment.frames[0])
        boxes = segment.gt.copy()
        boxes[len(boxes) // 2 :, 0] += 100  # IoU 0 from the middle of the segment on
        return boxes

    monkeypatch.setattr(evaluate, "track_sequence", right_on_the_first_half)
    # from frame 0: 3 of 6 frames at IoU 1 (20 of 21 thresholds); from frame 3: 1 of 3 frames
    assert evaluate.sequence_auc(None, sequence, starts=2) == pytest.approx((3 / 6 + 1 / 3) / 2 * 20 / 21)
    assert started == ["0.jpg", "3.jpg"]
    assert evaluate.sequence_auc(None, sequence, starts=1) == pytest.approx(3 / 6 * 20 / 21)
