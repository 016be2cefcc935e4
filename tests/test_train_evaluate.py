"""Held-out evaluation of a trained checkpoint and the keep-the-initial-box baseline."""

import numpy as np
import pytest
from train_helpers import moving_square_sequence, tiny_config, tiny_sources

from edgetrack.datasets import Sequence
from edgetrack.train.evaluate import initial_box_auc, load_trained_model, model_auc, track_sequence
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
