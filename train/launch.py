"""Start training on one process, on N spawned processes (`--nproc N`), or under torchrun."""

from __future__ import annotations

import os
from pathlib import Path

import torch
import torch.multiprocessing as mp

from edgetrack.errors import EdgetrackError
from edgetrack.train.config import TrainConfig
from edgetrack.train.distributed import (
    DistContext,
    context_from_environment,
    free_port,
    init_process_group,
    shutdown,
    torchrun_environment,
)
from edgetrack.train.run_folder import claim_run_folder
from edgetrack.train.trainer import Trainer, resolve_device


def _uses_cuda(config: TrainConfig) -> bool:
    return resolve_device(config.train.device).type == "cuda"


def _train(config: TrainConfig, output: Path, resume: Path | None, dist: DistContext) -> Path:
    trainer = Trainer(config, output, dist)
    if resume is not None:
        trainer.resume(resume)
    return trainer.fit()


def _worker(rank: int, world: int, config: TrainConfig, output: Path, resume, errors) -> None:
    """One spawned rank: join the group, train, report a user-facing error through the queue."""
    try:
        dist = init_process_group(rank, world, rank, _uses_cuda(config))
        try:
            _train(config, output, resume, dist)
        finally:
            shutdown()
    except EdgetrackError as exc:
        errors.put(f"rank {rank}: {exc}")
        raise SystemExit(1) from None


def run_training(
    config: TrainConfig, output: Path, resume: Path | None = None, nproc: int = 1, exist_ok: bool = False
) -> Path | None:
    """Train with `nproc` local processes (DDP when > 1), or join torchrun's group when launched by it.

    A new run refuses a folder that holds one unless `exist_ok`. Returns the last checkpoint written."""
    output = Path(output)
    claim_run_folder(output, resume is not None, exist_ok)
    if torchrun_environment():
        dist = context_from_environment(_uses_cuda(config))
        try:
            return _train(config, output, resume, dist)
        finally:
            shutdown()
    if nproc <= 1:
        return _train(config, output, resume, DistContext())
    if _uses_cuda(config) and torch.cuda.device_count() < nproc:
        raise EdgetrackError(f"--nproc {nproc} needs {nproc} GPUs, {torch.cuda.device_count()} visible")
    os.environ.setdefault("MASTER_ADDR", "127.0.0.1")
    os.environ["MASTER_PORT"] = str(free_port())
    context = mp.get_context("spawn")
    errors = context.SimpleQueue()
    try:
        mp.spawn(_worker, args=(nproc, config, output, resume, errors), nprocs=nproc, join=True)
    except mp.ProcessExitedException as exc:
        message = errors.get() if not errors.empty() else f"a training process failed: {exc}"
        raise EdgetrackError(message) from None
    checkpoints = sorted((output / "checkpoints").glob("epoch_*.pth"))
    return checkpoints[-1] if checkpoints else None
