"""Parameters and multiply-accumulates counted on a real forward pass at the configured input sizes.

MACs are counted by forward hooks on every Linear and Conv2d and on the two attention products
(q @ k^T and attn @ v), from the shapes that actually flow, so candidate elimination's shorter token
sequences are honoured. Normalisation, activations, softmax and CE's scoring are not counted (the
usual convention of thop / fvcore).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch
from torch import nn

from edgetrack.models.ostrack import OSTrack
from edgetrack.models.vit import MatMul


@dataclass
class Complexity:
    """Counted complexity of one forward pass (batch 1)."""

    params: int
    macs: int
    macs_by_part: dict[str, int] = field(default_factory=dict)


def _part(name: str) -> str:
    if name.startswith("box_head"):
        return "head"
    if name.endswith((".qk", ".av")):
        return "attention products"
    if name.startswith("backbone.patch_embed"):
        return "patch embedding"
    return "backbone linear layers"


def _macs(module: nn.Module, inputs, output: torch.Tensor) -> int:
    if isinstance(module, nn.Linear):
        return output.numel() * module.in_features
    if isinstance(module, nn.Conv2d):
        kh, kw = module.kernel_size
        return output.numel() * (module.in_channels // module.groups) * kh * kw
    if isinstance(module, MatMul):
        return output.numel() * inputs[0].shape[-1]
    return 0


def count_params(model: nn.Module) -> int:
    """All learnable parameters, cls token and 224 pos_embed included (as OSTrack-style papers count)."""
    return sum(p.numel() for p in model.parameters())


@torch.no_grad()
def count_complexity(model: OSTrack, with_ce: bool = True) -> Complexity:
    """Count params and MACs of `model` at its config's template/search sizes; with_ce=False disables
    candidate elimination (every block sees every search token)."""
    cfg = model.config
    by_part: dict[str, int] = {}
    handles = []
    for name, module in model.named_modules():
        if isinstance(module, (nn.Linear, nn.Conv2d, MatMul)):

            def hook(mod, inputs, output, part=_part(name)):
                by_part[part] = by_part.get(part, 0) + _macs(mod, inputs, output)

            handles.append(module.register_forward_hook(hook))
    was_training = model.training
    model.eval()
    try:
        template = torch.zeros(1, 3, cfg.template_size, cfg.template_size)
        search = torch.zeros(1, 3, cfg.search_size, cfg.search_size)
        model(template, search, model.default_ce_mask(1), None if with_ce else 1.0)
    finally:
        for handle in handles:
            handle.remove()
        model.train(was_training)
    return Complexity(params=count_params(model), macs=sum(by_part.values()), macs_by_part=by_part)
