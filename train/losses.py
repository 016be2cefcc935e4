"""OSTrack's tracking losses, per sample: weighted focal on the score map, GIoU and L1 on the box.

Each function returns one value per sample (shape (B,)) so that per-sample weights (SSTrack's gradient
scaling) can scale them; their plain mean over the batch equals OSTrack's batch loss whenever every
label has one peak (OSTrack divides the focal sum by the number of peaks in the batch).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch


def box_xywh_to_xyxy(box: torch.Tensor) -> torch.Tensor:
    x, y, w, h = box.unbind(-1)
    return torch.stack((x, y, x + w, y + h), dim=-1)


def box_cxcywh_to_xyxy(box: torch.Tensor) -> torch.Tensor:
    cx, cy, w, h = box.unbind(-1)
    return torch.stack((cx - 0.5 * w, cy - 0.5 * h, cx + 0.5 * w, cy + 0.5 * h), dim=-1)


def giou_per_sample(pred_xyxy: torch.Tensor, gt_xyxy: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(1 - GIoU, IoU) per row of two (B,4) x1,y1,x2,y2 tensors."""
    area_p = (pred_xyxy[:, 2] - pred_xyxy[:, 0]) * (pred_xyxy[:, 3] - pred_xyxy[:, 1])
    area_g = (gt_xyxy[:, 2] - gt_xyxy[:, 0]) * (gt_xyxy[:, 3] - gt_xyxy[:, 1])
    inter_wh = (
        torch.min(pred_xyxy[:, 2:], gt_xyxy[:, 2:]) - torch.max(pred_xyxy[:, :2], gt_xyxy[:, :2])
    ).clamp(min=0)
    inter = inter_wh[:, 0] * inter_wh[:, 1]
    union = area_p + area_g - inter
    iou = inter / union
    hull_wh = (
        torch.max(pred_xyxy[:, 2:], gt_xyxy[:, 2:]) - torch.min(pred_xyxy[:, :2], gt_xyxy[:, :2])
    ).clamp(min=0)
    hull = hull_wh[:, 0] * hull_wh[:, 1]
    giou = iou - (hull - union) / hull
    return 1.0 - giou, iou


def l1_per_sample(pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Mean absolute error over the box coordinates of each sample."""
    return (pred - target).abs().mean(dim=-1)


def focal_per_sample(
    score: torch.Tensor, label: torch.Tensor, alpha: float = 2, beta: float = 4
) -> torch.Tensor:
    """CornerNet/OSTrack focal loss per sample: -(pos + neg) / #peaks (or -neg without a peak)."""
    score = score.flatten(1).float().clamp(min=1e-12)
    label = label.flatten(1).float()
    positive = label.eq(1).float()
    negative = label.lt(1).float()
    pos = torch.log(score) * torch.pow(1 - score, alpha) * positive
    neg = torch.log(1 - score) * torch.pow(score, alpha) * torch.pow(1 - label, beta) * negative
    num_pos = positive.sum(dim=1)
    return -(pos.sum(dim=1) + neg.sum(dim=1)) / num_pos.clamp(min=1)


def gaussian_radius(width: float, height: float, min_overlap: float = 0.7) -> float:
    """CornerNet's radius (the version OSTrack uses): the smallest of its three quadratic roots."""
    b1 = height + width
    c1 = width * height * (1 - min_overlap) / (1 + min_overlap)
    r1 = (b1 + np.sqrt(b1**2 - 4 * c1)) / 2
    b2 = 2 * (height + width)
    c2 = (1 - min_overlap) * width * height
    r2 = (b2 + np.sqrt(b2**2 - 16 * c2)) / 2
    a3 = 4 * min_overlap
    b3 = -2 * min_overlap * (height + width)
    c3 = (min_overlap - 1) * width * height
    r3 = (b3 + np.sqrt(b3**2 - 4 * a3 * c3)) / 2
    return float(min(r1, r2, r3))


def gaussian_label(boxes_xywh: torch.Tensor, map_size: int, min_overlap: float = 0.7) -> torch.Tensor:
    """OSTrack's `generate_heatmap`: (B,4) x,y,w,h boxes normalised to the crop -> (B,1,S,S) label with a
    Gaussian (sigma = diameter/6) of CornerNet radius at the rounded box centre, peak 1."""
    boxes = boxes_xywh.detach().double().cpu().numpy() * map_size
    label = np.zeros((len(boxes), 1, map_size, map_size), dtype=np.float32)
    for i, (x, y, w, h) in enumerate(boxes):
        radius = int(max(gaussian_radius(w, h, min_overlap), 0))
        cx, cy = (int(v) for v in np.round([x + w / 2, y + h / 2]))  # half to even, as torch.round
        sigma = (2 * radius + 1) / 6
        grid = np.arange(-radius, radius + 1, dtype=np.float64)
        gauss = np.exp(-(grid[None, :] ** 2 + grid[:, None] ** 2) / (2 * sigma * sigma))
        gauss[gauss < np.finfo(np.float64).eps * gauss.max()] = 0
        left, right = min(cx, radius), min(map_size - cx, radius + 1)
        top, bottom = min(cy, radius), min(map_size - cy, radius + 1)
        if left + right <= 0 or top + bottom <= 0 or cx < 0 or cy < 0:
            continue
        patch = gauss[radius - top : radius + bottom, radius - left : radius + right]
        region = label[i, 0, cy - top : cy + bottom, cx - left : cx + right]
        np.maximum(region, patch, out=region)
    return torch.from_numpy(label).to(boxes_xywh.device)


@dataclass
class LossOutput:
    """What an objective returns: per-sample loss (B,), per-sample IoU (B,), detached scalars to log."""

    per_sample: torch.Tensor
    iou: torch.Tensor
    logs: dict


@dataclass(frozen=True)
class BoxLossWeights:
    """OSTrack's loss weights: focal 1, GIoU 2, L1 5."""

    focal: float = 1.0
    giou: float = 2.0
    l1: float = 5.0


def box_losses(pred_boxes: torch.Tensor, target_box: torch.Tensor) -> tuple[torch.Tensor, ...]:
    """(1 - GIoU, L1, IoU) per sample of predicted boxes ((B,1,4) or (B,4) cx,cy,w,h) against (B,4)
    x,y,w,h target boxes, both normalised to the search crop (the target clipped to the crop)."""
    pred_xyxy = box_cxcywh_to_xyxy(pred_boxes.float().reshape(-1, 4))
    target_xyxy = box_xywh_to_xyxy(target_box.float()).clamp(0.0, 1.0)
    giou, iou = giou_per_sample(pred_xyxy, target_xyxy)
    return giou, l1_per_sample(pred_xyxy, target_xyxy), iou


def tracking_losses(
    outputs: dict, target_box: torch.Tensor, weights: BoxLossWeights, negative: torch.Tensor | None = None
) -> LossOutput:
    """focal + GIoU + L1 of the model's outputs (pred_boxes (B,1,4) cx,cy,w,h, score_map (B,1,S,S))
    against (B,4) x,y,w,h target boxes normalised to the search crop, per sample. Where `negative` (B,)
    is 1 the target is absent: the score label is all zero and the box terms are 0."""
    score = outputs["score_map"]
    label = gaussian_label(target_box.float(), score.shape[-1])
    giou, l1, iou = box_losses(outputs["pred_boxes"], target_box)
    if negative is not None:
        positive = 1.0 - negative.float()
        label = label * positive[:, None, None, None]
        giou, l1 = giou * positive, l1 * positive
    focal = focal_per_sample(score, label)
    loss = weights.focal * focal + weights.giou * giou + weights.l1 * l1
    logs = {"focal": focal.detach().mean(), "giou": giou.detach().mean(), "l1": l1.detach().mean()}
    return LossOutput(loss, iou.detach(), logs)


def soft_score_loss(score: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Binary KL divergence of a (B,1,S,S) score map (sigmoid outputs) from a soft (B,1,S,S) target map
    in [0, 1] (the cross-entropy less the target's own entropy: 0 when the maps agree), summed over the
    map and divided by the map's side S, per sample (B,): about the scale of the focal loss whatever
    the map size."""
    eps = 1e-6
    score = score.flatten(1).float().clamp(eps, 1 - eps)
    target = target.flatten(1).float().clamp(0.0, 1.0)
    kl = target * (torch.log(target.clamp(min=eps)) - torch.log(score)) + (1 - target) * (
        torch.log((1 - target).clamp(min=eps)) - torch.log(1 - score)
    )
    return kl.sum(dim=1) / math.sqrt(kl.shape[1])
