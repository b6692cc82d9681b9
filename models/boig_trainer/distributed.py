"""Data parallelism under `torchrun` (one process per device, gloo on CPU, NCCL on CUDA).

Each step's global batch (config.batch_size examples, chosen by (seed, step) exactly as in a single
process) is split by `shard`: rank r takes rows r, r+W, r+2W, ... Each rank runs forward and
backward on its rows, then `average_gradients` all-reduces the gradients (mean over ranks) before
the trainer clips and steps, so every rank applies the same update to the same weights.
Invariants: every rank holds identical weights and optimizer state after every step; every rank
runs the same graph each step (so the same parameters have gradients); rank 0 alone writes
checkpoints, speaks the stdout protocol, evaluates and exports.

Why explicit averaging and not DistributedDataParallel: DDP syncs gradients from hooks armed in
its own forward(), but our trainers call sub-modules directly (SD's vae/unet/text_encoder), run the
model twice per backward (the LLM's KPI-contrast term) or leave a whole stage without gradients
(SD's VAE vs UNet stages). One flat all-reduce per step after backward does what DDP does for all of
them; DDP's overlap of communication with backward is not worth it for these small models.

Single process (WORLD_SIZE unset or 1): no process group, every method is a no-op or the identity,
so the numbers are exactly those of a plain run. torch is imported lazily: the CLI rejects bad
arguments before paying for it."""
import os
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING, Tuple, TypeVar

from .errors import UsageError
from .progress import ProgressEmitter

if TYPE_CHECKING:
    import torch

Rows = TypeVar("Rows", "torch.Tensor", list)
RNG_STREAM = 30  # the per-(seed, step, rank) global RNG under torchrun (synthetic_data and sd_data use 0-20)


def launched_world_size() -> int:
    """How many processes torchrun started (1 outside torchrun)."""
    return int(os.environ.get("WORLD_SIZE", "1"))


def launched_rank() -> int:
    return int(os.environ.get("RANK", "0")) if launched_world_size() > 1 else 0


@dataclass(frozen=True)
class Distributed:
    rank: int = 0
    world_size: int = 1
    local_world_size: int = 1  # processes on this machine, which share its cores
    device: str = "cpu"  # where this rank's collectives run: NCCL needs CUDA tensors

    @property
    def enabled(self) -> bool:
        return self.world_size > 1

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    def threads(self, configured: int) -> int:
        """CPU threads for this process: the config's count is the whole run's, shared by the
        processes on this machine (more threads than cores make each collective wait for a
        descheduled peer: 2 ranks x 2 threads on 2 cores trained ~8x slower than 2 x 1)."""
        return max(1, configured // self.local_world_size)

    def shard(self, rows: Rows) -> Rows:
        """This rank's part of a global batch (a list, or a tensor's first axis): rows rank::world_size.
        The batch must divide evenly, so that per-rank mean losses average to the global mean."""
        if not self.enabled:
            return rows
        if len(rows) % self.world_size:
            raise UsageError(f"a batch of {len(rows)} does not split evenly over {self.world_size} processes; make the batch size a multiple of --nproc_per_node")
        return rows[self.rank :: self.world_size]

    def share(self, local_count: int, global_count: int) -> float:
        """Weight of a loss that is a mean over this rank's `local_count` items, so that after the
        gradient mean over ranks it counts as a mean over all `global_count` items (exactly 1.0 alone)."""
        if not self.enabled:
            return 1.0
        return local_count * self.world_size / global_count if global_count else 0.0

    def sum_counts(self, *counts: int) -> Tuple[int, ...]:
        """Each count summed over ranks (e.g. target tokens in the global batch)."""
        if not self.enabled:
            return counts
        import torch
        import torch.distributed as dist

        total = torch.tensor(counts, dtype=torch.int64, device=self.device)  # [n]
        dist.all_reduce(total)
        return tuple(int(c) for c in total.tolist())

    def average_gradients(self, module: "torch.nn.Module") -> None:
        """Replace every gradient by its mean over ranks (call after backward, before clipping)."""
        if not self.enabled:
            return
        import torch
        import torch.distributed as dist

        grads = [p.grad for p in module.parameters() if p.grad is not None]  # the same parameters on every rank
        if not grads:
            return
        flat = torch.cat([g.reshape(-1) for g in grads])  # [P]: one collective instead of one per tensor
        dist.all_reduce(flat)
        flat /= self.world_size
        offset = 0
        for grad in grads:
            grad.copy_(flat[offset : offset + grad.numel()].view_as(grad))
            offset += grad.numel()

    def agree(self, loss: float, stopping: bool) -> Tuple[float, bool]:
        """The step's loss averaged over ranks (the global batch's loss when each rank's loss is
        weighted by `share`), and whether any rank was asked to stop: every rank gets the same
        answer, so all of them stop (and rank 0 checkpoints) at the same step."""
        if not self.enabled:
            return loss, stopping
        import torch
        import torch.distributed as dist

        values = torch.tensor([loss, 1.0 if stopping else 0.0], dtype=torch.float64, device=self.device)  # [2]
        dist.all_reduce(values)
        return values[0].item() / self.world_size, values[1].item() > 0

    def barrier(self) -> None:
        if self.enabled:
            import torch.distributed as dist

            dist.barrier()

    def broadcast_module(self, module: "torch.nn.Module") -> None:
        """Rank 0's parameters and buffers to every rank. Ranks build identical weights anyway (same
        seed, same checkpoint); this makes it an invariant instead of an assumption."""
        if not self.enabled:
            return
        import torch.distributed as dist

        for tensor in list(module.parameters()) + list(module.buffers()):
            dist.broadcast(tensor.data, src=0)

    def reseed(self, seed: int, step: int) -> None:
        """Under torchrun, seed the global RNG (dropout) from (seed, step, rank): ranks draw different
        masks for their different rows, and --resume replays them without per-rank RNG in the checkpoint."""
        if not self.enabled:
            return
        import numpy as np
        import torch

        mixed = int(np.random.SeedSequence([seed, RNG_STREAM, step, self.rank]).generate_state(1, dtype=np.uint64)[0])
        torch.manual_seed(mixed % (2**63))


SINGLE_PROCESS = Distributed()


def join_process_group(device: "torch.device") -> Tuple[Distributed, "torch.device"]:
    """Under torchrun (WORLD_SIZE > 1): join the group (NCCL for --device cuda, gloo for cpu) and
    return this rank's view and device (cuda:LOCAL_RANK). Otherwise: SINGLE_PROCESS and `device`."""
    world_size = launched_world_size()
    if world_size <= 1:
        return SINGLE_PROCESS, device
    import torch
    import torch.distributed as dist

    rank, local_rank = int(os.environ["RANK"]), int(os.environ.get("LOCAL_RANK", "0"))
    if device.type == "cuda":
        if local_rank >= torch.cuda.device_count():
            raise UsageError(f"LOCAL_RANK {local_rank} but only {torch.cuda.device_count()} GPUs are visible; use --nproc_per_node <= the GPU count")
        torch.cuda.set_device(local_rank)
        device, backend = torch.device("cuda", local_rank), "nccl"
    else:
        backend = "gloo"
    dist.init_process_group(backend, init_method="env://", rank=rank, world_size=world_size)
    if rank == 0:
        print(f"data parallel: {world_size} processes ({backend}); each step's batch is split evenly across them", file=sys.stderr, flush=True)
    local_world_size = int(os.environ.get("LOCAL_WORLD_SIZE", str(world_size)))
    return Distributed(rank=rank, world_size=world_size, local_world_size=local_world_size, device=str(device)), device


def leave_process_group() -> None:
    """Idempotent; nothing to do when no group was joined (one process, or an error before joining)."""
    dist = sys.modules.get("torch.distributed")
    if dist is not None and dist.is_available() and dist.is_initialized():
        dist.destroy_process_group()


def refuse_multi_process(command: str, why: str) -> None:
    if launched_world_size() > 1:
        raise UsageError(f"train {command} does not run under torchrun ({why}); run it as one process (WORLD_SIZE {launched_world_size()})")


class OtherRankEmitter(ProgressEmitter):
    """A rank other than 0: the stdout protocol is rank 0's alone; this rank's own error still reaches stderr."""

    def __init__(self, rank: int):
        super().__init__(sys.stderr)
        self._rank = rank

    def emit(self, event_type: str, **fields: object) -> None:
        if event_type == "error":
            print(f"rank {self._rank}: error: {fields.get('message')}", file=sys.stderr, flush=True)
