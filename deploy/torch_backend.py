"""The torch network behind the runtime's Backend interface, so the runtime Tracker (and bench) can run
PyTorch eager with exactly the same crop, normalisation and post-processing as the exported files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from edgetrack.deploy.spec import spec_for_config
from edgetrack.runtime.backends import Backend
from edgetrack.runtime.metadata import ModelIO


class TorchBackend(Backend):
    """PyTorch eager inference (CPU, no grad) of an OSTrack-style model with its CE template mask."""

    name = "torch"

    def __init__(self, model, path: Path | str, threads: int | None = None):
        super().__init__(Path(path))
        self.model = model.eval()
        self.spec = spec_for_config(model.config, None)
        self.io = ModelIO("template", "search", "score", "size", "offset")
        self.threads = threads
        self._mask = model.default_ce_mask(1)

    def run(self, template: np.ndarray, search: np.ndarray):
        if self.threads and torch.get_num_threads() != self.threads:
            torch.set_num_threads(self.threads)
        with torch.inference_mode():
            out = self.model(torch.from_numpy(template), torch.from_numpy(search), self._mask)
        return out["score_map"].numpy(), out["size_map"].numpy(), out["offset_map"].numpy()
