"""Success AUC of a trained torch model on held-out sequences, with OSTrack's tracker loop
(`edgetrack.models.torch_tracker.TorchTracker`), and of the keep-the-initial-box baseline. With
`starts` > 1 each sequence is also tracked from later frames (OTB's temporal robustness evaluation), which
lowers the variance of a validation figure on a few sequences."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np

from edgetrack.datasets import Sequence, read_rgb
from edgetrack.errors import EdgetrackError
from edgetrack.metrics import success_auc
from edgetrack.models.config import TrackerConfig
from edgetrack.models.ostrack import OSTrack, build_tracker
from edgetrack.models.torch_tracker import TorchTracker
from edgetrack.train.run_folder import read_checkpoint_file


def read_trained_state(checkpoint: Path | str) -> dict:
    """A trained checkpoint's state, which must hold 'model_config' and 'net' (an epoch checkpoint, a
    distilled student, an average); a missing, damaged or foreign file is an EdgetrackError."""
    state = read_checkpoint_file(Path(checkpoint))
    if not isinstance(state, dict) or "model_config" not in state or "net" not in state:
        raise EdgetrackError(f"{checkpoint} is not an edgetrack training checkpoint")
    return state


def load_trained_model(checkpoint: Path | str) -> OSTrack:
    """The plain model of a training checkpoint (its 'model_config' and 'net'), in eval mode."""
    state = read_trained_state(checkpoint)
    model = build_tracker(TrackerConfig.from_dict(state["model_config"]))
    model.load_state_dict(state["net"], strict=True)
    return model.eval()


def track_sequence(model: OSTrack, sequence: Sequence) -> np.ndarray:
    """(N,4) x,y,w,h: the first box is the ground truth, the rest the tracker's."""
    tracker = TorchTracker(model)
    boxes = [np.asarray(sequence.init_box)]
    tracker.init(read_rgb(sequence.frames[0]), sequence.init_box)
    for path in sequence.frames[1:]:
        boxes.append(np.asarray(tracker.track(read_rgb(path))))
    return np.stack(boxes)


def restart_segments(sequence: Sequence, starts: int) -> list[Sequence]:
    """The sequence from frame 0 and from `starts` - 1 later frames k * N / starts (each moved on to the
    next visible frame), every segment to the end; segments shorter than two frames are left out."""
    if starts < 1:
        raise EdgetrackError(f"starts must be at least 1, got {starts}")
    visible = np.flatnonzero(sequence.visible)
    segments = []
    for k in range(starts):
        later = visible[visible >= k * len(sequence) // starts]
        if len(later) == 0 or len(sequence) - later[0] < 2:
            continue
        first = int(later[0])
        per_frame = {
            name: getattr(sequence, name)[first:]
            for name in ("gt", "absent", "cover")
            if getattr(sequence, name) is not None
        }
        segments.append(dataclasses.replace(sequence, frames=sequence.frames[first:], **per_frame))
    return segments


def sequence_auc(model: OSTrack, sequence: Sequence, starts: int = 1) -> float:
    """Mean success AUC (OTB convention) of the model over the sequence's `restart_segments`."""
    segments = restart_segments(sequence, starts)
    return float(np.mean([success_auc(track_sequence(model, seg), seg.gt) for seg in segments]))


def model_auc(model: OSTrack, sequences: list[Sequence], starts: int = 1) -> float:
    """Mean over the sequences of `sequence_auc`."""
    model = model.eval()
    return float(np.mean([sequence_auc(model, seq, starts) for seq in sequences]))


def initial_box_auc(sequences: list[Sequence]) -> float:
    """Mean success AUC of a tracker that keeps the first box on every frame."""
    return float(np.mean([success_auc(np.repeat(seq.gt[:1], len(seq), axis=0), seq.gt) for seq in sequences]))
