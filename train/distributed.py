"""Process-group plumbing: one rank per process, gloo on the CPU and nccl on GPUs.

`edgetrack train --nproc N` spawns N workers on this machine; under torchrun the usual environment
(RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR, MASTER_PORT) is read instead, multi-node included.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass

import numpy as np
import torch
import torch.distributed as dist


@dataclass(frozen=True)
class DistContext:
    """This process's rank, the world size, and its local rank (its GPU on this node)."""

    rank: int = 0
    world: int = 1
    local_rank: int = 0

    @property
    def active(self) -> bool:
        return self.world > 1

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    def all_reduce_sum(self, values) -> np.ndarray:
        """Element-wise sum over ranks (float64); the values themselves when not distributed."""
        array = np.asarray(values, dtype=np.float64)
        if not self.active:
            return array
        tensor = torch.from_numpy(array.copy()).to(self._device())
        dist.all_reduce(tensor, op=dist.ReduceOp.SUM)
        return tensor.cpu().numpy()

    def all_true(self, flag: bool) -> bool:
        """True when `flag` is true on every rank."""
        if not self.active:
            return bool(flag)
        return bool(self.all_reduce_sum([0.0 if flag else 1.0])[0] == 0)

    def broadcast_buffers(self, module: torch.nn.Module) -> None:
        """Copy rank 0's buffers (BatchNorm running statistics) to every rank."""
        if self.active:
            for buffer in module.buffers():
                dist.broadcast(buffer.data, src=0)

    def barrier(self) -> None:
        if self.active:
            dist.barrier()

    def _device(self) -> torch.device:
        return torch.device("cuda", self.local_rank) if dist.get_backend() == "nccl" else torch.device("cpu")


def torchrun_environment() -> bool:
    """True when launched by torchrun (or any launcher that sets WORLD_SIZE > 1)."""
    return int(os.environ.get("WORLD_SIZE", "1")) > 1


def init_process_group(rank: int, world: int, local_rank: int, use_cuda: bool) -> DistContext:
    """Join the process group (env:// rendezvous) and pin this rank's GPU."""
    if world <= 1:
        return DistContext()
    backend = "nccl" if use_cuda else "gloo"
    if use_cuda:
        torch.cuda.set_device(local_rank)
    dist.init_process_group(backend, rank=rank, world_size=world)
    return DistContext(rank, world, local_rank)


def context_from_environment(use_cuda: bool) -> DistContext:
    """Join the group torchrun describes in the environment."""
    return init_process_group(
        int(os.environ["RANK"]), int(os.environ["WORLD_SIZE"]), int(os.environ.get("LOCAL_RANK", 0)), use_cuda
    )


def free_port() -> int:
    """A TCP port free on this machine for the spawned workers' rendezvous."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def shutdown() -> None:
    if dist.is_available() and dist.is_initialized():
        dist.destroy_process_group()
