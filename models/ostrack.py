"""The one-stream ViT tracker (OSTrack layout): template and search tokens through one ViT, optional
candidate elimination, CENTER head. Parameter names match OSTrack's state dicts exactly."""

from __future__ import annotations

import torch
from torch import nn

from edgetrack.models.ce import eliminate_candidates, restore_search_tokens, template_center_mask
from edgetrack.models.config import TrackerConfig
from edgetrack.models.head import CenterHead
from edgetrack.models.vit import Block, layer_norm, patch_embedding, resize_pos_embed_grid


class ViTBackbone(nn.Module):
    """OSTrack's VisionTransformerCE. `cls_token` and the 224 `pos_embed` are kept (unused in forward)
    because OSTrack checkpoints carry them; `pos_embed_z` / `pos_embed_x` are derived from `pos_embed`.
    With `separate_stems` the template goes through `patch_embed_z`, the search through `patch_embed`."""

    def __init__(self, config: TrackerConfig):
        super().__init__()
        self.config = config
        dim = config.embed_dim
        self.pretrain_grid = config.pretrain_img_size // config.patch_size
        self.lens_z = config.template_feat_size**2
        self.lens_x = config.feat_size**2
        self.patch_embed = patch_embedding(config.stem, config.patch_size, dim)
        if config.separate_stems:
            self.patch_embed_z = patch_embedding(config.stem, config.patch_size, dim)
        self.cls_token = nn.Parameter(torch.zeros(1, 1, dim))
        self.pos_embed = nn.Parameter(torch.zeros(1, 1 + self.pretrain_grid**2, dim))
        self.pos_embed_z = nn.Parameter(torch.zeros(1, self.lens_z, dim))
        self.pos_embed_x = nn.Parameter(torch.zeros(1, self.lens_x, dim))
        rates = torch.linspace(0, config.drop_path_rate, config.depth).tolist()
        template_tokens = self.lens_z if config.asymmetric_attention else 0
        self.blocks = nn.ModuleList(
            Block(dim, config.num_heads, config.mlp_ratio, rate, template_tokens, config.layer_norm_eps)
            for rate in rates
        )
        for i in config.ce_loc:
            self.blocks[i].attn.ce_scores = True
        self.norm = layer_norm(dim, config.layer_norm_eps)
        self._init_weights()

    def _init_weights(self) -> None:
        nn.init.trunc_normal_(self.pos_embed, std=0.02)
        nn.init.normal_(self.cls_token, std=1e-6)
        for module in self.modules():
            if isinstance(module, nn.Linear):
                nn.init.trunc_normal_(module.weight, std=0.02)
                nn.init.zeros_(module.bias)
            elif isinstance(module, nn.LayerNorm):
                nn.init.ones_(module.weight)
                nn.init.zeros_(module.bias)
        self.derive_pos_embeds()

    @torch.no_grad()
    def derive_pos_embeds(self, patch_pos: torch.Tensor | None = None, grid: int | None = None) -> None:
        """Set pos_embed_z / pos_embed_x by bicubic interpolation of pre-trained patch position
        embeddings (1, grid*grid, C); by default those of `pos_embed` with its cls entry dropped."""
        if patch_pos is None:
            patch_pos, grid = self.pos_embed[:, 1:], self.pretrain_grid
        self.pos_embed_z.copy_(resize_pos_embed_grid(patch_pos, grid, self.config.template_feat_size))
        self.pos_embed_x.copy_(resize_pos_embed_grid(patch_pos, grid, self.config.feat_size))

    def embed_template(self, template: torch.Tensor) -> torch.Tensor:
        """Template tokens with their position embeddings: (B, L_z, C)."""
        stem = self.patch_embed_z if self.config.separate_stems else self.patch_embed
        return stem(template) + self.pos_embed_z

    def embed_search(self, search: torch.Tensor) -> torch.Tensor:
        """Search tokens with their position embeddings: (B, L_x, C)."""
        return self.patch_embed(search) + self.pos_embed_x

    def forward(
        self,
        template: torch.Tensor,
        search: torch.Tensor,
        ce_template_mask: torch.Tensor | None = None,
        ce_keep_rate: float | None = None,
        return_tokens: bool = False,
    ) -> tuple[torch.Tensor, dict]:
        """Returns the normalised tokens (B, L_z + L_x, C), eliminated search positions zero, and an aux
        dict: `search_index` (B, K) original positions of the kept search tokens, and with
        return_tokens, `block_tokens` / `block_search_index`: every block's output and its kept positions."""
        x = self.embed_search(search)
        tokens = torch.cat([self.embed_template(template), x], dim=1)
        lens_z, lens_s = self.lens_z, self.lens_x
        # Static Python ints: the exported graph has fixed shapes.
        token_counts = self.config.search_token_counts(ce_keep_rate)
        search_index = torch.arange(lens_s, device=search.device).unsqueeze(0).expand(x.shape[0], -1)
        block_tokens, block_index = [], []
        for i, block in enumerate(self.blocks):
            tokens, attn = block.attend(tokens)
            lens_keep = token_counts[i]
            if lens_keep < lens_s:
                tokens, search_index = eliminate_candidates(
                    tokens, attn, lens_z, lens_keep, search_index, ce_template_mask
                )
                lens_s = lens_keep
            tokens = block.feed_forward(tokens)
            if return_tokens:
                block_tokens.append(tokens)
                block_index.append(search_index)
        tokens = self.norm(tokens)
        search_tokens = tokens[:, lens_z:]
        if lens_s < self.lens_x:
            search_tokens = restore_search_tokens(search_tokens, search_index, self.lens_x)
        aux = {"search_index": search_index}
        if return_tokens:
            aux.update(block_tokens=block_tokens, block_search_index=block_index)
        return torch.cat([tokens[:, :lens_z], search_tokens], dim=1), aux


class OSTrack(nn.Module):
    """Backbone + CENTER head. forward -> dict(pred_boxes (B,1,4) normalised cx,cy,w,h, score_map,
    size_map, offset_map, backbone_feat, aux)."""

    def __init__(self, config: TrackerConfig):
        super().__init__()
        self.config = config
        self.backbone = ViTBackbone(config)
        self.box_head = CenterHead(
            config.embed_dim, config.head_channels, config.feat_size, config.head_batch_norm
        )

    def default_ce_mask(self, batch: int = 1) -> torch.Tensor | None:
        """The template mask the tracker passes for CE: the centre token (CTR_POINT) or None (ALL)."""
        if self.config.ce_template_range == "CTR_POINT":
            return template_center_mask(self.config.template_feat_size, batch)
        return None

    def forward(
        self,
        template: torch.Tensor,
        search: torch.Tensor,
        ce_template_mask: torch.Tensor | None = None,
        ce_keep_rate: float | None = None,
        return_tokens: bool = False,
    ) -> dict:
        feat, aux = self.backbone(template, search, ce_template_mask, ce_keep_rate, return_tokens)
        return {**self.decode(feat), "aux": aux}

    def decode(self, feat: torch.Tensor) -> dict:
        """The CENTER head on the search part of the backbone's tokens (B, L_z + L_x, C): OSTrack's
        `pred_boxes` (B, 1, 4), `score_map`, `size_map`, `offset_map`, and `backbone_feat` (= feat)."""
        n = self.config.feat_size
        search_feat = feat[:, -n * n :].transpose(1, 2).reshape(feat.shape[0], -1, n, n)
        score, size, offset = self.box_head(search_feat)
        boxes = self.box_head.cal_bbox(score, size, offset)
        return {
            "pred_boxes": boxes.unsqueeze(1),
            "score_map": score,
            "size_map": size,
            "offset_map": offset,
            "backbone_feat": feat,
        }


class TrackerMaps(nn.Module):
    """Export view: (template, search) -> (score_map, size_map, offset_map), with the CE template mask
    of the config baked in as a constant."""

    def __init__(self, model: OSTrack):
        super().__init__()
        self.model = model
        mask = model.default_ce_mask(1)
        self.register_buffer(
            "ce_mask", mask if mask is not None else torch.zeros(0, dtype=torch.bool), persistent=False
        )
        self._use_mask = mask is not None

    def forward(self, template: torch.Tensor, search: torch.Tensor):
        out = self.model(template, search, self.ce_mask if self._use_mask else None)
        return out["score_map"], out["size_map"], out["offset_map"]


def build_tracker(config: TrackerConfig) -> OSTrack:
    """A freshly initialised tracker for `config`."""
    return OSTrack(config)
