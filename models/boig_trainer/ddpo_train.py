"""DDPO (Black et al. 2023; SPEC §5) on BoigSD's UNet against the BoigLLM reward, one epoch at a time:

1. Rollout: `samples_per_epoch` images of training prompts (each prompt repeated, so per-prompt
   statistics exist), DDIM with eta = 1 and classifier-free guidance, keeping every latent and the
   Gaussian log-probability of every step (per latent dimension, ddpo-pytorch's scale).
2. Reward: the app's own reward service over a pipe (reward_bridge.py), both variants; the
   config's variant is maximized. The world's true KPI of the same images is logged, never used.
3. Advantages: per-prompt normalization from a running buffer (batch statistics until a prompt
   has stat_min_count rewards), clipped to +-adv_clip_max.
4. PPO: for each minibatch and each selected timestep, recompute the step's log-probability under
   the current UNet, ratio = exp(logp_new - logp_old), loss = mean(max(-A r, -A clip(r, 1 +- eps))),
   gradients accumulated over the timesteps, clipped, one AdamW step per minibatch. With
   anchor_weight > 0, each minibatch also adds that weight x the SD denoising loss on a batch of
   real training images (PPO-ptx, Ouyang et al. 2022 eq. 2): the reward is only trustworthy near
   the images it was trained on, and plain DDPO drifts off them (docs/boigsd.md, reward hacking).
5. Held-out check on fixed test-split prompts with fixed noise: mean reward (the selection
   criterion), true KPI, diversity; a sample grid of fixed prompts (the paper's Figs. 1 and 5).
   The best epoch by the criterion, among epochs that did not collapse, is what gets exported.

Every draw comes from a generator seeded by (seed, stream, epoch[, batch]), and a checkpoint is
written after every epoch, so a run killed anywhere resumes at its last finished epoch and
continues exactly as an uninterrupted run would (the history of finished epochs is in the
checkpoint)."""
import math
import os
import sys
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence

import numpy as np
import torch
from PIL import Image

from .ddpo_config import DdpoConfig
from .ddpo_prompts import DdpoPrompt, ids_tensor
from .errors import TrainingStopped
from .progress import ProgressEmitter
from .reward_bridge import RewardBridge, to_uint8
from .sd_data import ImageSet
from .sd_ddim import ddim_sample, ddim_step_with_logprob, ddim_timesteps, previous_timestep
from .sd_lora import apply_lora
from .sd_model import SdPipeline
from .sd_train import denoising_loss, unet_batch
from .stopping import StopRequest
from .synthetic_data import batch_generator

SAMPLE_STREAM, TRAIN_STREAM, HELD_OUT_STREAM, GRID_STREAM = 20, 21, 22, 23
ANCHOR_STEP_BASE = 1_000_000  # anchor batches are unet_batch steps from here on: (epoch, inner, minibatch) -> one step each
CHECKPOINT_FORMAT = 1


class PerPromptStatTracker:
    """ddpo-pytorch's per-prompt stat tracking: each prompt keeps its last `buffer_size` rewards;
    its advantage uses them once it has `min_count`, else the whole batch's mean and std."""

    def __init__(self, buffer_size: int, min_count: int):
        self.buffer_size, self.min_count = buffer_size, min_count
        self.buffers: Dict[str, List[float]] = {}

    def advantages(self, keys: Sequence[str], rewards: np.ndarray) -> np.ndarray:
        out = np.zeros_like(rewards, dtype=np.float64)
        batch_mean, batch_std = float(rewards.mean()), float(rewards.std())
        for key in dict.fromkeys(keys):  # unique, in first-seen order
            members = np.array([i for i, k in enumerate(keys) if k == key])
            buffer = (self.buffers.setdefault(key, []) + list(map(float, rewards[members])))[-self.buffer_size :]
            self.buffers[key] = buffer
            if len(buffer) < self.min_count:
                mean, std = batch_mean, batch_std
            else:
                mean, std = float(np.mean(buffer)), float(np.std(buffer))
            out[members] = (rewards[members] - mean) / (std + 1e-6)
        return out

    def state_dict(self) -> Dict[str, Any]:
        return {"buffers": self.buffers}

    def load_state_dict(self, state: Dict[str, Any]) -> None:
        self.buffers = {k: list(v) for k, v in state["buffers"].items()}


@dataclass
class Samples:
    latents: torch.Tensor  # [N, S + 1, c, h, w]: x_T, then after each DDIM step
    log_probs: torch.Tensor  # [N, S] per latent dimension (sum / (c h w))
    images: torch.Tensor  # [N, 3, H, W] uint8


@torch.no_grad()
def sample(pipeline: SdPipeline, ids: torch.Tensor, uncond: torch.Tensor, generator: torch.Generator, config: DdpoConfig) -> Samples:
    c = pipeline.config
    batch = ids.shape[0]
    shape = (batch, c.latent_channels, c.latent_size, c.latent_size)
    init = torch.randn(shape, generator=generator)  # [B, c, h, w] x_T
    step_noises = torch.randn((config.ddim_steps, *shape), generator=generator)  # [S, B, c, h, w]
    run = ddim_sample(pipeline, ids, uncond.expand_as(ids), init, step_noises, config.ddim_steps, config.eta, config.guidance_scale)
    dims = float(c.latent_channels * c.latent_size * c.latent_size)
    return Samples(torch.stack(run.latents, dim=1), run.log_probs.t() / dims, to_uint8(run.image))


def diversity(images: torch.Tensor, groups: Sequence[str]) -> float:
    """Mean RMS pixel distance (in [0, 1]) between images of the same prompt: 0 = identical samples."""
    pixels = images.float().div(255.0).flatten(1)  # [N, 3 H W]
    distances: List[float] = []
    for key in dict.fromkeys(groups):
        members = [i for i, k in enumerate(groups) if k == key]
        for a in range(len(members)):
            for b in range(a + 1, len(members)):
                distances.append(float((pixels[members[a]] - pixels[members[b]]).pow(2).mean().sqrt()))
    return float(np.mean(distances)) if distances else 0.0


def prompt_diversity(images: torch.Tensor, groups: Sequence[str]) -> float:
    """Mean RMS pixel distance (in [0, 1]) between images of DIFFERENT prompts: falls when the model
    answers every prompt with the same picture (mode collapse, the usual DDPO reward hack)."""
    pixels = images.float().div(255.0).flatten(1)  # [N, 3 H W]
    distances = [
        float((pixels[a] - pixels[b]).pow(2).mean().sqrt())
        for a in range(len(groups)) for b in range(a + 1, len(groups)) if groups[a] != groups[b]
    ]
    return float(np.mean(distances)) if distances else 0.0


def save_grid(images: torch.Tensor, columns: int, path: Path) -> None:
    """uint8 [N, 3, H, W] -> one PNG, `columns` images per row (row = prompt), 2 px white gaps."""
    n, _, h, w = images.shape
    rows = math.ceil(n / columns)
    canvas = np.full((rows * (h + 2) + 2, columns * (w + 2) + 2, 3), 255, dtype=np.uint8)
    for i in range(n):
        r, col = divmod(i, columns)
        canvas[2 + r * (h + 2) : 2 + r * (h + 2) + h, 2 + col * (w + 2) : 2 + col * (w + 2) + w] = images[i].permute(1, 2, 0).numpy()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp.png")
    Image.fromarray(canvas, "RGB").save(tmp)
    os.replace(tmp, path)


def reward_values(scored: List[Dict[str, Any]], variant: str) -> np.ndarray:
    return np.array([float(s[variant]) for s in scored], dtype=np.float64)


class DdpoTrainer:
    def __init__(
        self, config: DdpoConfig, pipeline: SdPipeline, uncond_ids: List[int], train: List[DdpoPrompt], held_out: List[DdpoPrompt],
        grid: List[DdpoPrompt], bridge: RewardBridge, run_dir: Path, emitter: ProgressEmitter, stop: StopRequest,
        fid_like: Optional[Callable[[torch.Tensor], Optional[float]]] = None, anchor: Optional[ImageSet] = None,
    ):
        self.config, self.pipeline, self.train, self.held_out, self.grid = config, pipeline, train, held_out, grid
        self.bridge, self.run_dir, self.emitter, self.stop, self.fid_like = bridge, run_dir, emitter, stop, fid_like
        self.uncond = torch.tensor(uncond_ids, dtype=torch.int64)[None, :]  # [1, L]
        if config.anchor_weight > 0 and not anchor:
            raise ValueError("anchor_weight > 0 needs anchor images")
        self.anchor = anchor if config.anchor_weight > 0 else None
        # The anchor draws images, noise, timesteps and CFG drops exactly as SD training does, seeded by the run's seed.
        self.anchor_config = replace(pipeline.config, seed=config.seed, unet_batch_size=config.anchor_batch_size)
        for parameter in [*pipeline.text_encoder.parameters(), *pipeline.vae.parameters()]:
            parameter.requires_grad_(False)  # DDPO trains the UNet only (as ddpo-pytorch)
        if config.lora_rank > 0:
            self.trainable = apply_lora(pipeline.unet, config.lora_rank, config.lora_alpha)
            rate = config.lora_learning_rate
        else:
            self.trainable = list(pipeline.unet.parameters())
            rate = config.learning_rate
        self.optimizer = torch.optim.AdamW(self.trainable, lr=rate, betas=(0.9, 0.999), weight_decay=config.weight_decay)
        self.tracker = PerPromptStatTracker(config.stat_buffer_size, config.stat_min_count)
        self.timesteps = ddim_timesteps(pipeline.config.train_timesteps, config.ddim_steps)
        self.history: List[Dict[str, Any]] = []
        self.best: Dict[str, Any] = {}
        self.epoch = 0

    # ------------------------------------------------------------------------------ checkpoints

    def checkpoint_path(self) -> Path:
        return self.run_dir / "checkpoint.pt"

    def save(self) -> Path:
        state = {
            "format": CHECKPOINT_FORMAT, "kind": "ddpo", "epoch": self.epoch, "config": self.config.to_dict(),
            "unet": self.pipeline.unet.state_dict(), "optimizer": self.optimizer.state_dict(), "tracker": self.tracker.state_dict(),
            "history": self.history, "best": self.best,
        }
        path = self.checkpoint_path()
        tmp = path.with_name(path.name + ".tmp")
        with open(tmp, "wb") as handle:  # write-then-rename: a kill mid-write keeps the previous epoch's checkpoint
            torch.save(state, handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
        return path

    def restore(self, state: Dict[str, Any]) -> None:
        self.pipeline.unet.load_state_dict(state["unet"])
        self.optimizer.load_state_dict(state["optimizer"])
        self.tracker.load_state_dict(state["tracker"])
        self.history, self.best, self.epoch = list(state["history"]), dict(state["best"]), int(state["epoch"])

    def check_stop(self) -> None:
        """A signal mid-epoch drops the unfinished epoch: the last checkpoint is its start."""
        if self.stop.signal_name is not None:
            raise TrainingStopped(f"stopped by {self.stop.signal_name} during epoch {self.epoch + 1}; --resume repeats it from the checkpoint of epoch {self.epoch}")

    # ------------------------------------------------------------------------------ one epoch

    def rollout(self, epoch: int) -> Dict[str, Any]:
        config = self.config
        repeats = max(1, config.sample_batch_size // config.prompts_per_batch)
        prompts: List[DdpoPrompt] = []
        parts: List[Samples] = []
        pending = []  # one reward request per batch, scored by the server while the next batch samples
        self.pipeline.eval()
        for batch in range(config.batches_per_epoch):
            self.check_stop()
            generator = batch_generator(config.seed, SAMPLE_STREAM, epoch * 1000 + batch)
            picked = torch.randint(0, len(self.train), (config.prompts_per_batch,), generator=generator).tolist()
            batch_prompts = [self.train[i] for i in picked for _ in range(repeats)][: config.sample_batch_size]
            prompts += batch_prompts
            parts.append(sample(self.pipeline, ids_tensor(batch_prompts), self.uncond, generator, config))
            pending.append(self.bridge.submit_rewards(parts[-1].images, [p.fields for p in batch_prompts]))
        samples = Samples(*(torch.cat([getattr(p, name) for p in parts]) for name in ("latents", "log_probs", "images")))
        # A reward depends only on its own image and prompt (scoreTargets.ts), so per-batch requests
        # give exactly the numbers one request for the whole epoch would.
        scored = [reward for future in pending for reward in future.result()]
        return {"prompts": prompts, "samples": samples, "scored": scored}

    def ppo(self, epoch: int, prompts: List[DdpoPrompt], samples: Samples, advantages: torch.Tensor) -> Dict[str, float]:
        config, pipeline = self.config, self.pipeline
        alphas = pipeline.scheduler.alphas_cumprod
        total, steps = samples.latents.shape[0], config.ddim_steps
        train_steps = max(1, round(steps * config.timestep_fraction))
        ids_all = ids_tensor(prompts)  # [N, L]
        timesteps = torch.tensor(self.timesteps, dtype=torch.int64)  # [S]
        dims = float(samples.latents[0, 0].numel())
        stats: Dict[str, List[float]] = {"loss": [], "approx_kl": [], "clipfrac": [], "grad_norm": [], "anchor_loss": []}
        pipeline.unet.train()
        for inner in range(config.inner_epochs):
            generator = batch_generator(config.seed, TRAIN_STREAM, epoch * 1000 + inner)
            order = torch.randperm(total, generator=generator)  # [N]
            step_order = torch.stack([torch.randperm(steps, generator=generator) for _ in range(total)])[:, :train_steps]  # [N, S']
            for start in range(0, total, config.train_batch_size):
                self.check_stop()
                rows = order[start : start + config.train_batch_size]  # [b]
                b = rows.shape[0]
                with torch.no_grad():
                    states = pipeline.text_encoder(torch.cat([self.uncond.expand(b, -1), ids_all[rows]]))  # [2b, L, D]
                self.optimizer.zero_grad(set_to_none=True)
                # All selected timesteps of the minibatch go through the UNet together (ddpo-pytorch loops
                # one timestep per call): the same gradient, sum_j loss_j / S', in fewer, larger passes,
                # which the CPU runs faster (docs/performance.md, DDPO). timesteps_per_pass bounds memory.
                chunk = config.timesteps_per_pass or train_steps
                for first in range(0, train_steps, chunk):
                    js = min(chunk, train_steps - first)
                    flat_rows = rows.repeat_interleave(js)  # [b*js] row of each (row, timestep) pair
                    index = step_order[rows, first : first + js].reshape(-1)  # [b*js] DDIM step index per pair
                    x = samples.latents[flat_rows, index]  # [b*js, c, h, w]
                    x_next = samples.latents[flat_rows, index + 1]  # [b*js, c, h, w]
                    t = timesteps[index]  # [b*js]
                    prev_t = t - pipeline.config.train_timesteps // steps  # [b*js]; negative = final step (see sd_ddim)
                    pair_states = torch.cat([states[:b].repeat_interleave(js, 0), states[b:].repeat_interleave(js, 0)])  # [2*b*js, L, D]
                    eps_uncond, eps_cond = pipeline.unet(torch.cat([x, x]), torch.cat([t, t]), pair_states).chunk(2)  # each [b*js, c, h, w]
                    eps = eps_uncond + config.guidance_scale * (eps_cond - eps_uncond)  # [b*js, c, h, w]
                    step = ddim_step_with_logprob(alphas, eps, t, prev_t, x, config.eta, prev_sample=x_next)
                    log_prob = (step.log_prob / dims).view(b, js)  # [b, js]
                    old = samples.log_probs[flat_rows, index].view(b, js)  # [b, js]
                    advantage = advantages[rows].unsqueeze(1)  # [b, 1]
                    ratio = torch.exp(log_prob - old)  # [b, js]
                    unclipped = -advantage * ratio
                    clipped = -advantage * torch.clamp(ratio, 1.0 - config.clip_range, 1.0 + config.clip_range)
                    per_timestep = torch.maximum(unclipped, clipped).mean(dim=0)  # [js] loss_j, the mean over the minibatch
                    (per_timestep.sum() / train_steps).backward()
                    stats["loss"].extend(per_timestep.tolist())
                    stats["approx_kl"].extend((0.5 * ((log_prob - old) ** 2).mean(dim=0)).tolist())
                    stats["clipfrac"].extend(((ratio - 1.0).abs() > config.clip_range).float().mean(dim=0).tolist())
                if self.anchor is not None:
                    anchor_step = ANCHOR_STEP_BASE + (epoch * config.inner_epochs + inner) * 1000 + start // config.train_batch_size
                    anchor_loss = denoising_loss(pipeline, unet_batch(self.anchor, self.anchor_config, anchor_step, self.uncond[0]))
                    (config.anchor_weight * anchor_loss).backward()
                    stats["anchor_loss"].append(float(anchor_loss))
                norm = torch.nn.utils.clip_grad_norm_(self.trainable, config.grad_clip)
                stats["grad_norm"].append(float(norm))
                self.optimizer.step()
        pipeline.unet.eval()
        return {key: float(np.mean(values)) if values else 0.0 for key, values in stats.items()}

    def held_out_check(self, epoch: int) -> Dict[str, Any]:
        """Fixed prompts, fixed noise (the same every epoch): comparable across epochs."""
        config = self.config
        prompts = [p for p in self.held_out for _ in range(config.eval_samples_per_prompt)]
        generator = batch_generator(config.seed, HELD_OUT_STREAM, 0)
        parts = [
            sample(self.pipeline, ids_tensor(prompts[i : i + config.sample_batch_size]), self.uncond, generator, config)
            for i in range(0, len(prompts), config.sample_batch_size)
        ]
        images = torch.cat([p.images for p in parts])  # [E, 3, H, W]
        fields = [p.fields for p in prompts]
        scored_later, truth_later = self.bridge.submit_rewards(images, fields), self.bridge.submit_true_kpis(images, fields)
        grid_generator = batch_generator(config.seed, GRID_STREAM, 0)  # the grid samples while the server scores
        grid_prompts = [p for p in self.grid for _ in range(2)]
        grid_images = torch.cat([
            sample(self.pipeline, ids_tensor(grid_prompts[i : i + config.sample_batch_size]), self.uncond, grid_generator, config).images
            for i in range(0, len(grid_prompts), config.sample_batch_size)
        ])
        scored, truth = scored_later.result(), truth_later.result()
        result: Dict[str, Any] = {
            "held_out_reward": float(reward_values(scored, config.reward_variant).mean()),
            "held_out_reward_calibrated": float(reward_values(scored, "calibrated").mean()),
            "held_out_reward_paper": float(reward_values(scored, "paper").mean()),
            "held_out_true_kpi": float(np.mean(truth)),
            "held_out_diversity": diversity(images, [p.key for p in prompts]),
            "held_out_prompt_diversity": prompt_diversity(images, [p.key for p in prompts]),
        }
        fid = self.fid_like(images) if self.fid_like else None
        if fid is not None:
            result["held_out_fid_like"] = fid
        grid_path = self.run_dir / "grids" / f"epoch-{epoch:03d}.png"
        save_grid(grid_images, 2, grid_path)
        result["grid"] = str(grid_path.relative_to(self.run_dir))
        return result

    def eligible(self, metrics: Dict[str, Any]) -> bool:
        """Anti-collapse guard of the selection (SPEC §5): no epoch whose samples lost their
        diversity or drifted far from the real images can be the exported one."""
        start = self.history[0] if self.history else metrics
        ratio = self.config.collapse_diversity_ratio
        if metrics["held_out_diversity"] < ratio * start["held_out_diversity"]:
            return False
        if metrics["held_out_prompt_diversity"] < ratio * start["held_out_prompt_diversity"]:
            return False
        if "held_out_fid_like" in metrics and "held_out_fid_like" in start:
            return metrics["held_out_fid_like"] <= self.config.collapse_fid_ratio * start["held_out_fid_like"]
        return True

    def record(self, epoch: int, metrics: Dict[str, Any]) -> None:
        metrics = {"epoch": epoch, **metrics}
        metrics["eligible"] = self.eligible(metrics)
        self.history.append(metrics)
        if metrics["eligible"] and (not self.best or metrics["held_out_reward"] > self.best["criterion"]):
            self.best = {"epoch": epoch, "criterion": metrics["held_out_reward"], "unet": {k: v.clone() for k, v in self.pipeline.unet.state_dict().items()}}
        self.epoch = epoch
        # The epoch line goes out before the checkpoint is written: a kill in between repeats the
        # epoch on resume (the app keeps the last line per epoch), whereas the other order could
        # lose the epoch from the app's metric history.
        self.emitter.emit("epoch", epoch=epoch, total=self.config.epochs, metrics={k: v for k, v in metrics.items() if k != "grid"}, grid=metrics["grid"], best_epoch=self.best.get("epoch"))
        path = self.save()
        self.emitter.emit("checkpoint", step=epoch, path=str(path))

    def train_epoch(self, epoch: int) -> Dict[str, Any]:
        """Steps 1-4 of the header for one epoch: what `boig bench` times against the reference loop."""
        config = self.config
        started = time.monotonic()
        rolled = self.rollout(epoch)
        prompts, samples, scored = rolled["prompts"], rolled["samples"], rolled["scored"]
        rewards = reward_values(scored, config.reward_variant)
        advantages = np.clip(self.tracker.advantages([p.key for p in prompts], rewards), -config.adv_clip_max, config.adv_clip_max)
        truth_later = self.bridge.submit_true_kpis(samples.images, [p.fields for p in prompts])  # logged only: runs beside PPO
        sampled_seconds = time.monotonic() - started
        ppo = self.ppo(epoch, prompts, samples, torch.tensor(advantages, dtype=torch.float32))
        truth = truth_later.result()
        return {
            "reward_mean": float(rewards.mean()), "reward_std": float(rewards.std()),
            "reward_calibrated_mean": float(reward_values(scored, "calibrated").mean()),
            "reward_paper_mean": float(reward_values(scored, "paper").mean()),
            "true_kpi_mean": float(np.mean(truth)),
            "diversity": diversity(samples.images, [p.key for p in prompts]),
            **ppo,
            "sample_seconds": round(sampled_seconds, 1),
        }

    def run(self) -> None:
        config = self.config
        if not self.history:  # epoch 0: the starting model, the reference of the collapse guard
            started = time.monotonic()
            self.record(0, self.held_out_check(0))
            print(f"epoch 0 (start): {self.history[0]} in {time.monotonic() - started:.0f} s", file=sys.stderr, flush=True)
        while self.epoch < config.epochs:
            self.check_stop()
            epoch = self.epoch + 1
            started = time.monotonic()
            metrics = self.train_epoch(epoch)
            metrics.update(self.held_out_check(epoch))
            metrics["seconds"] = round(time.monotonic() - started, 1)
            self.record(epoch, metrics)
            self.emitter.emit(
                "progress", step=epoch, total=config.epochs, loss=metrics["loss"],
                message=(f"epoch {epoch}/{config.epochs} reward {metrics['reward_mean']:.3f}±{metrics['reward_std']:.3f}"
                         f" held-out {metrics['held_out_reward']:.3f} true KPI {metrics['true_kpi_mean']:.1f}"
                         f" kl {metrics['approx_kl']:.2e} clip {metrics['clipfrac']:.2f} ({metrics['seconds']:.0f} s)"),
            )
