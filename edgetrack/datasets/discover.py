"""Find the sequences under a folder: the folder itself, or sequence folders below it (a benchmark root)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np

from edgetrack.datasets.folder import is_sequence_folder, load_sequence_folder
from edgetrack.datasets.sequence import Sequence
from edgetrack.errors import EdgetrackError

MAX_DEPTH = 4


def find_sequences(source: Path | str | Iterable[Sequence]) -> list[Sequence]:
    """Sequences of SOURCE with at least two frames and a valid first box: a sequence folder, a folder
    holding sequence folders (up to 4 levels down), or an iterable of Sequence objects (a dataset reader)."""
    if isinstance(source, (str, Path)):
        root = Path(source)
        if not root.is_dir():
            raise EdgetrackError(f"{root} is not a folder (a sequence folder or a folder of sequences)")
        sequences = [load_sequence_folder(f) for f in _sequence_folders(root, MAX_DEPTH)]
    else:
        sequences = list(source)
    sequences = [s for s in sequences if len(s.frames) >= 2 and np.isfinite(s.gt[0]).all()]
    if not sequences:
        raise EdgetrackError(f"{source}: no sequence with frames and a ground-truth box found")
    return sequences


def _sequence_folders(folder: Path, depth: int) -> Iterator[Path]:
    if is_sequence_folder(folder):
        yield folder
        return
    if depth == 0:
        return
    for child in sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".")):
        yield from _sequence_folders(child, depth - 1)
