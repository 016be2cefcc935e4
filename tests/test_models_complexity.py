"""Counted parameters and MACs against hand computation on tiny configurations."""

from __future__ import annotations

import pytest

from edgetrack.models.complexity import count_complexity
from edgetrack.models.config import TrackerConfig
from edgetrack.models.ostrack import build_tracker

pytestmark = pytest.mark.usefixtures("single_torch_thread")

# dim 8, 2 heads, MLP 32, 2x2 template and 2x2 search tokens (N = 8), head channels 8 -> 8, 4, 2, 1.
TINY = dict(embed_dim=8, depth=1, num_heads=2, template_size=32, search_size=32, head_channels=8)


def head_macs(positions: int) -> int:
    """CENTER head on a map of `positions` cells: three branches of 3x3 convs 8->8->4->2->1, 1x1 out."""
    convs = 8 * 8 * 9 + 8 * 4 * 9 + 4 * 2 * 9 + 2 * 1 * 9
    return positions * (3 * convs + 1 + 2 + 2)


def block_macs(tokens_attn: int, tokens_mlp: int, dim: int = 8, hidden: int = 32) -> int:
    qkv_proj = tokens_attn * (dim * 3 * dim + dim * dim)
    attention = 2 * tokens_attn * tokens_attn * dim  # q@k^T and attn@v over all heads
    mlp = tokens_mlp * 2 * dim * hidden
    return qkv_proj + attention + mlp


def test_tiny_config_macs_and_params_by_hand():
    model = build_tracker(TrackerConfig.from_dict(TINY))
    counted = count_complexity(model)
    patch = 8 * 8 * (3 * 16 * 16)
    assert counted.macs_by_part == {
        "patch embedding": patch,
        "backbone linear layers": 8 * (8 * 24 + 8 * 8) + 8 * 2 * 8 * 32,
        "attention products": 2 * 8 * 8 * 8,
        "head": head_macs(4),
    }
    assert counted.macs == patch + block_macs(8, 8) + head_macs(4) == 67788
    backbone = (
        (768 * 8 + 8) + 8 + 197 * 8 + 4 * 8 + 4 * 8  # patch embed, cls, pos_embed (224), pos z, pos x
        + 2 * 8 + (8 * 24 + 24) + (8 * 8 + 8) + 2 * 8 + (8 * 32 + 32) + (32 * 8 + 8)  # one block
        + 2 * 8  # final norm
    )  # fmt: skip
    conv_bn = (8 * 8 * 9 + 8 + 2 * 8) + (8 * 4 * 9 + 4 + 2 * 4) + (4 * 2 * 9 + 2 + 2 * 2) + (2 * 9 + 1 + 2)
    head = 3 * conv_bn + (1 + 1) + 2 * (2 + 2)
    assert counted.params == backbone + head


def test_candidate_elimination_shortens_the_counted_sequences():
    # 4 template + 16 search tokens; block 0 keeps ceil(0.5 * 16) = 8 search tokens for its MLP and block 1.
    cfg = dict(TINY, depth=2, search_size=64, ce_loc=[0], ce_keep_ratio=0.5)
    model = build_tracker(TrackerConfig.from_dict(cfg))
    with_ce, without = count_complexity(model), count_complexity(model, with_ce=False)
    patch = 20 * 8 * 768
    assert with_ce.macs == patch + block_macs(20, 12) + block_macs(12, 12) + head_macs(16)
    assert without.macs == patch + 2 * block_macs(20, 20) + head_macs(16)
    assert with_ce.params == without.params
    assert model.training  # counting leaves the mode as it was
