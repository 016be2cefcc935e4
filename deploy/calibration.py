"""Real template/search crops for calibration and checks, taken around ground-truth boxes.

The template is cropped around a sequence's first box; each search crop around the previous frame's
ground truth (where a tracker would look), exactly as the runtime crops: `sample_target`, RGB frames,
normalised per the model's ModelSpec.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from edgetrack.datasets.sequence import Sequence, read_rgb
from edgetrack.errors import EdgetrackError
from edgetrack.preprocess import Normalizer, sample_target
from edgetrack.runtime.metadata import ModelSpec


@dataclass(frozen=True)
class CropPair:
    """One network input: normalised template 1x3xTxT and search 1x3xSxS float32."""

    template: np.ndarray
    search: np.ndarray


def _usable_frames(sequence: Sequence) -> list[int]:
    """Frames i >= 1 whose previous ground-truth box is valid (finite, positive size)."""
    gt = sequence.gt
    if len(gt) < 2:
        return []
    prev = gt[:-1]
    ok = np.isfinite(prev).all(axis=1) & (prev[:, 2] > 0) & (prev[:, 3] > 0)
    return [i + 1 for i in np.flatnonzero(ok)]


def crop_pairs(sequences: list[Sequence], spec: ModelSpec, count: int) -> list[CropPair]:
    """`count` crop pairs spread evenly over the sequences' frames (fewer if they hold fewer)."""
    normalize = Normalizer(spec.mean, spec.std, spec.scale, bgr=spec.color == "BGR")
    frames = [(s, i) for s in sequences for i in _usable_frames(s)]
    if not frames:
        raise EdgetrackError("the calibration source has no frames with a valid ground-truth box")
    chosen = np.unique(np.linspace(0, len(frames) - 1, min(count, len(frames))).round().astype(int))
    templates: dict[str, np.ndarray] = {}
    pairs = []
    for k in chosen:
        sequence, i = frames[k]
        if sequence.name not in templates:
            first = read_rgb(sequence.frames[0])
            crop, _ = sample_target(first, sequence.gt[0], spec.template_factor, spec.template_size)
            templates[sequence.name] = normalize(crop)
        frame = read_rgb(sequence.frames[i])
        crop, _ = sample_target(frame, sequence.gt[i - 1], spec.search_factor, spec.search_size)
        pairs.append(CropPair(templates[sequence.name], normalize(crop)))
    return pairs
