"""torch -> ONNX: the tracker's export view (CE mask baked in) with the legacy exporter, opset 17."""

from __future__ import annotations

import tempfile
import warnings
from pathlib import Path

from edgetrack.errors import EdgetrackError
from edgetrack.runtime.metadata import INPUT_NAMES, OUTPUT_NAMES

OPSET = 17


def load_tracker(checkpoint: Path, arch_config: Path | None = None):
    """(model in eval mode, TrackerConfig) from a checkpoint and its architecture: --arch-config, else
    the one the checkpoint carries or a NAME.json / NAME.yaml beside it.

    A checkpoint that does not fit the architecture raises models.checkpoint's EdgetrackError,
    which names the missing / unexpected / mis-shaped keys.
    """
    from models.checkpoint import checkpoint_architecture, load_checkpoint
    from models.ostrack import build_tracker

    found = checkpoint_architecture(checkpoint, arch_config)
    if found is None:
        raise EdgetrackError(f"no architecture for {checkpoint}: give --arch-config ARCH.json")
    model = build_tracker(found.config).eval()
    load_checkpoint(model, checkpoint)
    return model, found.config


def torch_to_onnx(model):
    """The model's (template, search) -> (score, size, offset) graph as an onnx.ModelProto.

    Static batch 1; the legacy TorchScript exporter (dynamo=False) with everything kept inside the
    proto (the new exporter's external_data default would write a sidecar).
    """
    import onnx
    import torch

    from models.ostrack import TrackerMaps

    cfg = model.config
    template = torch.zeros(1, 3, cfg.template_size, cfg.template_size)
    search = torch.zeros(1, 3, cfg.search_size, cfg.search_size)
    with tempfile.TemporaryDirectory() as tmp, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the legacy exporter announces its deprecation
        path = Path(tmp) / "model.onnx"
        torch.onnx.export(
            TrackerMaps(model).eval(), (template, search), str(path), input_names=list(INPUT_NAMES),
            output_names=list(OUTPUT_NAMES), opset_version=OPSET, dynamo=False, do_constant_folding=True,
        )  # fmt: skip
        return onnx.load(str(path))
