"""Synthetic sequences: deterministic for a seed, events present, annotations consistent in both layouts."""

import numpy as np
from typer.testing import CliRunner

from edgetrack.cli import app, commands  # noqa: F401
from edgetrack.datasets import open_dataset
from edgetrack.metrics.otb import success_auc
from edgetrack.synth import SyntheticSequence, cover_level


def test_same_seed_same_frames_and_boxes_other_seed_differs():
    a, b, c = SyntheticSequence(7, 30), SyntheticSequence(7, 30), SyntheticSequence(8, 30)
    assert np.array_equal(a.frame(12), b.frame(12))
    assert np.array_equal(a.boxes, b.boxes, equal_nan=True)
    assert not np.array_equal(a.frame(12), c.frame(12))


def test_events_and_absence_are_consistent():
    seq = SyntheticSequence(1, 60)
    assert seq.out_of_view.any() and seq.full_occlusion.any() and ((seq.cover > 0) & (seq.cover < 8)).any()
    assert not seq.absent[0] and seq.cover[0] == 8
    assert np.array_equal(seq.absent, seq.cover == 0)
    assert np.array_equal(seq.absent, np.isnan(seq.boxes).all(axis=1))
    visible = seq.boxes[~seq.absent]
    assert (
        (visible[:, 2] > 0).all()
        and (visible[:, 0] >= 0).all()
        and (visible[:, 0] + visible[:, 2] <= 320).all()
    )
    assert seq.frame(0).shape == (240, 320, 3) and seq.frame(0).dtype == np.uint8


def test_the_target_wanders_over_the_frame():
    """The camera follows the target loosely: keeping the first box is a weak tracker, as on UAV footage."""
    auc = [
        success_auc(np.repeat(seq.boxes[:1], len(seq), 0), seq.boxes)
        for seq in map(SyntheticSequence, range(20))
    ]
    assert np.mean(auc) < 0.45


def test_cover_levels():
    assert [cover_level(v) for v in (0.0, 0.1, 0.16, 0.5, 0.95, 1.0)] == [0, 1, 2, 4, 7, 8]


def test_written_layouts_read_back_with_the_same_absence(tmp_path):
    cli = CliRunner()
    for fmt, reader in (("got10k", "got10k_val"), ("lasot", "lasot")):
        out = tmp_path / fmt
        args = ["synth", "-o", str(out), "--format", fmt, "--count", "1", "--frames", "40", "--seed", "1"]
        assert cli.invoke(app, args).exit_code == 0
        seq = open_dataset(reader, out)[0]
        expected = SyntheticSequence(1, 40)
        assert len(seq) == 40 and np.array_equal(seq.absent, expected.absent)
        assert np.allclose(seq.gt[~expected.absent], expected.boxes[~expected.absent], atol=0.01)
        if fmt == "got10k":
            assert np.array_equal(seq.cover, expected.cover)
