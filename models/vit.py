"""ViT building blocks with timm/OSTrack parameter names: patch embedding, pre-norm blocks, drop path."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

LAYER_NORM_EPS = 1e-6


def layer_norm(dim: int, eps: float = LAYER_NORM_EPS) -> nn.LayerNorm:
    return nn.LayerNorm(dim, eps=eps)


class PatchEmbed(nn.Module):
    """Non-overlapping patch_size x patch_size convolution, then flattened to (B, tokens, dim)."""

    def __init__(self, patch_size: int, embed_dim: int, in_chans: int = 3):
        super().__init__()
        self.proj = nn.Conv2d(in_chans, embed_dim, kernel_size=patch_size, stride=patch_size)

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        return self.proj(image).flatten(2).transpose(1, 2)


class ConvStem(nn.Module):
    """log2(patch_size) stride-2 3x3 convolutions with hard-swish between them (widths doubling up to
    embed_dim), then flattened to (B, tokens, dim): vitTrack's stem, a convolutional patch embedding."""

    def __init__(self, patch_size: int, embed_dim: int, in_chans: int = 3):
        super().__init__()
        stages = patch_size.bit_length() - 1
        widths = [in_chans] + [embed_dim // 2 ** (stages - 1 - i) for i in range(stages)]
        layers: list[nn.Module] = []
        for i in range(stages):
            if i:
                layers.append(nn.Hardswish())
            layers.append(nn.Conv2d(widths[i], widths[i + 1], kernel_size=3, stride=2, padding=1))
        self.stem = nn.Sequential(*layers)

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        return self.stem(image).flatten(2).transpose(1, 2)


def patch_embedding(stem: str, patch_size: int, embed_dim: int) -> nn.Module:
    """The image-to-tokens module a config's `stem` names ("patch" or "conv")."""
    return ConvStem(patch_size, embed_dim) if stem == "conv" else PatchEmbed(patch_size, embed_dim)


class MatMul(nn.Module):
    """torch.matmul as a module, so that complexity hooks see the attention products."""

    def forward(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        return a @ b


class Attention(nn.Module):
    """Multi-head self-attention with qkv bias; returns the output and the softmax attention weights.

    With `template_tokens` T > 0 the attention is asymmetric (MixFormerV2-style): the first T tokens
    (the template) attend only to themselves, the others (search) to all tokens, so the template's
    keys and values do not depend on the search image and can be computed once per target. The
    weights returned are then the template rows over all keys, the attention a symmetric block's
    template would pay, which candidate elimination scores search tokens by (computed only when
    `ce_scores` is set; None otherwise).
    """

    def __init__(self, dim: int, num_heads: int, template_tokens: int = 0):
        super().__init__()
        self.num_heads = num_heads
        self.scale = (dim // num_heads) ** -0.5
        self.qkv = nn.Linear(dim, dim * 3, bias=True)
        self.proj = nn.Linear(dim, dim)
        self.qk = MatMul()
        self.av = MatMul()
        self.template_tokens = template_tokens
        self.ce_scores = False
        self.qk_template = MatMul()  # asymmetric: the template rows CE scores by

    def heads(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Queries, keys and values (B, heads, tokens, head_dim) of tokens x (B, tokens, dim)."""
        batch, tokens, dim = x.shape
        qkv = self.qkv(x).reshape(batch, tokens, 3, self.num_heads, dim // self.num_heads)
        q, k, v = qkv.permute(2, 0, 3, 1, 4).unbind(0)
        return q, k, v

    def mix(self, q: torch.Tensor, k: torch.Tensor, v: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Softmax(q k^T * scale) v, heads merged and projected: (B, queries, dim), and the weights."""
        attn = (self.qk(q, k.transpose(-2, -1)) * self.scale).softmax(dim=-1)
        out = self.av(attn, v).transpose(1, 2).flatten(2)
        return self.proj(out), attn

    def template_weights(self, q_template: torch.Tensor, k: torch.Tensor) -> torch.Tensor:
        """Softmax attention of template queries over all keys (template then search)."""
        return (self.qk_template(q_template, k.transpose(-2, -1)) * self.scale).softmax(dim=-1)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
        q, k, v = self.heads(x)
        t = self.template_tokens
        if not t:
            return self.mix(q, k, v)
        out_template, _ = self.mix(q[:, :, :t], k[:, :, :t], v[:, :, :t])
        out_search, _ = self.mix(q[:, :, t:], k, v)
        weights = self.template_weights(q[:, :, :t], k) if self.ce_scores else None
        return torch.cat([out_template, out_search], dim=1), weights


class Mlp(nn.Module):
    def __init__(self, dim: int, hidden: int):
        super().__init__()
        self.fc1 = nn.Linear(dim, hidden)
        self.act = nn.GELU()
        self.fc2 = nn.Linear(hidden, dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc2(self.act(self.fc1(x)))


class DropPath(nn.Module):
    """Stochastic depth: in training, zero a whole sample's residual branch with probability p."""

    def __init__(self, p: float = 0.0):
        super().__init__()
        self.p = float(p)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.p == 0.0 or not self.training:
            return x
        keep = 1.0 - self.p
        mask = x.new_empty((x.shape[0],) + (1,) * (x.ndim - 1)).bernoulli_(keep)
        return x * mask / keep

    def extra_repr(self) -> str:
        return f"p={self.p}"


class Block(nn.Module):
    """Pre-norm transformer block. `attend` and `feed_forward` are split so that candidate
    elimination can act between them, as OSTrack's CEBlock does."""

    def __init__(
        self,
        dim: int,
        num_heads: int,
        mlp_ratio: float,
        drop_path: float = 0.0,
        template_tokens: int = 0,
        norm_eps: float = LAYER_NORM_EPS,
    ):
        super().__init__()
        self.norm1 = layer_norm(dim, norm_eps)
        self.attn = Attention(dim, num_heads, template_tokens)
        self.drop_path = DropPath(drop_path)
        self.norm2 = layer_norm(dim, norm_eps)
        self.mlp = Mlp(dim, int(dim * mlp_ratio))

    def attend(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        out, attn = self.attn(self.norm1(x))
        return x + self.drop_path(out), attn

    def feed_forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.drop_path(self.mlp(self.norm2(x)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.feed_forward(self.attend(x)[0])


def resize_pos_embed_grid(patch_pos_embed: torch.Tensor, old_grid: int, new_grid: int) -> torch.Tensor:
    """(1, old_grid**2, C) position embeddings -> (1, new_grid**2, C) by bicubic interpolation
    (align_corners=False), exactly as OSTrack's `finetune_track` builds pos_embed_z / pos_embed_x."""
    channels = patch_pos_embed.shape[-1]
    grid = patch_pos_embed.transpose(1, 2).reshape(1, channels, old_grid, old_grid)
    grid = F.interpolate(grid, size=(new_grid, new_grid), mode="bicubic", align_corners=False)
    return grid.flatten(2).transpose(1, 2)
