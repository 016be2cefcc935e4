"""The training loop: OSTrack's optimisation with SSTrack's scheduled sampling, on one process or many.

The loss comes from a pluggable objective: `objective(model, batch, forward_kwargs) -> LossOutput`
(per-sample loss and IoU). The trainer weights the per-sample losses (SSTrack's gradient scaling),
steps the optimiser, feeds the IoUs to the interval scheduler, and checkpoints. Distillation plugs in
its own objective (teacher inside it) and reuses everything else.

Reproducibility: every epoch reseeds torch/numpy/python from (seed, epoch, rank) and sample i of an
epoch is a pure function of (seed, epoch, rank, i), so resuming from an epoch checkpoint continues
bit for bit.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import random
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import yaml
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data import DataLoader

from edgetrack.errors import EdgetrackError
from edgetrack.models.checkpoint import load_checkpoint, load_tracker_state
from edgetrack.models.config import TrackerConfig
from edgetrack.models.ostrack import build_tracker
from edgetrack.train.config import TrainConfig, deep_merge
from edgetrack.train.data import PairDataset, Source, open_source, processing_from
from edgetrack.train.distributed import DistContext
from edgetrack.train.losses import BoxLossWeights, LossOutput, tracking_losses
from edgetrack.train.run_folder import config_changes, load_training_state, truncate_metrics
from edgetrack.train.sstrack import IntervalScheduler


class TrainingDiverged(EdgetrackError):
    """The loss (or the gradient norm) stopped being finite."""


@dataclass
class TrackingObjective:
    """OSTrack's objective against the ground truth: focal + 2 GIoU + 5 L1, per sample."""

    weights: BoxLossWeights

    def __call__(self, model, batch: dict, forward_kwargs: dict) -> LossOutput:
        outputs = model(batch["template"], batch["search"], **forward_kwargs)
        return tracking_losses(outputs, batch["search_box"], self.weights, batch.get("negative"))


def resolve_device(name: str, local_rank: int = 0) -> torch.device:
    """'auto' -> the rank's GPU when CUDA is available, else the CPU; 'cuda' -> the rank's GPU."""
    if name == "auto":
        name = "cuda" if torch.cuda.is_available() else "cpu"
    if name == "cuda":
        name = f"cuda:{local_rank}"
    try:
        device = torch.device(name)
    except RuntimeError as exc:
        raise EdgetrackError(f"train.device {name!r} is not a device (auto, cpu, cuda, cuda:N)") from exc
    if device.type == "cuda" and not torch.cuda.is_available():
        raise EdgetrackError(f"train.device is {name} but CUDA is not available")
    return device


def ce_keep_rate(epoch: int, start: int, warm: int, base: float) -> float:
    """OSTrack's candidate-elimination schedule: keep all tokens before `start`, then a cosine from 1
    down to the configured ratio over `warm` epochs."""
    if epoch < start:
        return 1.0
    if epoch >= start + warm:
        return base
    return base + (1.0 - base) * (math.cos((epoch - start) / warm * math.pi) + 1) * 0.5


def seed_everything(seed: int, epoch: int, rank: int) -> None:
    """Reseed torch, numpy and python from (seed, epoch, rank)."""
    derived = int(np.random.SeedSequence([seed, epoch, rank]).generate_state(1)[0])
    torch.manual_seed(derived)
    np.random.seed(derived)
    random.seed(derived)


def rng_state() -> dict:
    """torch/numpy/python RNG states as checkpoint-safe values (tensors, lists, numbers)."""
    kind, keys, pos, has_gauss, gauss = np.random.get_state()
    state = {
        "torch": torch.get_rng_state(),
        "numpy": [kind, torch.from_numpy(keys.astype(np.int64)), pos, has_gauss, gauss],
        "python": list(random.getstate()),
    }
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: dict) -> None:
    torch.set_rng_state(state["torch"])
    kind, keys, pos, has_gauss, gauss = state["numpy"]
    np.random.set_state((kind, keys.numpy().astype(np.uint32), pos, has_gauss, gauss))
    version, internal, gauss_next = state["python"]
    random.setstate((version, tuple(internal), gauss_next))
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def atomic_save(obj, path: Path) -> None:
    """torch.save to a temporary file beside `path`, then rename: never a half-written checkpoint."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        torch.save(obj, tmp)
        os.replace(tmp, path)
    except BaseException:  # a full disk or an interrupt: no temporary left behind
        tmp.unlink(missing_ok=True)
        raise


def build_optimizer(model: torch.nn.Module, config: TrainConfig, extra=()) -> torch.optim.Optimizer:
    """AdamW with OSTrack's two groups: backbone parameters at lr x backbone_lr_multiplier; `extra`
    parameters (an objective's own, e.g. distillation projections) go with the head."""
    head = [p for n, p in model.named_parameters() if "backbone" not in n and p.requires_grad]
    head += [p for p in extra if p.requires_grad]
    backbone = [p for n, p in model.named_parameters() if "backbone" in n and p.requires_grad]
    opt = config.train
    groups = [{"params": head}, {"params": backbone, "lr": opt.lr * opt.backbone_lr_multiplier}]
    return torch.optim.AdamW(groups, lr=opt.lr, weight_decay=opt.weight_decay)


class Trainer:
    """Builds model, data, optimiser and schedulers from a TrainConfig; `fit()` trains and checkpoints.

    `model`, `sources` and `objective` may be given to reuse the loop (tests, distillation); a
    black-box `teacher` (`edgetrack.train.teacher.BlackBoxTeacher`) adds its targets to every training
    pair."""

    def __init__(
        self,
        config: TrainConfig,
        output_dir: Path | str,
        dist: DistContext | None = None,
        model: torch.nn.Module | None = None,
        sources: list[Source] | None = None,
        objective=None,
        console: Console | None = None,
        teacher=None,
    ):
        self.config = config
        self.output_dir = Path(output_dir)
        self.dist = dist or DistContext()
        self.console = console or Console(stderr=True)
        opt = config.train
        if opt.threads > 0:
            torch.set_num_threads(opt.threads)
        self.device = resolve_device(opt.device, self.dist.local_rank)
        self.tracker_config = TrackerConfig.from_dict(config.model, source="config model")
        sources = sources if sources is not None else [open_source(d) for d in config.data.datasets]
        self.model, self.ddp_model = self._build_model(model)
        self.objective = objective or TrackingObjective(
            BoxLossWeights(config.loss.focal, config.loss.giou, config.loss.l1)
        )
        self.dataset = PairDataset(
            sources,
            config.sampler,
            processing_from(config.data, self.tracker_config, teacher),
            config.data.samples_per_epoch // self.dist.world,
            opt.seed,
            self.dist.rank,
            teacher,
            config.data.negative_probability,
            config.data.absent_probability,
        )
        self.steps_per_epoch = len(self.dataset) // opt.batch_size
        if self.steps_per_epoch < 1:
            raise EdgetrackError(
                f"data.samples_per_epoch {config.data.samples_per_epoch} over {self.dist.world} process(es) "
                f"gives less than one batch of {opt.batch_size}"
            )
        self.objective_module = self.objective if isinstance(self.objective, torch.nn.Module) else None
        if self.objective_module is not None:
            self.objective_module.to(self.device)
        extra = list(self.objective_module.parameters()) if self.objective_module is not None else []
        self.optimizer = build_optimizer(self.model, config, extra)
        self.lr_scheduler = torch.optim.lr_scheduler.StepLR(
            self.optimizer, opt.lr_drop_epoch, gamma=opt.lr_decay
        )
        self.interval_scheduler = IntervalScheduler(
            self.dataset.q_random, self.dataset.available_bins, opt.epochs, config.sampler.order
        )
        self.amp_dtype = None
        if opt.amp:
            self.amp_dtype = torch.float16 if self.device.type == "cuda" else torch.bfloat16
        self.scaler = torch.amp.GradScaler("cuda", enabled=opt.amp and self.device.type == "cuda")
        self.start_epoch = 0
        self.last_checkpoint: Path | None = None

    def _build_model(self, model: torch.nn.Module | None):
        """The plain model (seeded: the same initial weights on every rank) and its DDP wrapper."""
        opt = self.config.train
        torch.manual_seed(opt.seed)
        if model is None:
            model = build_tracker(self.tracker_config)
            if opt.init_checkpoint:
                report = load_checkpoint(model, opt.init_checkpoint)
                if self.dist.is_main:
                    self.console.print(f"initialised from {opt.init_checkpoint} ({report.kind})")
        model.to(self.device)
        if not self.dist.active:
            return model, model
        # OSTrack keeps cls_token and pos_embed, unused in forward: hence find_unused_parameters
        device_ids = [self.device.index] if self.device.type == "cuda" else None
        return model, DistributedDataParallel(model, device_ids=device_ids, find_unused_parameters=True)

    # ----------------------------------------------------------------- checkpoints
    @property
    def checkpoint_dir(self) -> Path:
        return self.output_dir / "checkpoints"

    def state_dict(self, epochs_done: int) -> dict:
        return {
            "net": self.model.state_dict(),
            "epoch": epochs_done,
            "optimizer": self.optimizer.state_dict(),
            "scheduler": self.lr_scheduler.state_dict(),
            "sampler": {"kind": self.config.sampler.kind, **self.interval_scheduler.state_dict()},
            "scaler": self.scaler.state_dict(),
            "rng": rng_state(),
            "model_config": self.tracker_config.to_dict(),
            "config": self.config.to_dict(),
            "net_type": "OSTrack",
            "objective": self._objective_state(),
        }

    def _objective_state(self) -> dict:
        """The objective's trainable parameters only (never a frozen teacher)."""
        if self.objective_module is None:
            return {}
        return {n: p.detach() for n, p in self.objective_module.named_parameters() if p.requires_grad}

    def save(self, epochs_done: int) -> Path:
        path = self.checkpoint_dir / f"epoch_{epochs_done:04d}.pth"
        atomic_save(self.state_dict(epochs_done), path)
        return path

    def resume(self, path: Path | str) -> None:
        """Load a checkpoint written by `save` and continue after its epoch."""
        path = Path(path)
        state = load_training_state(path, self.device)
        # a setting added after the checkpoint was written counts as its default
        stored = deep_merge(TrainConfig().to_dict(), state.get("config", {}))
        changes = config_changes(stored, self.config.to_dict())
        if changes:
            raise EdgetrackError(
                f"{path} was trained with other settings ({'; '.join(changes)}): a resume continues the "
                "same run; start a new run (another -o) to change them"
            )
        try:
            load_tracker_state(self.model, state["net"], str(path))  # a mismatch in a few lines
            if self.objective_module is not None:
                self.objective_module.load_state_dict(state["objective"], strict=False)
            self.optimizer.load_state_dict(state["optimizer"])
            self.lr_scheduler.load_state_dict(state["scheduler"])
            self.interval_scheduler.load_state_dict(state["sampler"])
            self.scaler.load_state_dict(state["scaler"])
            set_rng_state(state["rng"])
        except (KeyError, RuntimeError, ValueError) as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise EdgetrackError(f"{path} is not a training checkpoint of this config: {first}") from exc
        if self.dist.is_main:
            truncate_metrics(self.output_dir, int(state["epoch"]))
        self.start_epoch = int(state["epoch"])
        self.last_checkpoint = path

    # ----------------------------------------------------------------- loop
    def _forward_kwargs(self, batch_size: int, epoch: int) -> dict:
        cfg = self.tracker_config
        if not cfg.ce_enabled:
            return {}
        mask = self.model.default_ce_mask(batch_size)
        rate = ce_keep_rate(
            epoch, self.config.train.ce_start_epoch, self.config.train.ce_warm_epoch, min(cfg.keep_ratios)
        )
        return {"ce_template_mask": None if mask is None else mask.to(self.device), "ce_keep_rate": rate}

    def _loader(self) -> DataLoader:
        return DataLoader(
            self.dataset,
            batch_size=self.config.train.batch_size,
            shuffle=False,
            drop_last=True,
            num_workers=self.config.data.num_workers,
            pin_memory=self.device.type == "cuda",
        )

    def _step(self, batch: dict, bin_weights: torch.Tensor, epoch: int, step: int) -> LossOutput:
        opt = self.config.train
        batch = {k: v.to(self.device, non_blocking=True) for k, v in batch.items()}
        autocast = (
            torch.autocast(self.device.type, dtype=self.amp_dtype)
            if self.amp_dtype
            else contextlib.nullcontext()
        )
        with autocast:
            out = self.objective(self.ddp_model, batch, self._forward_kwargs(len(batch["bin"]), epoch))
        weights = bin_weights.to(self.device)[batch["bin"]]
        loss = (out.per_sample.float() * weights).mean()
        if not self.dist.all_true(bool(torch.isfinite(loss))):
            self._diverged("loss", epoch, step)
        self.optimizer.zero_grad(set_to_none=True)
        self.scaler.scale(loss).backward()
        self.scaler.unscale_(self.optimizer)
        params = [p for group in self.optimizer.param_groups for p in group["params"]]
        norm = torch.nn.utils.clip_grad_norm_(params, opt.grad_clip if opt.grad_clip > 0 else float("inf"))
        if not self.scaler.is_enabled() and not bool(torch.isfinite(norm)):
            self._diverged("gradient norm", epoch, step)
        self.scaler.step(self.optimizer)
        self.scaler.update()
        out.logs["loss"] = loss.detach()
        return out

    def _diverged(self, what: str, epoch: int, step: int):
        where = f"epoch {epoch} step {step}"
        kept = (
            f"last good checkpoint: {self.last_checkpoint}" if self.last_checkpoint else "no checkpoint yet"
        )
        self._log({"event": "diverged", "what": what, "epoch": epoch, "step": step})
        raise TrainingDiverged(f"training stopped: the {what} is not finite at {where}; {kept}")

    def _log(self, record: dict) -> None:
        if not self.dist.is_main:
            return
        self.output_dir.mkdir(parents=True, exist_ok=True)
        with open(self.output_dir / "metrics.jsonl", "a", encoding="utf-8") as handle:
            handle.write(json.dumps(record) + "\n")

    def _write_config(self) -> None:
        if self.dist.is_main:
            self.output_dir.mkdir(parents=True, exist_ok=True)
            tmp = self.output_dir / ".config.yaml.tmp"
            tmp.write_text(yaml.safe_dump(self.config.to_dict(), sort_keys=False), encoding="utf-8")
            os.replace(tmp, self.output_dir / "config.yaml")

    def _progress(self) -> Progress:
        return Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn(
                "loss {task.fields[loss]:.3f}  mIoU {task.fields[iou]:.3f}  {task.fields[rate]:.1f} samples/s"
            ),
            TimeRemainingColumn(),
            console=self.console,
            disable=not self.dist.is_main,
        )

    def fit(self) -> Path:
        """Train from `start_epoch` to the configured number of epochs; returns the last checkpoint."""
        opt = self.config.train
        self._write_config()
        use_weights = self.config.sampler.kind == "interval" and self.config.sampler.gradient_scaling
        with self._progress() as progress:
            for epoch in range(self.start_epoch, opt.epochs):
                seed_everything(opt.seed, epoch, self.dist.rank)
                if hasattr(self.objective, "set_epoch"):  # epoch-scheduled objectives (distillation)
                    self.objective.set_epoch(epoch, opt.epochs)
                self.dataset.set_epoch(epoch, self.interval_scheduler.q)
                bin_weights = torch.as_tensor(
                    self.interval_scheduler.weights() if use_weights else np.ones(len(self.dataset.q_random)),
                    dtype=torch.float32,
                )
                self.ddp_model.train()
                task = progress.add_task(
                    f"epoch {epoch + 1}/{opt.epochs}", total=self.steps_per_epoch, loss=0.0, iou=0.0, rate=0.0
                )
                bins, ious, losses, terms = [], [], [], []
                start = time.perf_counter()
                for step, batch in enumerate(self._loader()):
                    out = self._step(batch, bin_weights, epoch, step)
                    positive = batch["negative"].numpy() == 0 if "negative" in batch else slice(None)
                    bins.append(batch["bin"].numpy()[positive])  # negatives have no IoU to schedule on
                    ious.append(out.iou.float().cpu().numpy()[positive])
                    losses.append(float(out.logs["loss"]))
                    terms.append({name: float(value) for name, value in out.logs.items() if name != "loss"})
                    rate = (step + 1) * opt.batch_size * self.dist.world / (time.perf_counter() - start)
                    iou = np.concatenate(ious)
                    progress.update(
                        task, advance=1, loss=np.mean(losses), iou=iou.mean() if len(iou) else 0.0, rate=rate
                    )
                samples_per_s = (step + 1) * opt.batch_size / (time.perf_counter() - start)
                self._end_epoch(
                    epoch, np.concatenate(bins), np.concatenate(ious), losses, terms, samples_per_s
                )
        return self.last_checkpoint

    def _end_epoch(
        self,
        epoch: int,
        bins: np.ndarray,
        ious: np.ndarray,
        losses: list,
        terms: list[dict],
        samples_per_s: float,
    ) -> None:
        self.lr_scheduler.step()
        self.dist.broadcast_buffers(self.model)  # DDP syncs buffers only at the next forward
        num_bins = len(self.dataset.q_random)
        totals = self.dist.all_reduce_sum([ious.sum(), len(ious), np.sum(losses), len(losses), samples_per_s])
        tau = totals[0] / max(totals[1], 1.0)
        successes = np.bincount(bins, weights=(ious > tau).astype(np.float64), minlength=num_bins)
        counts = np.bincount(bins, minlength=num_bins).astype(np.float64)
        successes, counts = np.split(self.dist.all_reduce_sum(np.concatenate([successes, counts])), 2)
        names = sorted(terms[0])
        term_means = (
            self.dist.all_reduce_sum([np.mean([t[n] for t in terms]) for n in names]) / self.dist.world
        )
        q_used = self.interval_scheduler.q.copy()
        if self.config.sampler.kind == "interval":
            self.interval_scheduler.update(successes, counts, epoch + 1)
        self._log(
            {
                "epoch": epoch + 1,
                "loss": totals[2] / totals[3],
                "mean_iou": tau,
                "samples_per_s": totals[4],
                "lr": self.optimizer.param_groups[0]["lr"],
                "terms": dict(zip(names, term_means.tolist(), strict=True)),
                "bin_counts": counts.tolist(),
                "bin_success": (successes / np.maximum(counts, 1)).tolist(),
                "q_used": q_used.tolist() if self.config.sampler.kind == "interval" else None,
                "q_next": self.interval_scheduler.q.tolist()
                if self.config.sampler.kind == "interval"
                else None,
            }
        )
        every = self.config.train.checkpoint_every
        if (every > 0 and (epoch + 1) % every == 0) or epoch + 1 == self.config.train.epochs:
            if self.dist.is_main:
                self.last_checkpoint = self.save(epoch + 1)
            else:
                self.last_checkpoint = self.checkpoint_dir / f"epoch_{epoch + 1:04d}.pth"
            self.dist.barrier()
