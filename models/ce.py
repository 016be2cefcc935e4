"""Candidate elimination (OSTrack's CEBlock): drop the search tokens the template attends to least.

Keep counts are Python ints from static token counts (TrackerConfig.search_token_counts), and
selection uses topk/gather/scatter only, so the graph exports to ONNX with static shapes.
"""

from __future__ import annotations

import torch


def template_center_mask(template_feat_size: int, batch: int = 1) -> torch.Tensor:
    """OSTrack's `generate_mask_cond` with CE_TEMPLATE_RANGE 'CTR_POINT': (batch, n*n) bool, True at the
    single template token (c, c) with c = (n - 1) // 2 (OSTrack's table: n=7->3, 8->3, 12->5, 14->6)."""
    n = int(template_feat_size)
    centre = (n - 1) // 2
    mask = torch.zeros(batch, n, n, dtype=torch.bool)
    mask[:, centre, centre] = True
    return mask.flatten(1)


def search_token_scores(attn: torch.Tensor, lens_t: int, template_mask: torch.Tensor | None) -> torch.Tensor:
    """(B, L_s) score of each search token: attention paid to it by the masked template tokens
    (all template tokens when the mask is None), averaged over those tokens, then over heads."""
    attn_t = attn[:, :, :lens_t, lens_t:]  # B, heads, L_t, L_s
    if template_mask is None:
        return attn_t.mean(dim=2).mean(dim=1)
    weights = template_mask.to(attn_t.dtype)[:, None, :, None]  # B, 1, L_t, 1
    per_head = (attn_t * weights).sum(dim=2) / weights.sum(dim=2)
    return per_head.mean(dim=1)


def eliminate_candidates(
    tokens: torch.Tensor,
    attn: torch.Tensor,
    lens_t: int,
    lens_keep: int,
    global_index: torch.Tensor,
    template_mask: torch.Tensor | None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Keep the template tokens and the `lens_keep` best-scored search tokens.

    tokens (B, L_t + L_s, C); attn (B, heads, L, L); global_index (B, L_s) int64: original positions of
    the current search tokens. Returns the kept tokens (B, L_t + lens_keep, C), search tokens in
    descending score order like OSTrack's sort, and their original positions (B, lens_keep).
    """
    scores = search_token_scores(attn, lens_t, template_mask)
    kept, kept_index = keep_best_search_tokens(tokens[:, lens_t:], scores, lens_keep, global_index)
    return torch.cat([tokens[:, :lens_t], kept], dim=1), kept_index


def keep_best_search_tokens(
    search: torch.Tensor, scores: torch.Tensor, lens_keep: int, global_index: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """The `lens_keep` best-scored search tokens (B, lens_keep, C) in descending score order, and their
    original positions (B, lens_keep); scores (B, L_s), global_index (B, L_s)."""
    _, top = torch.topk(scores, lens_keep, dim=1, largest=True, sorted=True)
    kept = search.gather(1, top.unsqueeze(-1).expand(-1, -1, search.shape[-1]))
    return kept, global_index.gather(1, top)


def restore_search_tokens(search: torch.Tensor, global_index: torch.Tensor, lens_x: int) -> torch.Tensor:
    """Put kept search tokens (B, K, C) back at their original positions among `lens_x`; eliminated
    positions are zeros, as OSTrack pads them before the head."""
    batch, _, channels = search.shape
    full = search.new_zeros(batch, lens_x, channels)
    return full.scatter(1, global_index.unsqueeze(-1).expand(-1, -1, channels), search)
