"""CompressTracker distillation (NeurIPS 2024): compress a trained one-stream tracker (the teacher) into
an N-stage student by stage replacement, prediction guidance and stage-wise feature mimicking.

- The teacher's blocks are split into N stages (`divide_stages`); the student's blocks are split into
  the same number of stages and initialised from the teacher (`init_student_from_teacher`).
- Each iteration draws one Bernoulli(p) per stage (`replacement_probability` schedules p over the
  epochs): 1 runs the student's stage, 0 the frozen teacher's; each stage takes the previous stage's
  output (`mixed_forward`). The patch embedding goes with stage 0's network and the final norm and head
  with the last stage's, so an all-student draw is exactly the student and an all-teacher draw the
  teacher.
- Loss (`CompressTrackerObjective`): L_track (ground truth) + 1.0 L_pred (the teacher's predicted box as
  ground truth, Gaussian label at its centre) + 0.2 L_feat (MSE of each stage's output against the
  teacher's at the same boundary).
- Candidate elimination: with `ce: stages` the student eliminates at the stage level as the teacher
  does, so the token count at every stage boundary is the same in both networks; `ce: none` runs
  teacher and student without elimination (CompressTracker's own setting).

The trainer (`edgetrack.train.trainer.Trainer`) runs the loop: sampler (random or SSTrack's interval sampler),
scheduler, gradient scaling, checkpoints and resume; this module only supplies the model and the
objective. The teacher is held once (the replacement stages are its own block modules), frozen, in
eval mode, and never in the optimiser or a checkpoint.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import torch
from torch import nn
from torch.nn.parallel import DistributedDataParallel

from edgetrack.errors import EdgetrackError
from edgetrack.models.ce import eliminate_candidates, restore_search_tokens
from edgetrack.models.checkpoint import checkpoint_architecture, load_checkpoint
from edgetrack.models.config import TrackerConfig
from edgetrack.models.ostrack import OSTrack, build_tracker
from edgetrack.train.blackbox import run_blackbox_distillation
from edgetrack.train.config import TrainConfig, _build, apply_override, check_config, read_yaml_with_base
from edgetrack.train.losses import BoxLossWeights, LossOutput, tracking_losses
from edgetrack.train.teacher import is_tracker_file

CE_MODES = ("stages", "none")
INIT_BLOCKS = ("last", "first")


# ----------------------------------------------------------------------------- configuration
@dataclass
class DistillConfig:
    """The `distill` section of a distillation config (the rest is a training config whose `model`
    section is merged over the teacher's architecture to give the student's)."""

    teacher: str = ""  # teacher checkpoint (or --teacher)
    teacher_arch: str = ""  # its architecture file (or --teacher-arch; else NAME.json beside it)
    stages: int = 4
    boundaries: list[int] = field(default_factory=list)  # first teacher block of stages 2..N
    init_block: str = "last"  # which teacher block of a stage initialises the student's
    p_init: float = 0.5
    alpha1: float = 0.1
    alpha2: float = 0.1
    pred_weight: float = 1.0
    feat_weight: float = 0.2
    ce: str = "stages"
    # a black-box teacher (.onnx / .xml; edgetrack.train.blackbox): L = gt + score + box terms, each weighted
    gt_weight: float = 1.0
    score_weight: float = 1.0
    box_weight: float = 1.0
    min_confidence: float = 0.5
    agreement_iou: float = 0.0  # teacher terms only where its box overlaps the ground truth so (0: off)


def load_distill_config(path: Path | str, overrides: list[str] = ()) -> tuple[TrainConfig, DistillConfig]:
    """Read a distillation YAML (`base:` allowed), apply `key=value` overrides (`distill.stages=3`
    included) and check every key: the training sections as `edgetrack.train.config.load_config`,
    plus `distill`."""
    data = read_yaml_with_base(Path(path))
    for text in overrides:
        apply_override(data, text)
    distill = _build(DistillConfig, data.pop("distill", {}) or {}, "distill")
    config = _build(TrainConfig, data, "")
    check_config(config)
    check_distill_config(distill)
    return config, distill


def check_distill_config(distill: DistillConfig) -> None:
    """Values the types alone do not catch; one EdgetrackError naming them all."""
    problems = []
    if distill.ce not in CE_MODES:
        problems.append(f"distill.ce: one of {CE_MODES}, got {distill.ce!r}")
    if distill.init_block not in INIT_BLOCKS:
        problems.append(f"distill.init_block: one of {INIT_BLOCKS}, got {distill.init_block!r}")
    if not 0.0 <= distill.p_init <= 1.0:
        problems.append(f"distill.p_init {distill.p_init} outside [0, 1]")
    if distill.alpha1 < 0 or distill.alpha2 < 0 or distill.alpha1 + distill.alpha2 > 1:
        problems.append("distill.alpha1 and alpha2 must be >= 0 with alpha1 + alpha2 <= 1")
    if distill.stages < 1:
        problems.append(f"distill.stages must be positive, got {distill.stages}")
    for name in ("gt_weight", "score_weight", "box_weight", "pred_weight", "feat_weight"):
        if not getattr(distill, name) >= 0:
            problems.append(f"distill.{name} must be >= 0, got {getattr(distill, name)}")
    if not 0.0 <= distill.min_confidence <= 1.0:
        problems.append(f"distill.min_confidence {distill.min_confidence} outside [0, 1]")
    if not 0.0 <= distill.agreement_iou <= 1.0:
        problems.append(f"distill.agreement_iou {distill.agreement_iou} outside [0, 1]")
    if problems:
        raise EdgetrackError("config " + "; ".join(problems))


# ----------------------------------------------------------------------------- schedule and stages
def divide_stages(teacher_depth: int, n_stages: int, boundaries: list[int] | None = None) -> list[range]:
    """Split blocks 0..depth-1 into `n_stages` consecutive stages.

    Without `boundaries` the split is even (12 -> 4: 0-2, 3-5, 6-8, 9-11; a remainder goes to the first
    stages). `boundaries` lists the first block of stages 2..N (12 -> 4 even is [3, 6, 9])."""
    if n_stages < 1 or n_stages > teacher_depth:
        raise EdgetrackError(f"cannot divide {teacher_depth} blocks into {n_stages} stages")
    if boundaries:
        starts = [int(b) for b in boundaries]
        if len(starts) != n_stages - 1:
            raise EdgetrackError(f"{n_stages} stages need {n_stages - 1} boundaries, got {starts}")
        if any(b <= a for a, b in zip([0] + starts, starts + [teacher_depth], strict=True)):
            raise EdgetrackError(f"boundaries {starts} must increase strictly within 1..{teacher_depth - 1}")
    else:
        size, extra = divmod(teacher_depth, n_stages)
        starts, start = [], 0
        for stage in range(n_stages - 1):
            start += size + (stage < extra)
            starts.append(start)
    edges = [0] + starts + [teacher_depth]
    return [range(a, b) for a, b in zip(edges[:-1], edges[1:], strict=True)]


def replacement_probability(
    epoch: int, total_epochs: int, p_init: float = 0.5, alpha1: float = 0.1, alpha2: float = 0.1
) -> float:
    """CompressTracker's schedule of the probability that a stage runs the student: p_init for
    epoch < alpha1 E, then linear up to 1 at epoch (1 - alpha2) E, and 1 after (epoch counted from 0)."""
    start, end = alpha1 * total_epochs, (1.0 - alpha2) * total_epochs
    if epoch < start:
        return p_init
    if epoch >= end:
        return 1.0
    return p_init + (1.0 - p_init) * (epoch - start) / (end - start)


def student_model_dict(
    teacher: TrackerConfig, model_section: dict, teacher_stages: list[range], ce: str
) -> dict:
    """The student's architecture: the teacher's, with the config's `model` keys over it. With
    `ce: stages` the student's CE blocks follow the teacher's stage by stage: a teacher CE block at
    position j of a stage of m blocks becomes the student's block floor(j k / m) of that stage (k
    student blocks per stage); with `ce: none` the student has none."""
    data = {**teacher.to_dict(), **model_section}
    for key in ("template_size", "search_size", "patch_size"):
        if data[key] != getattr(teacher, key):
            raise EdgetrackError(f"the student's {key} {data[key]} differs from the teacher's")
    if ce == "none":
        data.update(ce_loc=[], ce_keep_ratio=1.0)
        return data
    if "ce_loc" in model_section:
        return data  # the config sets the student's CE itself; checked by check_stage_token_counts
    student_stages = divide_stages(int(data["depth"]), len(teacher_stages))
    ce_loc, ratios = [], []
    for t_stage, s_stage in zip(teacher_stages, student_stages, strict=True):
        for block in t_stage:
            ratio = teacher.block_keep_ratio(block)
            if ratio < 1.0:
                position = (block - t_stage.start) * len(s_stage) // len(t_stage)
                ce_loc.append(s_stage.start + position)
                ratios.append(ratio)
    if len(set(ce_loc)) != len(ce_loc):
        raise EdgetrackError(
            "the teacher eliminates candidates more than once in a stage the student covers with fewer "
            "blocks: give the student more blocks, set model.ce_loc yourself, or use distill.ce: none"
        )
    data.update(ce_loc=ce_loc, ce_keep_ratio=ratios if ratios else 1.0)
    return data


def check_stage_token_counts(
    teacher: TrackerConfig,
    student: TrackerConfig,
    teacher_stages: list[range],
    student_stages: list[range],
    keep_rate: float | None = None,
) -> None:
    """Both networks must leave the same number of search tokens at every stage boundary, or a stage
    of one could not follow a stage of the other."""
    t_counts, s_counts = teacher.search_token_counts(keep_rate), student.search_token_counts(keep_rate)
    t_ends = [t_counts[stage[-1]] for stage in teacher_stages]
    s_ends = [s_counts[stage[-1]] for stage in student_stages]
    if t_ends != s_ends:
        raise EdgetrackError(
            f"search tokens at the stage boundaries differ: teacher {t_ends}, student {s_ends}; "
            "match the student's ce_loc/ce_keep_ratio to the stages or use distill.ce: none"
        )


# ----------------------------------------------------------------------------- initialisation
def teacher_block_for(student_block: int, teacher_stage: range, student_stage: range, init_block: str) -> int:
    """The teacher block that initialises a student block: the stage's last k blocks (default, as the
    authors' code) or first k, for k student blocks in the stage (clamped to the stage)."""
    k, m, j = len(student_stage), len(teacher_stage), student_block - student_stage.start
    offset = max(m - k, 0) + j if init_block == "last" else j
    return teacher_stage[min(offset, m - 1)]


@torch.no_grad()
def init_student_from_teacher(
    student: OSTrack,
    teacher: OSTrack,
    teacher_stages: list[range],
    student_stages: list[range],
    init_block: str = "last",
) -> list[str]:
    """Copy patch embedding, position embeddings, final norm and head, and each student block from a
    teacher block of its stage. Tensors whose shapes differ (another width) keep their initialisation.
    Returns the student parameter/buffer names copied."""
    source = {name: name for name in student.state_dict() if not name.startswith("backbone.blocks.")}
    for t_stage, s_stage in zip(teacher_stages, student_stages, strict=True):
        for block in s_stage:
            t_block = teacher_block_for(block, t_stage, s_stage, init_block)
            prefix, t_prefix = f"backbone.blocks.{block}.", f"backbone.blocks.{t_block}."
            for name in student.state_dict():
                if name.startswith(prefix):
                    source[name] = t_prefix + name[len(prefix) :]
    teacher_state, student_state = teacher.state_dict(), student.state_dict()
    copied = []
    for name, t_name in source.items():
        t_tensor = teacher_state.get(t_name)
        if t_tensor is not None and t_tensor.shape == student_state[name].shape:
            student_state[name].copy_(t_tensor)
            copied.append(name)
    return copied


# ----------------------------------------------------------------------------- teacher
def load_teacher(checkpoint: Path | str, arch: Path | str | None = None) -> OSTrack:
    """The teacher, frozen (no gradients) and in eval mode (no dropout or drop path)."""
    checkpoint = Path(checkpoint)
    found = checkpoint_architecture(checkpoint, arch)
    if found is None:
        raise EdgetrackError(f"no architecture for teacher {checkpoint}: give --teacher-arch ARCH.json")
    teacher = build_tracker(found.config)
    load_checkpoint(teacher, checkpoint)
    return freeze(teacher)


def freeze(model: nn.Module) -> nn.Module:
    model.eval()
    for parameter in model.parameters():
        parameter.requires_grad_(False)
    return model


# ----------------------------------------------------------------------------- mixed network
def _embed(model: OSTrack, template: torch.Tensor, search: torch.Tensor) -> torch.Tensor:
    backbone = model.backbone
    return torch.cat([backbone.embed_template(template), backbone.embed_search(search)], dim=1)


def _run_blocks(model, blocks: range, tokens, search_index, token_counts, ce_template_mask):
    """Blocks of `model` with its candidate elimination, as ViTBackbone.forward runs them."""
    lens_z = model.backbone.lens_z
    for i in blocks:
        block = model.backbone.blocks[i]
        tokens, attn = block.attend(tokens)
        if token_counts[i] < search_index.shape[1]:
            tokens, search_index = eliminate_candidates(
                tokens, attn, lens_z, token_counts[i], search_index, ce_template_mask
            )
        tokens = block.feed_forward(tokens)
    return tokens, search_index


def _decode(model: OSTrack, tokens: torch.Tensor, search_index: torch.Tensor) -> dict:
    """Final norm, eliminated positions restored as zeros, CENTER head: OSTrack.forward's outputs."""
    backbone = model.backbone
    tokens = backbone.norm(tokens)
    search_tokens = tokens[:, backbone.lens_z :]
    if search_tokens.shape[1] < backbone.lens_x:
        search_tokens = restore_search_tokens(search_tokens, search_index, backbone.lens_x)
    return model.decode(torch.cat([tokens[:, : backbone.lens_z], search_tokens], dim=1))


class StageProjections(nn.Module):
    """Training-only linear maps between stages of different widths: `to_student.{s}` when student
    stage s follows a teacher stage, `to_teacher.{s}` when teacher stage s follows a student stage,
    `feature.{s}` to compare a student stage's output with the teacher's. Empty for equal widths."""

    def __init__(self, teacher_dim: int, student_dim: int, n_stages: int):
        super().__init__()
        differ = teacher_dim != student_dim
        stages = range(n_stages) if differ else ()
        self.to_student = nn.ModuleDict({str(s): nn.Linear(teacher_dim, student_dim) for s in stages if s})
        self.to_teacher = nn.ModuleDict({str(s): nn.Linear(student_dim, teacher_dim) for s in stages if s})
        self.feature = nn.ModuleDict({str(s): nn.Linear(student_dim, teacher_dim) for s in stages})

    def between(self, stage: int, previous_student: bool, student: bool, tokens: torch.Tensor):
        if stage == 0 or previous_student == student or not len(self.feature):
            return tokens
        table = self.to_student if student else self.to_teacher
        return table[str(stage)](tokens)

    def to_teacher_width(self, stage: int, student: bool, tokens: torch.Tensor) -> torch.Tensor:
        if not student or not len(self.feature):
            return tokens
        return self.feature[str(stage)](tokens)


def mixed_forward(
    student: OSTrack,
    teacher: OSTrack,
    plan: list[bool],
    teacher_stages: list[range],
    student_stages: list[range],
    projections: StageProjections,
    template: torch.Tensor,
    search: torch.Tensor,
    ce_template_mask: torch.Tensor | None = None,
    ce_keep_rate: float | None = None,
) -> tuple[dict, list[tuple[torch.Tensor, torch.Tensor]]]:
    """The replacement network: stage s runs the student's blocks if plan[s] else the teacher's.
    Returns OSTrack's outputs and each stage's (tokens, kept search positions), student-width
    outputs projected to the teacher's width for comparison."""
    networks = {True: (student, student_stages), False: (teacher, teacher_stages)}
    counts = {
        True: student.config.search_token_counts(ce_keep_rate),
        False: teacher.config.search_token_counts(ce_keep_rate),
    }
    tokens = _embed(networks[plan[0]][0], template, search)
    lens_x = student.backbone.lens_x
    search_index = torch.arange(lens_x, device=search.device).unsqueeze(0).expand(search.shape[0], -1)
    stage_outputs = []
    for stage, use_student in enumerate(plan):
        model, stages = networks[use_student]
        tokens = projections.between(stage, stage > 0 and plan[stage - 1], use_student, tokens)
        tokens, search_index = _run_blocks(
            model, stages[stage], tokens, search_index, counts[use_student], ce_template_mask
        )
        stage_outputs.append((projections.to_teacher_width(stage, use_student, tokens), search_index))
    return _decode(networks[plan[-1]][0], tokens, search_index), stage_outputs


def stage_feature_loss(
    mixed: tuple[torch.Tensor, torch.Tensor],
    target: tuple[torch.Tensor, torch.Tensor],
    lens_z: int,
    lens_x: int,
) -> torch.Tensor:
    """Per-sample MSE between a stage's output and the teacher's at the same boundary, averaged over
    the template tokens and the search positions both networks kept (compared at their original
    positions, so candidate elimination may keep them in another order or keep others)."""
    (tokens, index), (t_tokens, t_index) = mixed, target
    template_err = (tokens[:, :lens_z] - t_tokens[:, :lens_z]).pow(2).mean(-1).sum(1)
    search = restore_search_tokens(tokens[:, lens_z:], index, lens_x)
    t_search = restore_search_tokens(t_tokens[:, lens_z:], t_index, lens_x)
    kept = torch.zeros(index.shape[0], lens_x, device=index.device).scatter(1, index, 1.0)
    both = kept * torch.zeros_like(kept).scatter(1, t_index, 1.0)
    search_err = ((search - t_search).pow(2).mean(-1) * both).sum(1)
    return (template_err + search_err) / (lens_z + both.sum(1))


def box_cxcywh_to_xywh(box: torch.Tensor) -> torch.Tensor:
    cx, cy, w, h = box.unbind(-1)
    return torch.stack((cx - 0.5 * w, cy - 0.5 * h, w, h), dim=-1)


# ----------------------------------------------------------------------------- objective
class CompressTrackerObjective(nn.Module):
    """The trainer's objective for distillation: objective(student, batch, forward_kwargs).

    Holds the frozen teacher (kept in eval mode whatever `train()` is called with) and the training-only
    projections (its only trainable parameters). `set_epoch` (called by the trainer before each epoch)
    sets the replacement probability."""

    def __init__(
        self,
        teacher: OSTrack,
        student_config: TrackerConfig,
        distill: DistillConfig,
        weights: BoxLossWeights,
    ):
        super().__init__()
        self.teacher = freeze(teacher)
        self.distill = distill
        self.weights = weights
        self.teacher_stages = divide_stages(teacher.config.depth, distill.stages, distill.boundaries)
        self.student_stages = divide_stages(student_config.depth, distill.stages)
        self.ce_off = distill.ce == "none"
        if not self.ce_off:
            check_stage_token_counts(teacher.config, student_config, self.teacher_stages, self.student_stages)
        self.projections = StageProjections(
            teacher.config.embed_dim, student_config.embed_dim, distill.stages
        )
        self.probability = distill.p_init

    def train(self, mode: bool = True):
        super().train(mode)
        self.teacher.eval()
        return self

    def set_epoch(self, epoch: int, total_epochs: int) -> None:
        d = self.distill
        self.probability = replacement_probability(epoch, total_epochs, d.p_init, d.alpha1, d.alpha2)

    def draw_plan(self) -> list[bool]:
        """One Bernoulli(p) per stage (torch's RNG, reseeded by the trainer every epoch). A draw with no
        student stage would train nothing: as the authors' code, one stage drawn uniformly runs the
        student instead."""
        plan = (torch.rand(self.distill.stages) < self.probability).tolist()
        if not any(plan):
            plan[int(torch.randint(self.distill.stages, ()))] = True
        return plan

    def forward(self, model, batch: dict, forward_kwargs: dict) -> LossOutput:
        student = model.module if isinstance(model, DistributedDataParallel) else model
        kwargs = {"ce_keep_rate": 1.0} if self.ce_off else dict(forward_kwargs)
        template, search = batch["template"], batch["search"]
        with torch.no_grad():
            target = self.teacher(template, search, return_tokens=True, **kwargs)
        aux = target["aux"]
        target_stages = [
            (aux["block_tokens"][s[-1]], aux["block_search_index"][s[-1]]) for s in self.teacher_stages
        ]
        plan = self.draw_plan()
        outputs, stage_outputs = mixed_forward(
            student,
            self.teacher,
            plan,
            self.teacher_stages,
            self.student_stages,
            self.projections,
            template,
            search,
            kwargs.get("ce_template_mask"),
            kwargs.get("ce_keep_rate"),
        )
        negative = batch.get("negative")
        track = tracking_losses(outputs, batch["search_box"], self.weights, negative)
        teacher_box = box_cxcywh_to_xywh(target["pred_boxes"][:, 0].detach().float())
        pred = tracking_losses(outputs, teacher_box, self.weights, negative)
        lens_z, lens_x = self.teacher.backbone.lens_z, self.teacher.backbone.lens_x
        feat = torch.stack(
            [
                stage_feature_loss(m, t, lens_z, lens_x)
                for m, t in zip(stage_outputs, target_stages, strict=True)
            ]
        ).mean(0)
        d = self.distill
        per_sample = (
            d.gt_weight * track.per_sample + d.pred_weight * pred.per_sample + d.feat_weight * feat.float()
        )
        logs = {
            "track": track.per_sample.detach().mean(),
            "pred": pred.per_sample.detach().mean(),
            "feat": feat.detach().mean(),
            "student_stages": torch.tensor(float(sum(plan))),
        }
        return LossOutput(per_sample, track.iou, logs)


# ----------------------------------------------------------------------------- a run
def prepare_distillation(
    config: TrainConfig, distill: DistillConfig, teacher: OSTrack
) -> tuple[TrainConfig, OSTrack, CompressTrackerObjective]:
    """Resolve the student's architecture into `config.model`, build the student initialised from the
    teacher (with the config's seed), and the objective."""
    teacher_stages = divide_stages(teacher.config.depth, distill.stages, distill.boundaries)
    config.model = student_model_dict(teacher.config, config.model, teacher_stages, distill.ce)
    student_config = TrackerConfig.from_dict(config.model, source="student model")
    torch.manual_seed(config.train.seed)
    student = build_tracker(student_config)
    init_student_from_teacher(
        student,
        teacher,
        teacher_stages,
        divide_stages(student_config.depth, distill.stages),
        distill.init_block,
    )
    weights = BoxLossWeights(config.loss.focal, config.loss.giou, config.loss.l1)
    return config, student, CompressTrackerObjective(teacher, student_config, distill, weights)


def save_student(student: OSTrack, path: Path, epochs: int, teacher: str) -> Path:
    """The plain student: {'net', 'model_config', 'net_type', 'epoch', 'distilled_from'}; no teacher
    weights, no projections; `net` loads strictly into build_tracker(model_config). Its architecture
    goes beside it as NAME.json, where `edgetrack export` and `info` look for it."""
    from edgetrack.train.trainer import atomic_save

    arch = path.with_suffix(".json")
    arch.parent.mkdir(parents=True, exist_ok=True)
    tmp = arch.with_name(f".{arch.name}.tmp")
    tmp.write_text(json.dumps(student.config.to_dict(), indent=1), encoding="utf-8")
    os.replace(tmp, arch)

    state = {
        "net": student.state_dict(),
        "model_config": student.config.to_dict(),
        "net_type": "OSTrack",
        "epoch": epochs,
        "distilled_from": teacher,
    }
    atomic_save(state, path)
    return path


def fit_student(trainer, resume: Path | None, teacher: str) -> Path:
    """Resume the trainer if asked, train, and save the plain student as OUTPUT/student.pth."""
    if resume is not None:
        trainer.resume(resume)
    trainer.fit()
    output = trainer.output_dir / "student.pth"
    return save_student(trainer.model, output, trainer.config.train.epochs, str(teacher))


def run_distillation(
    config: TrainConfig,
    distill: DistillConfig,
    output: Path,
    resume: Path | None = None,
    sources=None,
    exist_ok: bool = False,
) -> Path:
    """Distil on one process; writes the trainer's run folder and OUTPUT/student.pth (returned). A
    tracker file (.onnx / .xml) as the teacher runs black-box distillation (`edgetrack.train.blackbox`),
    a torch checkpoint CompressTracker. A new run refuses a folder that holds one unless `exist_ok`."""
    from edgetrack.train.run_folder import claim_run_folder
    from edgetrack.train.trainer import Trainer

    if not distill.teacher:
        raise EdgetrackError("no teacher: give --teacher CKPT (or distill.teacher in the config)")
    if is_tracker_file(distill.teacher):
        return run_blackbox_distillation(config, distill, output, resume, sources, exist_ok)
    teacher = load_teacher(distill.teacher, distill.teacher_arch or None)
    claim_run_folder(Path(output), resume is not None, exist_ok)
    config, student, objective = prepare_distillation(config, distill, teacher)
    trainer = Trainer(config, output, model=student, sources=sources, objective=objective)
    return fit_student(trainer, resume, distill.teacher)
