"""Success AUC of a trained torch model on held-out sequences, with OSTrack's tracker loop
(`edgetrack.models.torch_tracker.TorchTracker`), and of the keep-the-initial-box baseline."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from edgetrack.datasets import Sequence, read_rgb
from edgetrack.errors import EdgetrackError
from edgetrack.metrics import success_auc
from edgetrack.models.config import TrackerConfig
from edgetrack.models.ostrack import OSTrack, build_tracker
from edgetrack.models.torch_tracker import TorchTracker


def load_trained_model(checkpoint: Path | str) -> OSTrack:
    """The plain model of a training checkpoint (its 'model_config' and 'net'), in eval mode."""
    if not Path(checkpoint).is_file():
        raise EdgetrackError(f"checkpoint {checkpoint} does not exist")
    state = torch.load(checkpoint, map_location="cpu", weights_only=True)
    if "model_config" not in state or "net" not in state:
        raise EdgetrackError(f"{checkpoint} is not an edgetrack training checkpoint")
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


def model_auc(model: OSTrack, sequences: list[Sequence]) -> float:
    """Mean success AUC (OTB convention) of the model over the sequences."""
    model = model.eval()
    return float(np.mean([success_auc(track_sequence(model, seq), seq.gt) for seq in sequences]))


def initial_box_auc(sequences: list[Sequence]) -> float:
    """Mean success AUC of a tracker that keeps the first box on every frame."""
    return float(np.mean([success_auc(np.repeat(seq.gt[:1], len(seq), axis=0), seq.gt) for seq in sequences]))
