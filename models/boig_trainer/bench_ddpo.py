"""DDPO epoch throughput for `npx boig bench` (issue 8, workload 4): our trainer's epoch
(DdpoTrainer.train_epoch: rollout, reward, advantages, PPO) against a plain reference loop written
the way ddpo-pytorch's train.py is (Black et al. 2023's public code), with the same settings, the
same starting weights and the same reward server, alternating sides in one process run:

  python -m boig_trainer.bench_ddpo --init models/artifacts/boigsd-base --data WORLD_DIR --preset default --epochs 2

The reference, like ddpo-pytorch:
- samples one batch at a time (one UNet call per DDIM step, classifier-free guidance by
  concatenation) and hands each batch's images to its reward executor while the next batch samples;
- keeps the sampling's prompt embeddings for training (no text-encoder pass there);
- trains one timestep per UNet call, accumulating gradients over the selected timesteps, then
  clips and steps once per minibatch.
Neither side runs the per-epoch held-out check (ours does it after train_epoch; the reference has
none). Both sides' numbers are samples per second of whole epochs (median after one warm-up epoch).
Prints one JSON object on stdout."""
import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Dict, List

import numpy as np
import torch

from .ddpo_config import DdpoConfig, ddpo_preset
from .ddpo_prompts import DdpoPrompt, ids_tensor, load_ddpo_prompts
from .ddpo_train import SAMPLE_STREAM, TRAIN_STREAM, DdpoTrainer, PerPromptStatTracker, reward_values
from .progress import ProgressEmitter
from .reward_bridge import RewardBridge, to_uint8
from .sd_data import empty_prompt_ids
from .sd_ddim import ddim_step_with_logprob, ddim_timesteps
from .sd_model import SdPipeline
from .sd_weights import load_pipeline_weights
from .stopping import StopRequest
from .synthetic_data import batch_generator


class ReferenceLoop:
    """ddpo-pytorch's epoch, transcribed to this model: see the module docstring for what it keeps."""

    def __init__(self, config: DdpoConfig, pipeline: SdPipeline, uncond_ids: List[int], train: List[DdpoPrompt], bridge: RewardBridge):
        self.config, self.pipeline, self.train, self.bridge = config, pipeline, train, bridge
        for parameter in [*pipeline.text_encoder.parameters(), *pipeline.vae.parameters()]:
            parameter.requires_grad_(False)
        self.optimizer = torch.optim.AdamW(pipeline.unet.parameters(), lr=config.learning_rate, betas=(0.9, 0.999), weight_decay=config.weight_decay)
        self.tracker = PerPromptStatTracker(config.stat_buffer_size, config.stat_min_count)
        with torch.no_grad():
            self.neg_embeds = pipeline.text_encoder(torch.tensor([uncond_ids], dtype=torch.int64))  # [1, L, D]
        self.timesteps = ddim_timesteps(pipeline.config.train_timesteps, config.ddim_steps)

    @torch.no_grad()
    def sample_batch(self, prompts: List[DdpoPrompt], generator: torch.Generator) -> Dict[str, torch.Tensor]:
        c, config = self.pipeline.config, self.config
        b = len(prompts)
        embeds = self.pipeline.text_encoder(ids_tensor(prompts))  # [b, L, D]
        both = torch.cat([self.neg_embeds.expand(b, -1, -1), embeds])  # [2b, L, D]
        x = torch.randn((b, c.latent_channels, c.latent_size, c.latent_size), generator=generator)  # [b, c, h, w]
        latents, log_probs = [x], []
        for t in self.timesteps:
            t_batch = torch.full((b,), t, dtype=torch.int64)  # [b]
            eps_uncond, eps_cond = self.pipeline.unet(torch.cat([x, x]), torch.cat([t_batch, t_batch]), both).chunk(2)  # each [b, c, h, w]
            eps = eps_uncond + config.guidance_scale * (eps_cond - eps_uncond)
            prev_t = t_batch - c.train_timesteps // config.ddim_steps  # [b]
            noise = torch.randn(x.shape, generator=generator)  # [b, c, h, w]
            step = ddim_step_with_logprob(self.pipeline.scheduler.alphas_cumprod, eps, t_batch, prev_t, x, config.eta, noise=noise)
            x = step.prev_sample
            latents.append(x)
            log_probs.append(step.log_prob / x[0].numel())  # [b] per latent dimension
        images = to_uint8(self.pipeline.vae.decode(x / self.pipeline.latent_scale))  # [b, 3, H, W]
        return {"embeds": embeds, "latents": torch.stack(latents, dim=1), "log_probs": torch.stack(log_probs, dim=1), "images": images}

    def epoch(self, epoch: int) -> None:
        config, pipeline = self.config, self.pipeline
        repeats = max(1, config.sample_batch_size // config.prompts_per_batch)
        pipeline.eval()
        batches, futures, prompts = [], [], []
        for batch in range(config.batches_per_epoch):
            generator = batch_generator(config.seed, SAMPLE_STREAM, epoch * 1000 + batch)
            picked = torch.randint(0, len(self.train), (config.prompts_per_batch,), generator=generator).tolist()
            batch_prompts = [self.train[i] for i in picked for _ in range(repeats)][: config.sample_batch_size]
            batches.append(self.sample_batch(batch_prompts, generator))
            futures.append(self.bridge.submit_rewards(batches[-1]["images"], [p.fields for p in batch_prompts]))  # ddpo-pytorch: executor.submit(reward_fn, ...)
            prompts += batch_prompts
        samples = {key: torch.cat([b[key] for b in batches]) for key in ("embeds", "latents", "log_probs")}
        rewards = reward_values([r for f in futures for r in f.result()], config.reward_variant)
        advantages = torch.tensor(np.clip(self.tracker.advantages([p.key for p in prompts], rewards), -config.adv_clip_max, config.adv_clip_max), dtype=torch.float32)
        total, steps = samples["latents"].shape[0], config.ddim_steps
        train_steps = max(1, round(steps * config.timestep_fraction))
        timesteps = torch.tensor(self.timesteps, dtype=torch.int64)  # [S]
        alphas = pipeline.scheduler.alphas_cumprod
        pipeline.unet.train()
        for inner in range(config.inner_epochs):
            generator = batch_generator(config.seed, TRAIN_STREAM, epoch * 1000 + inner)
            order = torch.randperm(total, generator=generator)  # [N]
            perms = torch.stack([torch.randperm(steps, generator=generator) for _ in range(total)])  # [N, S]
            for start in range(0, total, config.train_batch_size):
                rows = order[start : start + config.train_batch_size]  # [b]
                b = rows.shape[0]
                embeds = torch.cat([self.neg_embeds.expand(b, -1, -1), samples["embeds"][rows]])  # [2b, L, D]
                for j in range(train_steps):  # one timestep per UNet call, gradients accumulated
                    index = perms[rows, j]  # [b]
                    x, x_next = samples["latents"][rows, index], samples["latents"][rows, index + 1]  # each [b, c, h, w]
                    t = timesteps[index]  # [b]
                    eps_uncond, eps_cond = pipeline.unet(torch.cat([x, x]), torch.cat([t, t]), embeds).chunk(2)
                    eps = eps_uncond + config.guidance_scale * (eps_cond - eps_uncond)
                    step = ddim_step_with_logprob(alphas, eps, t, t - pipeline.config.train_timesteps // steps, x, config.eta, prev_sample=x_next)
                    ratio = torch.exp(step.log_prob / x[0].numel() - samples["log_probs"][rows, index])  # [b]
                    advantage = advantages[rows]  # [b]
                    loss = torch.maximum(-advantage * ratio, -advantage * torch.clamp(ratio, 1 - config.clip_range, 1 + config.clip_range)).mean()
                    (loss / train_steps).backward()
                torch.nn.utils.clip_grad_norm_(pipeline.unet.parameters(), config.grad_clip)
                self.optimizer.step()
                self.optimizer.zero_grad(set_to_none=True)
        pipeline.unet.eval()


def bench(args: argparse.Namespace) -> Dict[str, object]:
    torch.set_num_threads(args.threads)
    config = ddpo_preset(args.preset, reward_variant=args.reward_variant)
    init = Path(args.init)
    boigllm = Path(args.boigllm) if args.boigllm else None

    # Each side trains its own copy of the same weights; the prompts (and tokenizer) are shared.
    pipeline, tokenizer, _ = load_pipeline_weights(init)
    train = load_ddpo_prompts(Path(args.data), tokenizer, pipeline.config.max_tokens).train
    uncond = empty_prompt_ids(tokenizer, pipeline.config.max_tokens)

    timings: Dict[str, List[float]] = {"ours": [], "reference": []}
    with RewardBridge(boigllm, Path(args.data)) as bridge, tempfile.TemporaryDirectory(prefix="boig-bench-ddpo-") as run_dir:
        ours = DdpoTrainer(config, pipeline, uncond, train, [], [], bridge, Path(run_dir), ProgressEmitter(sys.stderr), StopRequest())
        reference = ReferenceLoop(config, load_pipeline_weights(init)[0], uncond, train, bridge)
        for epoch in range(1, args.epochs + 2):  # epoch 1 of each side is the warm-up
            for side, run in (("ours", ours.train_epoch), ("reference", reference.epoch)):
                started = time.perf_counter()
                run(epoch)
                seconds = time.perf_counter() - started
                if epoch > 1:
                    timings[side].append(seconds)
                print(f"bench ddpo: {side} epoch {epoch} {seconds:.1f} s", file=sys.stderr, flush=True)
    return {
        "workload": "ddpo", "samples_per_epoch": config.samples_per_epoch, "ddim_steps": config.ddim_steps,
        "train_timesteps": max(1, round(config.ddim_steps * config.timestep_fraction)), "train_batch_size": config.train_batch_size,
        "ours_s": timings["ours"], "reference_s": timings["reference"], "threads": args.threads, "torch": torch.__version__,
    }


def main(argv: List[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m boig_trainer.bench_ddpo")
    parser.add_argument("--init", required=True, help="BoigSD artifact folder (weights.pt) both sides start from")
    parser.add_argument("--data", required=True, help="a `boig world` folder: prompts and true KPI")
    parser.add_argument("--boigllm", default=None, help="BoigLLM artifact the reward server scores with (default: the served one)")
    parser.add_argument("--preset", default="default", choices=["tiny", "default"])
    parser.add_argument("--reward-variant", default="calibrated", choices=["calibrated", "paper"])
    parser.add_argument("--epochs", type=int, default=2, help="timed epochs per side after one warm-up epoch")
    parser.add_argument("--threads", type=int, default=1, help="torch threads (the trainer's default: 1; the reward server takes the other core)")
    print(json.dumps(bench(parser.parse_args(argv))))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
