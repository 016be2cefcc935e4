"""The synthetic sequence generator and its GOT-10k writer."""

import numpy as np

from edgetrack.datasets.folder import load_sequence_folder
from edgetrack.synth import synthetic_sequence, write_got10k


def test_same_seed_same_sequence_and_boxes_inside_frame():
    a_frames, a_boxes = synthetic_sequence(np.random.default_rng(3), 20)
    b_frames, b_boxes = synthetic_sequence(np.random.default_rng(3), 20)
    assert np.array_equal(a_boxes, b_boxes) and all(
        np.array_equal(a, b) for a, b in zip(a_frames, b_frames, strict=True)
    )
    assert np.all(a_boxes[:, :2] >= 0) and np.all(a_boxes[:, 0] + a_boxes[:, 2] <= 320)
    assert np.all(a_boxes[:, 1] + a_boxes[:, 3] <= 240) and np.all(a_boxes[:, 2:] >= 12)
    assert np.abs(np.diff(a_boxes[:, 0])).max() > 0  # the target moves


def test_write_got10k_layout(tmp_path):
    folders = write_got10k(tmp_path, "val", 2, 5, seed=0)
    assert [f.name for f in folders] == ["GOT-10k_Val_000001", "GOT-10k_Val_000002"]
    assert (tmp_path / "val" / "list.txt").read_text().split() == [f.name for f in folders]
    sequence = load_sequence_folder(folders[0])
    assert len(sequence) == 5 and sequence.gt.shape == (5, 4)
    assert not list((tmp_path / "val").glob(".*"))
