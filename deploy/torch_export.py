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

    A checkpoint that does not fit the architecture raises edgetrack.models.checkpoint's EdgetrackError,
    which names the missing / unexpected / mis-shaped keys.
    """
    from edgetrack.models.checkpoint import checkpoint_architecture, load_checkpoint
    from edgetrack.models.ostrack import build_tracker

    found = checkpoint_architecture(checkpoint, arch_config)
    if found is None:
        raise EdgetrackError(f"no architecture for {checkpoint}: give --arch-config ARCH.json")
    model = build_tracker(found.config).eval()
    load_checkpoint(model, checkpoint)
    return model, found.config


def torch_to_onnx(model):
    """The model's (template, search) -> (score, size, offset) graph as an onnx.ModelProto."""
    import torch

    from edgetrack.models.ostrack import TrackerMaps

    cfg = model.config
    template = torch.zeros(1, 3, cfg.template_size, cfg.template_size)
    search = torch.zeros(1, 3, cfg.search_size, cfg.search_size)
    return _export(TrackerMaps(model), (template, search), list(INPUT_NAMES), list(OUTPUT_NAMES))


def template_cache_to_onnx(model):
    """The two parts of a model with asymmetric attention (edgetrack.models.template_cache) as
    onnx.ModelProtos: init (template -> template_kv[, template_q]) and track (search + the cache ->
    score, size, offset)."""
    import torch

    from edgetrack.models.template_cache import CACHE_NAMES, CachedSearchTracker, TemplateEncoder

    cfg = model.config
    template = torch.zeros(1, 3, cfg.template_size, cfg.template_size)
    search = torch.zeros(1, 3, cfg.search_size, cfg.search_size)
    encoder = TemplateEncoder(model).eval()
    with torch.no_grad():
        cache = encoder(template)
    cache = cache if isinstance(cache, tuple) else (cache,)
    names = list(CACHE_NAMES[: len(cache)])
    init = _export(encoder, (template,), ["template"], names)
    track = _export(CachedSearchTracker(model), (search, *cache), ["search", *names], list(OUTPUT_NAMES))
    return init, track


def _export(module, args: tuple, input_names: list[str], output_names: list[str]):
    """`module` traced at `args` as an onnx.ModelProto: static batch 1, the legacy TorchScript exporter
    (dynamo=False), everything inside the proto (the new exporter's external_data would write a sidecar)."""
    import onnx
    import torch

    with tempfile.TemporaryDirectory() as tmp, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the legacy exporter announces its deprecation
        path = Path(tmp) / "model.onnx"
        torch.onnx.export(
            module.eval(), args, str(path), input_names=input_names, output_names=output_names,
            opset_version=OPSET, dynamo=False, do_constant_folding=True,
        )  # fmt: skip
        return onnx.load(str(path))
