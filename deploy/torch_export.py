"""torch -> ONNX: the tracker's export view (CE mask baked in) with the legacy exporter, opset 17."""

from __future__ import annotations

import tempfile
import warnings
from pathlib import Path

from edgetrack.errors import EdgetrackError
from edgetrack.runtime.metadata import INPUT_NAMES, OUTPUT_NAMES

OPSET = 17
ARCH_SUFFIXES = (".json", ".yaml", ".yml")


def arch_file(checkpoint: Path, arch_config: Path | None) -> Path:
    """--arch-config, else NAME.json / NAME.yaml beside the checkpoint."""
    if arch_config is not None:
        if not arch_config.is_file():
            raise EdgetrackError(f"architecture file {arch_config} does not exist")
        return arch_config
    stem = checkpoint.name.split(".")[0]
    for suffix in ARCH_SUFFIXES:
        if (candidate := checkpoint.with_name(stem + suffix)).is_file():
            return candidate
    raise EdgetrackError(f"no architecture for {checkpoint}: give --arch-config ARCH.json")


def load_tracker(checkpoint: Path, arch_config: Path):
    """(model in eval mode, TrackerConfig) from a checkpoint and its architecture file.

    A checkpoint that does not fit the architecture raises models.checkpoint's EdgetrackError,
    which names the missing / unexpected / mis-shaped keys.
    """
    from models.checkpoint import load_checkpoint
    from models.config import TrackerConfig
    from models.ostrack import build_tracker

    config = TrackerConfig.load(arch_config)
    model = build_tracker(config).eval()
    load_checkpoint(model, checkpoint)
    return model, config


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
