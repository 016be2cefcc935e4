"""Synthetic GOT-10k splits are read back by the GOT-10k readers that training uses."""

import numpy as np
import pytest

from edgetrack.datasets.registry import open_dataset
from edgetrack.synth import write_dataset


@pytest.mark.parametrize("split", ["train", "val"])
def test_write_got10k_split_reads_back(tmp_path, split):
    names = write_dataset(tmp_path, "got10k", 2, 5, seed=0, size=(96, 72), split=split)
    assert (tmp_path / split / "list.txt").read_text().split() == names
    sequences = list(open_dataset(f"got10k_{split}", tmp_path))
    assert [s.name for s in sequences] == names
    first = sequences[0]
    assert len(first) == 5 and first.gt.shape == (5, 4)
    assert np.all(first.gt[first.visible, 2:] > 0)
    assert not list((tmp_path / split).glob(".*"))  # no temp files left
