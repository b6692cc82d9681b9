"""DDIM sampling with the Gaussian log-probability of each step (what DDPO needs; SPEC §5), in the
spirit of ddpo-pytorch's `ddim_step_with_logprob` (itself diffusers' DDIMScheduler.step):

  x0_hat   = (x_t - sqrt(1 - a_t) * eps) / sqrt(a_t)
  sigma_t  = eta * sqrt((1 - a_prev) / (1 - a_t) * (1 - a_t / a_prev))
  mean     = sqrt(a_prev) * x0_hat + sqrt(1 - a_prev - sigma_t^2) * eps
  x_prev   = mean + sigma_t * z,  z ~ N(0, I)
  log_prob = sum over latent dims of log N(x_prev; mean, sigma_t^2)

a_t = alphas_cumprod[t]; a_prev = alphas_cumprod[t - stride], or alphas_cumprod[0] past the end
(SD's set_alpha_to_one = False). Timesteps use SD's "leading" spacing with steps_offset 1:
t_i = (n - 1 - i) * (1000 // n) + 1, e.g. 751, 501, 251, 1 for n = 4. No clipping of x0_hat
(SD's clip_sample = False). eta = 0 is deterministic DDIM (sigma = 0: no log-probability);
eta = 1 is what DDPO samples with.

Difference from ddpo-pytorch: it averages the per-dimension log-density over the latent dims;
here it is summed (the true log-density of the step). A DDPO trainer that wants the reference's
scale divides by the number of latent dims (4 * 16 * 16 = 1024).

The UNet sees classifier-free guidance as SD's pipeline does: one call on [uncond; cond] (2B rows),
eps = eps_uncond + g * (eps_cond - eps_uncond).
"""
import math
from dataclasses import dataclass
from typing import List, Optional, Sequence

import torch

from .sd_model import SdPipeline

HALF_LOG_TWO_PI = 0.5 * math.log(2.0 * math.pi)


def ddim_timesteps(train_timesteps: int, num_steps: int, steps_offset: int = 1) -> List[int]:
    """SD's leading spacing: [(n-1)*r + offset, ..., r + offset, offset] with r = train_timesteps // n."""
    if not 1 <= num_steps <= train_timesteps:
        raise ValueError(f"num_steps must be in 1..{train_timesteps}, got {num_steps}")
    stride = train_timesteps // num_steps
    return [i * stride + steps_offset for i in reversed(range(num_steps))]


def previous_timestep(timestep: int, train_timesteps: int, num_steps: int) -> int:
    return timestep - train_timesteps // num_steps  # negative past the last step: a_prev = final_alpha_cumprod


def _alpha(alphas_cumprod: torch.Tensor, timestep: torch.Tensor) -> torch.Tensor:
    """alphas_cumprod at int64 timesteps [B]; a negative timestep means 'past the end' = alphas_cumprod[0]."""
    return alphas_cumprod.index_select(0, timestep.clamp(min=0))  # [B]


@dataclass
class DdimStep:
    prev_sample: torch.Tensor  # [B, C, H, W]
    mean: torch.Tensor  # [B, C, H, W]
    std: torch.Tensor  # [B] sigma_t
    log_prob: Optional[torch.Tensor]  # [B] summed over C*H*W; None when eta = 0
    pred_original_sample: torch.Tensor  # [B, C, H, W] x0_hat


def ddim_step_with_logprob(
    alphas_cumprod: torch.Tensor,
    model_output: torch.Tensor,
    timestep: torch.Tensor,
    prev_timestep: torch.Tensor,
    sample: torch.Tensor,
    eta: float,
    noise: Optional[torch.Tensor] = None,
    prev_sample: Optional[torch.Tensor] = None,
) -> DdimStep:
    """One DDIM step x_t -> x_prev for eps-prediction. timestep / prev_timestep: int64 [B] (a
    negative prev means the final step). Pass `noise` [B, C, H, W] to draw x_prev (needed when
    eta > 0), or `prev_sample` to score a given x_prev (DDPO's recomputation under a new model)."""
    view = (-1,) + (1,) * (sample.dim() - 1)
    a_t = _alpha(alphas_cumprod, timestep).view(view)  # [B, 1, 1, 1]
    a_prev = _alpha(alphas_cumprod, prev_timestep).view(view)  # [B, 1, 1, 1]
    x0 = (sample - (1.0 - a_t).sqrt() * model_output) / a_t.sqrt()  # [B, C, H, W]
    variance = (1.0 - a_prev) / (1.0 - a_t) * (1.0 - a_t / a_prev)  # [B, 1, 1, 1]
    std = eta * variance.sqrt()  # [B, 1, 1, 1]
    mean = a_prev.sqrt() * x0 + (1.0 - a_prev - std**2).clamp(min=0.0).sqrt() * model_output  # [B, C, H, W]
    if prev_sample is None:
        if eta > 0 and noise is None:
            raise ValueError("eta > 0 needs `noise` (or a given `prev_sample`)")
        prev_sample = mean if eta == 0 else mean + std * noise  # [B, C, H, W]
    log_prob = None
    if eta > 0:
        per_dim = -((prev_sample.detach() - mean) ** 2) / (2.0 * std**2) - torch.log(std) - HALF_LOG_TWO_PI  # [B, C, H, W]
        log_prob = per_dim.flatten(1).sum(dim=1)  # [B]
    return DdimStep(prev_sample, mean, std.flatten(), log_prob, x0)


@dataclass
class DdimRun:
    timesteps: List[int]
    latents: List[torch.Tensor]  # S + 1 of [B, C, H, W]: the initial noise, then after each step
    log_probs: Optional[torch.Tensor]  # [S, B], None when eta = 0
    image: torch.Tensor  # [B, 3, S, S] the VAE decoder's output (in [-1, 1], not clamped)


@torch.no_grad()
def ddim_sample(
    pipeline: SdPipeline,
    input_ids: torch.Tensor,
    uncond_input_ids: torch.Tensor,
    init_noise: torch.Tensor,
    step_noises: Optional[torch.Tensor],
    num_steps: int,
    eta: float,
    guidance_scale: float,
) -> DdimRun:
    """A full sampling run from given noises: input_ids / uncond_input_ids [B, L], init_noise
    [B, 4, h, w] (x_T, SD's init_noise_sigma = 1), step_noises [S, B, 4, h, w] (used when eta > 0)."""
    config = pipeline.config
    batch = input_ids.shape[0]
    states = pipeline.text_encoder(torch.cat([uncond_input_ids, input_ids], dim=0))  # [2B, L, D]
    timesteps = ddim_timesteps(config.train_timesteps, num_steps)
    alphas = pipeline.scheduler.alphas_cumprod
    latents = [init_noise]
    log_probs: List[torch.Tensor] = []
    x = init_noise  # [B, 4, h, w]
    for index, t in enumerate(timesteps):
        t_batch = torch.full((batch,), t, dtype=torch.int64)  # [B]
        eps_uncond, eps_cond = pipeline.unet(torch.cat([x, x], dim=0), torch.cat([t_batch, t_batch]), states).chunk(2)  # each [B, 4, h, w]
        eps = eps_uncond + guidance_scale * (eps_cond - eps_uncond)  # [B, 4, h, w]
        prev_t = torch.full((batch,), previous_timestep(t, config.train_timesteps, num_steps), dtype=torch.int64)  # [B]
        noise = step_noises[index] if step_noises is not None else None
        step = ddim_step_with_logprob(alphas, eps, t_batch, prev_t, x, eta, noise=noise)
        x = step.prev_sample
        latents.append(x)
        if step.log_prob is not None:
            log_probs.append(step.log_prob)
    image = pipeline.vae.decode(x / pipeline.latent_scale)  # [B, 3, S, S]
    return DdimRun(timesteps, latents, torch.stack(log_probs) if log_probs else None, image)


def gaussian_log_density(x: Sequence[float], mean: Sequence[float], std: float) -> float:
    """Plain-Python sum of log N(x_i; mean_i, std^2), for hand checks in tests."""
    return sum(-((a - m) ** 2) / (2 * std * std) - math.log(std) - 0.5 * math.log(2 * math.pi) for a, m in zip(x, mean))


def final_alpha_cumprod(alphas_cumprod: torch.Tensor) -> float:
    return float(alphas_cumprod[0])  # SD: set_alpha_to_one = False
