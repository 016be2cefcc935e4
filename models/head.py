"""OSTrack's CENTER head: score, offset and size maps from the search tokens, and the box at the peak."""

from __future__ import annotations

import torch
from torch import nn

SIGMOID_CLAMP = 1e-4


def conv_bn_relu(in_ch: int, out_ch: int, batch_norm: bool = True) -> nn.Sequential:
    """3x3 Conv, BatchNorm (unless batch_norm is False), ReLU: OSTrack's `conv`; the conv is `.0` always."""
    conv = nn.Conv2d(in_ch, out_ch, 3, padding=1, bias=True)
    if batch_norm:
        return nn.Sequential(conv, nn.BatchNorm2d(out_ch), nn.ReLU())
    return nn.Sequential(conv, nn.ReLU())


def clamped_sigmoid(x: torch.Tensor) -> torch.Tensor:
    """OSTrack's `_sigmoid`: sigmoid clamped to [1e-4, 1 - 1e-4]."""
    return torch.clamp(x.sigmoid(), min=SIGMOID_CLAMP, max=1 - SIGMOID_CLAMP)


class CenterHead(nn.Module):
    """Three branches (ctr, offset, size) of four 3x3 Conv+BN+ReLU (channels c, c/2, c/4, c/8) and a
    1x1 output conv. Score and size maps go through the clamped sigmoid; offsets stay raw."""

    BRANCHES = (("ctr", 1), ("offset", 2), ("size", 2))

    def __init__(self, in_channels: int, channels: int, feat_size: int, batch_norm: bool = True):
        super().__init__()
        self.feat_size = feat_size
        widths = [in_channels, channels, channels // 2, channels // 4, channels // 8]
        for branch, outputs in self.BRANCHES:
            for i in range(4):
                self.add_module(f"conv{i + 1}_{branch}", conv_bn_relu(widths[i], widths[i + 1], batch_norm))
            self.add_module(f"conv5_{branch}", nn.Conv2d(widths[4], outputs, kernel_size=1))

    def _branch(self, name: str, x: torch.Tensor) -> torch.Tensor:
        for i in range(1, 6):
            x = getattr(self, f"conv{i}_{name}")(x)
        return x

    def forward(self, feat: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """feat (B, C, N, N) -> score (B,1,N,N), size (B,2,N,N), offset (B,2,N,N)."""
        score = clamped_sigmoid(self._branch("ctr", feat))
        size = clamped_sigmoid(self._branch("size", feat))
        offset = self._branch("offset", feat)
        return score, size, offset

    def cal_bbox(self, score: torch.Tensor, size: torch.Tensor, offset: torch.Tensor) -> torch.Tensor:
        """(B, 4) normalised cx, cy, w, h at the arg-max of the score map, as OSTrack's `cal_bbox`."""
        n = self.feat_size
        idx = score.flatten(1).argmax(dim=1, keepdim=True)  # B, 1
        idx_y = torch.div(idx, n, rounding_mode="floor")
        idx_x = idx - idx_y * n
        gather_idx = idx.unsqueeze(1).expand(-1, 2, 1)
        wh = size.flatten(2).gather(2, gather_idx).squeeze(-1)
        off = offset.flatten(2).gather(2, gather_idx).squeeze(-1)
        cx = (idx_x.to(off.dtype) + off[:, :1]) / n
        cy = (idx_y.to(off.dtype) + off[:, 1:]) / n
        return torch.cat([cx, cy, wh], dim=1)
