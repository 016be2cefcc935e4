"""Template caching for trackers with asymmetric attention (TrackerConfig.asymmetric_attention): the
network split into an init part and a track part, for a two-part export.

With asymmetric attention the template tokens never see the search tokens, so every block's template
keys and values depend on the template alone. The init part (`TemplateEncoder`) runs once per target:
template -> `template_kv` (depth, 2, heads, L_t, head_dim), and for candidate elimination the
queries of the template tokens that score search tokens (`template_q`: CE blocks x heads x rows x
head_dim; rows: the template centre for CTR_POINT, every template token for ALL). The track part
(`CachedSearchTracker`) runs per frame: search + the cache -> score, size and offset maps, the search
tokens attending to the cached template keys and values and their own. Both parts run the very
modules of the joint network (the same weights), batch 1.
"""

from __future__ import annotations

import torch
from torch import nn

from edgetrack.errors import EdgetrackError
from edgetrack.models.ce import keep_best_search_tokens, restore_search_tokens
from edgetrack.models.ostrack import OSTrack

CACHE_NAMES = ("template_kv", "template_q")


def _check(model: OSTrack) -> None:
    if not model.config.asymmetric_attention:
        raise EdgetrackError("template caching needs a model with asymmetric_attention: true")


def ce_blocks(model: OSTrack) -> list[int]:
    """The blocks that eliminate search tokens (the keep count drops after them)."""
    counts = [model.config.feat_size**2] + model.config.search_token_counts()
    return [i for i in range(model.config.depth) if counts[i + 1] < counts[i]]


def ce_rows(model: OSTrack) -> list[int]:
    """The template tokens whose attention scores search tokens: the CE mask's, or all of them."""
    mask = model.default_ce_mask(1)
    if mask is None:
        return list(range(model.backbone.lens_z))
    return [int(i) for i in mask[0].nonzero().flatten()]


class TemplateEncoder(nn.Module):
    """Init part: template (1, 3, T, T) -> template_kv, and template_q when the model eliminates."""

    def __init__(self, model: OSTrack):
        super().__init__()
        _check(model)
        self.model = model
        self.ce_blocks = ce_blocks(model)
        self.ce_rows = ce_rows(model)

    def forward(self, template: torch.Tensor):
        backbone = self.model.backbone
        z = backbone.embed_template(template)
        kv, queries = [], []
        for i, block in enumerate(backbone.blocks):
            q, k, v = block.attn.heads(block.norm1(z))
            out, _ = block.attn.mix(q, k, v)
            z = block.feed_forward(z + block.drop_path(out))
            kv.append(torch.stack([k, v], dim=1))  # 1, 2, heads, L_t, head_dim
            if i in self.ce_blocks:
                queries.append(q[:, :, self.ce_rows])  # 1, heads, rows, head_dim
        template_kv = torch.cat(kv, dim=0)
        return (template_kv, torch.cat(queries, dim=0)) if queries else template_kv


class CachedSearchTracker(nn.Module):
    """Track part: (search, template_kv[, template_q]) -> (score, size, offset) maps."""

    def __init__(self, model: OSTrack):
        super().__init__()
        _check(model)
        self.model = model
        self.ce_blocks = ce_blocks(model)

    def forward(
        self, search: torch.Tensor, template_kv: torch.Tensor, template_q: torch.Tensor | None = None
    ):
        model, backbone = self.model, self.model.backbone
        lens_z, lens_x = backbone.lens_z, backbone.lens_x
        counts = model.config.search_token_counts()
        x = backbone.embed_search(search)
        index = torch.arange(lens_x, device=search.device).unsqueeze(0)
        for i, block in enumerate(backbone.blocks):
            q, k, v = block.attn.heads(block.norm1(x))
            keys = torch.cat([template_kv[i : i + 1, 0], k], dim=2)
            values = torch.cat([template_kv[i : i + 1, 1], v], dim=2)
            out, _ = block.attn.mix(q, keys, values)
            x = x + block.drop_path(out)
            if i in self.ce_blocks:
                rows = template_q[self.ce_blocks.index(i)].unsqueeze(0)  # 1, heads, rows, head_dim
                weights = block.attn.template_weights(rows, keys)[..., lens_z:]
                x, index = keep_best_search_tokens(x, weights.mean(dim=2).mean(dim=1), counts[i], index)
            x = block.feed_forward(x)
        x = backbone.norm(x)
        if x.shape[1] < lens_x:
            x = restore_search_tokens(x, index, lens_x)
        out = model.decode(x)
        return out["score_map"], out["size_map"], out["offset_map"]
