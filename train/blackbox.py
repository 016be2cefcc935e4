"""Black-box distillation: a student learns from the ground truth and from a tracker file it cannot
look inside (an ONNX / OpenVINO IR teacher that fits the model contract, `edgetrack.train.teacher`).

Per sample (so SSTrack's gradient scaling weights it):
  L = gt_weight    * (focal + 2 GIoU + 5 L1 against the ground truth)
    + score_weight * BCE(student score map, the teacher's score map on the student's grid)
    + box_weight   * c * (2 GIoU + 5 L1 against the box at the teacher's peak),
with c the teacher's peak score where it is at least `min_confidence`, else 0 (the teacher's box is
trusted only where the teacher is confident). With `agreement_iou` > 0 both teacher terms count on a pair
only where the box at the teacher's peak overlaps the ground truth by at least that IoU: where the teacher
follows something else (a look-alike, a passing car) the student learns from the ground truth alone. The
weights live in the config's `distill` section.
On a negative pair (`data.negative_probability`) only the ground-truth score term is left: the target is
absent, so the label is all zero, and the teacher, which tracks whatever it finds, is not followed.
The teacher's targets come with every training pair (`edgetrack.train.data.PairDataset`), computed in the data
pipeline, so data-loader workers run the teacher beside the training step.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import torch

from edgetrack.errors import EdgetrackError
from edgetrack.models.config import TrackerConfig
from edgetrack.train.config import TrainConfig
from edgetrack.train.losses import (
    BoxLossWeights,
    LossOutput,
    box_losses,
    box_xywh_to_xyxy,
    giou_per_sample,
    soft_score_loss,
    tracking_losses,
)
from edgetrack.train.teacher import BlackBoxTeacher

if TYPE_CHECKING:  # train.distill imports this module
    from edgetrack.train.distill import DistillConfig


@dataclass
class BlackBoxObjective:
    """The trainer's objective with a black-box teacher's targets in the batch; the term weights and
    the confidence threshold come from the config's `distill` section."""

    distill: DistillConfig
    box_weights: BoxLossWeights

    def __call__(self, model, batch: dict, forward_kwargs: dict) -> LossOutput:
        outputs = model(batch["template"], batch["search"], **forward_kwargs)
        negative = batch.get("negative")
        gt = tracking_losses(outputs, batch["search_box"], self.box_weights, negative)
        positive = 1.0 - negative.float() if negative is not None else 1.0
        score = positive * soft_score_loss(outputs["score_map"], batch["teacher_score"])
        giou, l1, _ = box_losses(outputs["pred_boxes"], batch["teacher_box"])
        agrees = self._agrees_with_ground_truth(batch["teacher_box"], batch["search_box"])
        score = agrees * score
        confidence = batch["teacher_confidence"].float()
        trust = agrees * positive * confidence * (confidence >= self.distill.min_confidence)
        box = trust * (self.box_weights.giou * giou + self.box_weights.l1 * l1)
        d = self.distill
        per_sample = d.gt_weight * gt.per_sample + d.score_weight * score + d.box_weight * box
        logs = {
            "track": gt.per_sample.detach().mean(),
            "teacher_score": score.detach().mean(),
            "teacher_box": box.detach().mean(),
            "confident": (trust > 0).float().mean(),
            "agrees": agrees.float().mean(),
        }
        return LossOutput(per_sample, gt.iou, logs)

    def _agrees_with_ground_truth(self, teacher_box: torch.Tensor, search_box: torch.Tensor) -> torch.Tensor:
        """(B,) 1 where the teacher's box overlaps the ground truth (both x,y,w,h in the search crop) by
        at least `agreement_iou`, else 0; all 1 when the gate is off."""
        if self.distill.agreement_iou <= 0:
            return torch.ones(teacher_box.shape[0], device=teacher_box.device)
        teacher_xyxy = box_xywh_to_xyxy(teacher_box.float())
        truth_xyxy = box_xywh_to_xyxy(search_box.float()).clamp(0.0, 1.0)
        _, iou = giou_per_sample(teacher_xyxy, truth_xyxy)
        return (iou >= self.distill.agreement_iou).float()


def run_blackbox_distillation(
    config: TrainConfig, distill: DistillConfig, output: Path,
    resume: Path | None = None, sources=None, exist_ok: bool = False,
) -> Path:  # fmt: skip
    """Train the config's `model` (the student's whole architecture) against the ground truth and the
    teacher file; writes the trainer's run folder and OUTPUT/student.pth (returned). A new run refuses
    a folder that holds one unless `exist_ok`."""
    from edgetrack.train.distill import fit_student
    from edgetrack.train.run_folder import claim_run_folder
    from edgetrack.train.trainer import Trainer

    student = TrackerConfig.from_dict(config.model, source="student model")
    teacher = BlackBoxTeacher(distill.teacher, student.feat_size, threads=1)
    teacher.check_regions(student.template_factor, student.search_factor)
    if distill.gt_weight == 0 and distill.score_weight == 0 and distill.box_weight == 0:
        raise EdgetrackError("config distill: gt_weight, score_weight and box_weight are all 0")
    box_weights = BoxLossWeights(config.loss.focal, config.loss.giou, config.loss.l1)
    objective = BlackBoxObjective(distill, box_weights)
    claim_run_folder(Path(output), resume is not None, exist_ok)
    trainer = Trainer(config, output, sources=sources, objective=objective, teacher=teacher)
    return fit_student(trainer, resume, distill.teacher)
