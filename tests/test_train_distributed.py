"""Two CPU processes (gloo): identical weights on both ranks, and a resume through `--nproc 2` that
ends exactly where the uninterrupted run ends."""

import os

import pytest
import torch
import torch.multiprocessing as mp
from train_helpers import tiny_config, tiny_sources

from edgetrack.train.distributed import free_port, init_process_group, shutdown
from edgetrack.train.launch import run_training
from edgetrack.train.trainer import Trainer


def _rank_worker(rank, world, config, output):
    dist = init_process_group(rank, world, rank, use_cuda=False)
    try:
        trainer = Trainer(config, output, dist)
        trainer.fit()
        torch.save(trainer.model.state_dict(), output / f"rank{rank}.pt")
    finally:
        shutdown()


@pytest.mark.slow
def test_two_process_gloo_run_and_resume(tmp_path):
    tiny_sources(tmp_path)
    overrides = ["train.epochs=2", "data.samples_per_epoch=16"]
    config = tiny_config(tmp_path, *overrides)
    os.environ["MASTER_ADDR"] = "127.0.0.1"
    os.environ["MASTER_PORT"] = str(free_port())
    mp.spawn(_rank_worker, args=(2, config, tmp_path / "straight"), nprocs=2, join=True)
    rank0 = torch.load(tmp_path / "straight" / "rank0.pt", weights_only=True)
    rank1 = torch.load(tmp_path / "straight" / "rank1.pt", weights_only=True)
    assert all(torch.equal(rank0[k], rank1[k]) for k in rank0)

    checkpoints = tmp_path / "straight" / "checkpoints"
    last = run_training(config, tmp_path / "resumed", resume=checkpoints / "epoch_0001.pth", nproc=2)
    assert last.name == "epoch_0002.pth"
    resumed = torch.load(last, weights_only=True)["net"]
    assert all(torch.equal(resumed[k], rank0[k]) for k in rank0)
