"""OSTrack's tracker loop with torch inference: the edgetrack numpy core does crop, normalisation,
Hanning window, peak decoding, map-back and clipping, exactly as the runtime does."""

from __future__ import annotations

import numpy as np
import torch

from edgetrack.boxes import check_init_box
from edgetrack.models.ostrack import OSTrack
from edgetrack.postprocess import decode_peak, hann2d, next_box
from edgetrack.preprocess import Normalizer, sample_target


class TorchTracker:
    """init(frame, box) once, then track(frame) -> x,y,w,h per frame. Frames are RGB uint8 HxWx3."""

    def __init__(self, model: OSTrack, normalizer: Normalizer | None = None):
        self.model = model.eval()
        self.config = model.config
        self.normalizer = normalizer or Normalizer()
        self.window = hann2d(self.config.feat_size)
        self.ce_mask = model.default_ce_mask(1)
        self.template: np.ndarray | None = None
        self.state: tuple[float, float, float, float] | None = None
        self.last_score = float("nan")

    def init(self, frame: np.ndarray, box_xywh) -> None:
        """Crop the template around the first box."""
        box = check_init_box(box_xywh, frame.shape)
        cfg = self.config
        crop, _ = sample_target(frame, box, cfg.template_factor, cfg.template_size)
        self.template = self.normalizer(crop)
        self.state = tuple(float(v) for v in box)

    @torch.no_grad()
    def infer(self, search: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Run the network on the template and one normalised search crop (1x3xSxS float32):
        score, size and offset maps as numpy. The only step that differs from the runtime's loop."""
        out = self.model(torch.from_numpy(self.template), torch.from_numpy(search), self.ce_mask)
        return out["score_map"].numpy(), out["size_map"].numpy(), out["offset_map"].numpy()

    def track(self, frame: np.ndarray) -> tuple[float, float, float, float]:
        """The next box (x, y, w, h) in frame pixels."""
        if self.template is None:
            raise RuntimeError("TorchTracker.track called before init")
        cfg = self.config
        crop, resize_factor = sample_target(frame, self.state, cfg.search_factor, cfg.search_size)
        score, size, offset = self.infer(self.normalizer(crop))
        box_crop, self.last_score = decode_peak(score, size, offset, self.window)
        self.state = next_box(
            box_crop, self.last_score, self.state, cfg.search_size, resize_factor, frame.shape[:2],
            cfg.size_rate, cfg.min_score,
        )  # fmt: skip
        return self.state
