"""BoigSD training: one step counter, two stages.

1. steps 1..vae_steps: the VAE (per-pixel MSE of a posterior sample's reconstruction + a small KL).
2. steps vae_steps+1..steps: text encoder + UNet on the frozen VAE's latents, scaled by the latent
   scale (computed once at the first UNet step from the training images: 1 / std of their posterior
   samples, the role of SD's 0.18215). Noise-prediction MSE at a uniform timestep; the prompt is
   replaced by the empty prompt with probability cfg_drop_prob (classifier-free guidance).

One AdamW holds both stages' parameters; a stage's parameters get no gradient in the other stage,
so AdamW leaves them alone. Every batch, noise, timestep and CFG drop comes from a generator seeded
by (seed, stream, step), and the LR only depends on the step: stop + --resume = uninterrupted."""
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import torch
import torch.nn.functional as F

from .distributed import SINGLE_PROCESS, Distributed
from .progress import ProgressEmitter
from .sd_config import SdTrainConfig
from .sd_data import EVAL_STREAM, UNET_STREAM, VAE_STREAM, ImageSet, to_signed, training_batch
from .sd_model import SdPipeline, vae_loss
from .step_loop import run_steps
from .stopping import StopRequest
from .synthetic_data import batch_generator

LATENT_SCALE_STREAM = 14  # the posterior draws that set the latent scale


@dataclass
class SdTrainResult:
    pipeline: SdPipeline
    step: int
    final_loss: float


def stage_learning_rate(config: SdTrainConfig, step: int) -> float:
    """LR for 1-based `step`: warmup then cosine within its stage; depends only on the step and config."""
    if step <= config.vae_steps:
        peak, position, length = config.vae_learning_rate, step, config.vae_steps
    else:
        peak, position, length = config.unet_learning_rate, step - config.vae_steps, config.unet_steps
    warmup = min(config.warmup_steps, max(1, length // 4))
    if position <= warmup:
        return peak * (0.1 + 0.9 * position / warmup)
    progress = (position - warmup) / max(1, length - warmup)
    floor = config.final_lr_fraction
    return peak * (floor + (1 - floor) * 0.5 * (1 + math.cos(math.pi * min(1.0, progress))))


def decays(name: str, parameter: torch.nn.Parameter) -> bool:
    return parameter.dim() >= 2 and "embed" not in name and "positions" not in name


def make_optimizer(pipeline: SdPipeline, config: SdTrainConfig) -> torch.optim.Optimizer:
    """Four groups: (vae | denoiser) x (decay | no decay); group["stage"] says which stage owns it."""
    groups: List[Dict[str, Any]] = []
    for stage, modules in (("vae", [pipeline.vae]), ("unet", [pipeline.text_encoder, pipeline.unet])):
        named = [(n, p) for m in modules for n, p in m.named_parameters()]
        groups.append({"params": [p for n, p in named if decays(n, p)], "weight_decay": config.weight_decay, "stage": stage})
        groups.append({"params": [p for n, p in named if not decays(n, p)], "weight_decay": 0.0, "stage": stage})
    return torch.optim.AdamW(groups, lr=config.vae_learning_rate, betas=(0.9, 0.999))


@torch.no_grad()
def compute_latent_scale(pipeline: SdPipeline, train: ImageSet, config: SdTrainConfig, batch_size: int = 64) -> float:
    """1 / std of posterior samples of (up to) latent_scale_images training images, evenly spread."""
    count = min(config.latent_scale_images, len(train))
    index = torch.linspace(0, len(train) - 1, count).round().long()  # [n]
    generator = batch_generator(config.seed, LATENT_SCALE_STREAM, 0)
    device = pipeline.latent_scale.device
    samples = []
    for start in range(0, count, batch_size):
        pixels = to_signed(train.pixels.index_select(0, index[start : start + batch_size]))  # [b, 3, S, S]
        mean, logvar = pipeline.vae.encode(pixels.to(device))  # [b, c, h, w]
        draw = torch.randn(mean.shape, generator=generator).to(device)  # [b, c, h, w]
        samples.append(mean + torch.exp(0.5 * logvar) * draw)
    std = torch.cat(samples).std().item()
    return 1.0 / max(std, 1e-6)


def unet_batch(train: ImageSet, config: SdTrainConfig, step: int, empty: torch.Tensor) -> Dict[str, torch.Tensor]:
    """Everything random in UNet step `step`, from its (seed, step) generator: the images and prompts,
    the posterior draw, the target noise, the timesteps, and the classifier-free-guidance drops
    (a dropped row's prompt becomes the empty prompt `empty` [L]) and the offset-noise draw."""
    pixels, ids, generator = training_batch(train, config.seed, UNET_STREAM, step, config.unet_batch_size)
    batch = pixels.shape[0]
    latent_shape = (batch, config.latent_channels, config.latent_size, config.latent_size)
    posterior_noise = torch.randn(latent_shape, generator=generator)  # [B, c, h, w]
    noise = torch.randn(latent_shape, generator=generator)  # [B, c, h, w] the UNet's target
    timestep = torch.randint(0, config.train_timesteps, (batch,), generator=generator)  # [B]
    drop = torch.rand(batch, generator=generator) < config.cfg_drop_prob  # [B]
    offset = torch.randn((batch, config.latent_channels, 1, 1), generator=generator)  # [B, c, 1, 1]
    noise = noise + config.offset_noise * offset  # [B, c, h, w] offset noise (the sampler still starts from N(0, I))
    return {
        "pixels": pixels,  # [B, 3, S, S] in [-1, 1]
        "input_ids": torch.where(drop[:, None], empty.expand_as(ids), ids),  # [B, L]
        "posterior_noise": posterior_noise,
        "noise": noise,
        "timestep": timestep,
        "drop": drop,
    }


def denoising_loss(pipeline: SdPipeline, batch: Dict[str, torch.Tensor]) -> torch.Tensor:
    """The UNet's noise-prediction MSE on one `unet_batch` (stage 2 of the header; DDPO's anchor term)."""
    with torch.no_grad():
        mean, logvar = pipeline.vae.encode(batch["pixels"])  # [B, c, h, w]
        latent = (mean + torch.exp(0.5 * logvar) * batch["posterior_noise"]) * pipeline.latent_scale  # [B, c, h, w]
    noisy = pipeline.scheduler.add_noise(latent, batch["noise"], batch["timestep"])  # [B, c, h, w]
    predicted = pipeline.unet(noisy, batch["timestep"], pipeline.text_encoder(batch["input_ids"]))  # [B, c, h, w]
    return F.mse_loss(predicted, batch["noise"])


def train_sd(
    config: SdTrainConfig,
    train: ImageSet,
    empty_ids: List[int],
    pad_id: int,
    run_dir: Path,
    device: torch.device,
    emitter: ProgressEmitter,
    stop: StopRequest,
    resume_state: Optional[Dict[str, Any]] = None,
    initial: Optional[SdPipeline] = None,
    dist: Distributed = SINGLE_PROCESS,
) -> SdTrainResult:
    """`initial`: start from these weights (a fine-tune, e.g. the SFT baseline from the base model;
    its latent scale is kept) instead of a fresh init. A resumed run loads its checkpoint either way."""
    torch.manual_seed(config.seed)
    pipeline = SdPipeline(config, pad_id).to(device)
    if initial is not None:
        pipeline.load_state_dict(initial.state_dict())
    optimizer = make_optimizer(pipeline, config)
    empty = torch.tensor(empty_ids, dtype=torch.int64)  # [L]
    latent_shape = (config.latent_channels, config.latent_size, config.latent_size)

    def vae_step(step: int) -> Tuple[float, str]:
        pixels, _, generator = training_batch(train, config.seed, VAE_STREAM, step, config.vae_batch_size)
        noise = torch.randn((pixels.shape[0], *latent_shape), generator=generator)  # [B, c, h, w] drawn for the global batch
        pixels, noise = dist.shard(pixels), dist.shard(noise)  # [B/W, ...]: this rank's rows (equal shards: mean losses stay exact)
        loss, mse, kl = vae_loss(pipeline.vae, pixels.to(device), noise.to(device), config.vae_kl_weight)
        loss.backward()
        dist.average_gradients(pipeline)
        torch.nn.utils.clip_grad_norm_(pipeline.vae_parameters(), config.grad_clip)
        return loss.item(), f" (vae: mse {mse.item():.4f} kl {kl.item():.3f})"

    def unet_step(step: int) -> Tuple[float, str]:
        if pipeline.latent_scale.item() == 0.0:  # first UNet step of this run's history: fix the scale once
            pipeline.eval()
            pipeline.latent_scale.fill_(compute_latent_scale(pipeline, train, config))
            pipeline.train()
        batch = {name: dist.shard(rows).to(device) for name, rows in unet_batch(train, config, step, empty).items()}  # this rank's rows [B/W, ...]
        loss = denoising_loss(pipeline, batch)
        loss.backward()
        dist.average_gradients(pipeline)
        torch.nn.utils.clip_grad_norm_(pipeline.denoiser_parameters(), config.grad_clip)
        return loss.item(), f" (unet, latent scale {pipeline.latent_scale.item():.4f})"

    def train_step(step: int) -> Tuple[float, str]:
        stage = "vae" if step <= config.vae_steps else "unet"
        rate = stage_learning_rate(config, step)
        for group in optimizer.param_groups:
            group["lr"] = rate if group["stage"] == stage else 0.0
        optimizer.zero_grad(set_to_none=True)
        result = vae_step(step) if stage == "vae" else unet_step(step)
        optimizer.step()
        return result

    step, loss_value = run_steps(
        model=pipeline, optimizer=optimizer, config=config, run_dir=run_dir, emitter=emitter, stop=stop,
        resume_state=resume_state, train_step=train_step, dist=dist,
    )
    if pipeline.latent_scale.item() == 0.0:  # a run that ended inside the VAE stage still exports a usable scale
        pipeline.eval()
        pipeline.latent_scale.fill_(compute_latent_scale(pipeline, train, config))
    return SdTrainResult(pipeline=pipeline, step=step, final_loss=loss_value)


@torch.no_grad()
def evaluate_sd(pipeline: SdPipeline, images: ImageSet, config: SdTrainConfig, empty_ids: List[int], batch_size: int = 32) -> Dict[str, float]:
    """On a fixed set of images: VAE reconstruction (of the posterior mean) MSE in [-1, 1] and PSNR
    in [0, 1]; the UNet's noise-prediction MSE at fixed timesteps (evenly spread over 0..T-1) and
    noises, with the prompt and with the empty prompt (their gap shows the text is used)."""
    pipeline.eval()
    count = len(images)
    generator = batch_generator(config.seed, EVAL_STREAM, 0)
    timesteps = torch.linspace(0, config.train_timesteps - 1, count).round().long()  # [N]
    latent_shape = (config.latent_channels, config.latent_size, config.latent_size)
    noises = torch.randn((count, *latent_shape), generator=generator)  # [N, c, h, w]
    empty = torch.tensor(empty_ids, dtype=torch.int64)
    totals = {"mse": 0.0, "eps": 0.0, "eps_uncond": 0.0}
    for start in range(0, count, batch_size):
        end = min(count, start + batch_size)
        pixels = to_signed(images.pixels[start:end])  # [b, 3, S, S]
        mean, _ = pipeline.vae.encode(pixels)  # [b, c, h, w]
        totals["mse"] += F.mse_loss(pipeline.vae.decode(mean), pixels, reduction="sum").item() / pixels[0].numel()
        latent = mean * pipeline.latent_scale  # [b, c, h, w]
        noisy = pipeline.scheduler.add_noise(latent, noises[start:end], timesteps[start:end])  # [b, c, h, w]
        ids = images.input_ids[start:end]  # [b, L]
        for key, prompt_ids in (("eps", ids), ("eps_uncond", empty.expand_as(ids))):
            predicted = pipeline.unet(noisy, timesteps[start:end], pipeline.text_encoder(prompt_ids))  # [b, c, h, w]
            totals[key] += F.mse_loss(predicted, noises[start:end], reduction="sum").item() / predicted[0].numel()
    mse = totals["mse"] / count
    return {
        "eval_vae_mse": mse,
        "eval_vae_psnr": 10.0 * math.log10(4.0 / max(mse, 1e-12)),  # [-1, 1] MSE / 4 = [0, 1] MSE
        "eval_diffusion_loss": totals["eps"] / count,
        "eval_diffusion_loss_uncond": totals["eps_uncond"] / count,
    }
