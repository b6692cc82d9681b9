"""BoigSD's modules, shaped like Stable Diffusion's ONNX pipeline (SPEC §5), small enough for a CPU:

- TextEncoder: input_ids [B, L] int64 -> last_hidden_state [B, L, D]. Token + learned position
  embeddings, pre-LN transformer blocks (bidirectional; keys that are <pad> are masked inside, so
  padding never changes a real token's state), final LayerNorm. Every position has an output and
  the UNet attends to all L of them, as SD's UNet attends to all 77 CLIP states.
- Vae: encode(sample [B, 3, 64, 64] in [-1, 1]) -> mean, logvar [B, 4, 16, 16];
  decode(latent [B, 4, 16, 16]) -> sample [B, 3, 64, 64] (aimed at [-1, 1], not clamped, as SD).
- UNet: (sample [B, 4, 16, 16], timestep [B] int64, encoder_hidden_states [B, L, D]) -> noise
  prediction eps [B, 4, 16, 16]. ResBlocks with a timestep embedding; a transformer block after
  each ResBlock at the 16x16 and 8x8 levels and in the middle: cross-attention to the text and a
  GEGLU feed-forward everywhere, self-attention at 8x8 only (CPU budget, see SpatialTransformer).
  Linear maps are 1x1 convolutions on channel-first tensors (see Pointwise).
- Scheduler: the DDPM noise schedule as buffers (no weights), separate from the UNet.
- SdPipeline: the four together plus the latent scale (a buffer), so one state_dict checkpoints all.
"""
import math
from typing import Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F

from .sd_config import SdTrainConfig

NORM_GROUPS = 8  # GroupNorm groups everywhere (channels are multiples of 8)
MASKED = -1e9  # additive attention score of a <pad> key (finite: a row of only padding stays finite)


def group_norm(channels: int) -> nn.GroupNorm:
    return nn.GroupNorm(min(NORM_GROUPS, channels), channels, eps=1e-6)


def attention(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, heads: int, bias: "torch.Tensor | None" = None) -> torch.Tensor:
    """Channel-first multi-head attention: q [B, C, N], k/v [B, C, M] -> [B, C, N]; bias broadcasts to [B, heads, N, M]."""
    batch, channels, n = q.shape
    m = k.shape[2]
    head_dim = channels // heads
    q = q.reshape(batch, heads, head_dim, n)  # [B, H, Dh, N]
    k = k.reshape(batch, heads, head_dim, m)  # [B, H, Dh, M]
    v = v.reshape(batch, heads, head_dim, m)  # [B, H, Dh, M]
    scores = torch.matmul(q.transpose(2, 3) * head_dim**-0.5, k)  # [B, H, N, M]
    if bias is not None:
        scores = scores + bias
    weights = torch.softmax(scores, dim=-1)  # [B, H, N, M]
    return torch.matmul(v, weights.transpose(2, 3)).reshape(batch, channels, n)  # [B, C, N]


class Pointwise(nn.Conv1d):
    """A linear layer over the channels of a channel-first sequence [B, Cin, N] -> [B, Cout, N].
    Why not nn.Linear: Debian's torch links the reference BLAS (~5 GFLOP/s), but runs convolutions in
    its own mkldnn kernels (~6x faster here); in ONNX it is a 1x1 Conv."""

    def __init__(self, channels_in: int, channels_out: int, bias: bool = True):
        super().__init__(channels_in, channels_out, 1, bias=bias)


class ChannelLayerNorm(nn.Module):
    """LayerNorm over the channels of [B, C, N] (each position normalized on its own)."""

    def __init__(self, channels: int, eps: float = 1e-5):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(channels, 1))
        self.bias = nn.Parameter(torch.zeros(channels, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        mean = x.mean(dim=1, keepdim=True)  # [B, 1, N]
        centered = x - mean  # [B, C, N]
        variance = centered.pow(2).mean(dim=1, keepdim=True)  # [B, 1, N]
        return centered * torch.rsqrt(variance + self.eps) * self.weight + self.bias


# ---------------------------------------------------------------------------------------------- text


class TextBlock(nn.Module):
    def __init__(self, dim: int, heads: int):
        super().__init__()
        self.heads = heads
        self.norm1 = ChannelLayerNorm(dim)
        self.qkv = Pointwise(dim, 3 * dim)
        self.out = Pointwise(dim, dim)
        self.norm2 = ChannelLayerNorm(dim)
        self.mlp = nn.Sequential(Pointwise(dim, 4 * dim), nn.GELU(), Pointwise(4 * dim, dim))

    def forward(self, x: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
        q, k, v = self.qkv(self.norm1(x)).chunk(3, dim=1)  # each [B, D, L]
        x = x + self.out(attention(q, k, v, self.heads, bias))  # [B, D, L]
        return x + self.mlp(self.norm2(x))  # [B, D, L]


class TextEncoder(nn.Module):
    def __init__(self, vocab_size: int, dim: int, layers: int, heads: int, max_tokens: int, pad_id: int = 0):
        super().__init__()
        self.pad_id = pad_id
        self.embed = nn.Embedding(vocab_size, dim)
        self.positions = nn.Embedding(max_tokens, dim)
        self.blocks = nn.ModuleList(TextBlock(dim, heads) for _ in range(layers))
        self.norm = nn.LayerNorm(dim)
        nn.init.normal_(self.embed.weight, std=0.02)
        nn.init.normal_(self.positions.weight, std=0.01)

    def forward(self, input_ids: torch.Tensor) -> torch.Tensor:
        seq = input_ids.shape[1]
        positions = torch.arange(seq, device=input_ids.device)  # [L]
        x = self.embed(input_ids) + self.positions(positions).unsqueeze(0)  # [B, L, D]
        bias = (input_ids == self.pad_id).to(x.dtype).mul(MASKED)[:, None, None, :]  # [B, 1, 1, L]: padding keys masked
        x = x.transpose(1, 2)  # [B, D, L]
        for block in self.blocks:
            x = block(x, bias)
        return self.norm(x.transpose(1, 2))  # last_hidden_state [B, L, D]


# ---------------------------------------------------------------------------------------------- VAE


# The VAE has no normalization layers (SD's has GroupNorm). Per-sample norms subtract each channel
# group's spatial mean, i.e. the flat background color these renders mostly are; measured on the
# world's renders (300 steps, width 16): held-out MSE 0.039 without norms vs 0.084 with GroupNorm,
# per-image mean-color error 0.012 vs 0.039 (width 8: 0.036 vs 0.19).


class VaeResBlock(nn.Module):
    def __init__(self, channels_in: int, channels_out: int):
        super().__init__()
        self.conv1 = nn.Conv2d(channels_in, channels_out, 3, padding=1)
        self.conv2 = nn.Conv2d(channels_out, channels_out, 3, padding=1)
        self.skip = nn.Conv2d(channels_in, channels_out, 1) if channels_in != channels_out else nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.conv1(F.silu(x))  # [B, Co, H, W]
        h = self.conv2(F.silu(h))  # [B, Co, H, W]
        return self.skip(x) + h


class VaeEncoder(nn.Module):
    def __init__(self, width: int, latent_channels: int):
        super().__init__()
        widths = (width, 2 * width, 4 * width)  # at 64x64, 32x32, 16x16
        self.conv_in = nn.Conv2d(3, widths[0], 3, padding=1)
        self.res0 = VaeResBlock(widths[0], widths[0])
        self.down0 = nn.Conv2d(widths[0], widths[1], 3, stride=2, padding=1)
        self.res1 = VaeResBlock(widths[1], widths[1])
        self.down1 = nn.Conv2d(widths[1], widths[2], 3, stride=2, padding=1)
        self.res2 = VaeResBlock(widths[2], widths[2])
        self.conv_out = nn.Conv2d(widths[2], 2 * latent_channels, 3, padding=1)

    def forward(self, sample: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        h = self.res0(self.conv_in(sample))  # [B, w, 64, 64]
        h = self.res1(self.down0(h))  # [B, 2w, 32, 32]
        h = self.res2(self.down1(h))  # [B, 4w, 16, 16]
        moments = self.conv_out(F.silu(h))  # [B, 2c, 16, 16]
        mean, logvar = moments.chunk(2, dim=1)  # each [B, c, 16, 16]
        return mean, logvar.clamp(-30.0, 20.0)


class VaeDecoder(nn.Module):
    def __init__(self, width: int, latent_channels: int):
        super().__init__()
        widths = (width, 2 * width, 4 * width)
        self.conv_in = nn.Conv2d(latent_channels, widths[2], 3, padding=1)
        self.res2 = VaeResBlock(widths[2], widths[2])
        self.up1 = nn.Conv2d(widths[2], widths[1], 3, padding=1)  # after nearest 2x upsampling
        self.res1 = VaeResBlock(widths[1], widths[1])
        self.up0 = nn.Conv2d(widths[1], widths[0], 3, padding=1)
        self.res0 = VaeResBlock(widths[0], widths[0])
        self.conv_out = nn.Conv2d(widths[0], 3, 3, padding=1)

    def forward(self, latent: torch.Tensor) -> torch.Tensor:
        h = self.res2(self.conv_in(latent))  # [B, 4w, 16, 16]
        h = self.res1(self.up1(F.interpolate(h, scale_factor=2.0, mode="nearest")))  # [B, 2w, 32, 32]
        h = self.res0(self.up0(F.interpolate(h, scale_factor=2.0, mode="nearest")))  # [B, w, 64, 64]
        return self.conv_out(F.silu(h))  # [B, 3, 64, 64], ~[-1, 1]


class Vae(nn.Module):
    def __init__(self, width: int, latent_channels: int):
        super().__init__()
        self.encoder = VaeEncoder(width, latent_channels)
        self.decoder = VaeDecoder(width, latent_channels)

    def encode(self, sample: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        return self.encoder(sample)  # mean, logvar [B, c, 16, 16]

    def decode(self, latent: torch.Tensor) -> torch.Tensor:
        return self.decoder(latent)  # [B, 3, 64, 64]


def vae_loss(vae: Vae, sample: torch.Tensor, noise: torch.Tensor, kl_weight: float) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Per-pixel MSE of the reconstruction of a posterior sample + kl_weight * per-element KL to N(0, 1).
    sample [B, 3, S, S] in [-1, 1], noise [B, c, S/4, S/4] ~ N(0, 1) (the reparameterization draw)."""
    mean, logvar = vae.encode(sample)  # [B, c, h, w]
    latent = mean + torch.exp(0.5 * logvar) * noise  # [B, c, h, w]
    reconstruction = vae.decode(latent)  # [B, 3, S, S]
    mse = F.mse_loss(reconstruction, sample)
    kl = 0.5 * (mean.pow(2) + logvar.exp() - 1.0 - logvar).mean()
    return mse + kl_weight * kl, mse, kl


# ---------------------------------------------------------------------------------------------- UNet


def timestep_embedding(timestep: torch.Tensor, dim: int) -> torch.Tensor:
    """Sinusoidal embedding of integer timesteps [B] -> [B, dim] (cos half first, as SD's flip_sin_to_cos)."""
    half = dim // 2
    frequencies = torch.exp(torch.arange(half, dtype=torch.float32, device=timestep.device) * (-math.log(10000.0) / half))  # [half]
    angles = timestep.to(torch.float32)[:, None] * frequencies[None, :]  # [B, half]
    return torch.cat([torch.cos(angles), torch.sin(angles)], dim=1)  # [B, dim]


class ResBlock(nn.Module):
    def __init__(self, channels_in: int, channels_out: int, time_dim: int):
        super().__init__()
        self.norm1 = group_norm(channels_in)
        self.conv1 = nn.Conv2d(channels_in, channels_out, 3, padding=1)
        self.time = nn.Linear(time_dim, channels_out)
        self.norm2 = group_norm(channels_out)
        self.conv2 = nn.Conv2d(channels_out, channels_out, 3, padding=1)
        nn.init.zeros_(self.conv2.weight)  # each block starts as the identity (skip path only)
        nn.init.zeros_(self.conv2.bias)
        self.skip = nn.Conv2d(channels_in, channels_out, 1) if channels_in != channels_out else nn.Identity()

    def forward(self, x: torch.Tensor, time: torch.Tensor) -> torch.Tensor:
        h = self.conv1(F.silu(self.norm1(x)))  # [B, Co, H, W]
        h = h + self.time(F.silu(time))[:, :, None, None]  # [B, Co, H, W]
        h = self.conv2(F.silu(self.norm2(h)))  # [B, Co, H, W]
        return self.skip(x) + h


class SpatialTransformer(nn.Module):
    """SD's Transformer2DModel with one BasicTransformerBlock, channel-first: self-attention over the
    H*W positions (only where `self_attention`: at 16x16 its 256x256 scores cost more than the rest of
    the block on this CPU), cross-attention to the text states, GEGLU feed-forward; 1x1 projections in
    and out (proj_out starts at zero, so the block starts as the identity)."""

    def __init__(self, channels: int, head_dim: int, context_dim: int, self_attention: bool):
        super().__init__()
        self.heads = max(1, channels // head_dim)
        self.norm = group_norm(channels)
        self.proj_in = Pointwise(channels, channels)
        if self_attention:
            self.norm1 = ChannelLayerNorm(channels)
            self.self_qkv = Pointwise(channels, 3 * channels, bias=False)
            self.self_out = Pointwise(channels, channels)
        self.self_attention = self_attention
        self.norm2 = ChannelLayerNorm(channels)
        self.cross_q = Pointwise(channels, channels, bias=False)
        self.cross_kv = Pointwise(context_dim, 2 * channels, bias=False)
        self.cross_out = Pointwise(channels, channels)
        self.norm3 = ChannelLayerNorm(channels)
        self.ff_in = Pointwise(channels, 2 * 2 * channels)  # GEGLU: value and gate, 2x inner width (SD: 4x)
        self.ff_out = Pointwise(2 * channels, channels)
        self.proj_out = Pointwise(channels, channels)
        nn.init.zeros_(self.proj_out.weight)
        nn.init.zeros_(self.proj_out.bias)

    def forward(self, x: torch.Tensor, context: torch.Tensor) -> torch.Tensor:
        batch, channels, height, width = x.shape
        h = self.proj_in(self.norm(x).flatten(2))  # [B, C, N=H*W]
        if self.self_attention:
            q, k, v = self.self_qkv(self.norm1(h)).chunk(3, dim=1)  # each [B, C, N]
            h = h + self.self_out(attention(q, k, v, self.heads))  # [B, C, N]
        k, v = self.cross_kv(context).chunk(2, dim=1)  # each [B, C, L]
        h = h + self.cross_out(attention(self.cross_q(self.norm2(h)), k, v, self.heads))  # [B, C, N]
        value, gate = self.ff_in(self.norm3(h)).chunk(2, dim=1)  # each [B, 2C, N]
        h = h + self.ff_out(value * F.gelu(gate))  # [B, C, N]
        return x + self.proj_out(h).reshape(batch, channels, height, width)  # [B, C, H, W]


class UNet(nn.Module):
    def __init__(self, latent_channels: int, width: int, head_dim: int, context_dim: int):
        super().__init__()
        c1, c2 = width, 2 * width  # channels at 16x16 and 8x8
        time_dim = 4 * width
        self.time_in_dim = width
        self.time_mlp = nn.Sequential(nn.Linear(width, time_dim), nn.SiLU(), nn.Linear(time_dim, time_dim))
        self.conv_in = nn.Conv2d(latent_channels, c1, 3, padding=1)
        self.down1_res = ResBlock(c1, c1, time_dim)
        self.down1_attn = SpatialTransformer(c1, head_dim, context_dim, self_attention=False)
        self.downsample = nn.Conv2d(c1, c1, 3, stride=2, padding=1)
        self.down2_res = ResBlock(c1, c2, time_dim)
        self.down2_attn = SpatialTransformer(c2, head_dim, context_dim, self_attention=True)
        self.mid_res1 = ResBlock(c2, c2, time_dim)
        self.mid_attn = SpatialTransformer(c2, head_dim, context_dim, self_attention=True)
        self.mid_res2 = ResBlock(c2, c2, time_dim)
        self.up2_res = ResBlock(c2 + c2, c2, time_dim)
        self.up2_attn = SpatialTransformer(c2, head_dim, context_dim, self_attention=True)
        self.upsample = nn.Conv2d(c2, c1, 3, padding=1)  # after nearest 2x upsampling; c2 -> c1 halves the 16x16 conv cost
        self.up1_res = ResBlock(c1 + c1, c1, time_dim)
        self.up1_attn = SpatialTransformer(c1, head_dim, context_dim, self_attention=False)
        self.norm_out = group_norm(c1)
        self.conv_out = nn.Conv2d(c1, latent_channels, 3, padding=1)
        nn.init.zeros_(self.conv_out.weight)  # predicts eps = 0 at init
        nn.init.zeros_(self.conv_out.bias)

    def forward(self, sample: torch.Tensor, timestep: torch.Tensor, encoder_hidden_states: torch.Tensor) -> torch.Tensor:
        time = self.time_mlp(timestep_embedding(timestep, self.time_in_dim))  # [B, T]
        context = encoder_hidden_states.transpose(1, 2)  # [B, D, L]
        h1 = self.conv_in(sample)  # [B, c1, 16, 16]
        h1 = self.down1_attn(self.down1_res(h1, time), context)  # [B, c1, 16, 16]
        h2 = self.downsample(h1)  # [B, c1, 8, 8]
        h2 = self.down2_attn(self.down2_res(h2, time), context)  # [B, c2, 8, 8]
        h = self.mid_res1(h2, time)  # [B, c2, 8, 8]
        h = self.mid_res2(self.mid_attn(h, context), time)  # [B, c2, 8, 8]
        h = self.up2_attn(self.up2_res(torch.cat([h, h2], dim=1), time), context)  # [B, c2, 8, 8]
        h = self.upsample(F.interpolate(h, scale_factor=2.0, mode="nearest"))  # [B, c1, 16, 16]
        h = self.up1_attn(self.up1_res(torch.cat([h, h1], dim=1), time), context)  # [B, c1, 16, 16]
        return self.conv_out(F.silu(self.norm_out(h)))  # eps [B, 4, 16, 16]


# ---------------------------------------------------------------------------------------------- schedule


class Scheduler(nn.Module):
    """DDPM noise schedule as buffers (float32, computed in float64): SD's scaled-linear betas.
    x_t = sqrt(alphas_cumprod[t]) * x_0 + sqrt(1 - alphas_cumprod[t]) * eps."""

    def __init__(self, train_timesteps: int, beta_start: float, beta_end: float):
        super().__init__()
        betas = torch.linspace(math.sqrt(beta_start), math.sqrt(beta_end), train_timesteps, dtype=torch.float64) ** 2  # [T]
        alphas_cumprod = torch.cumprod(1.0 - betas, dim=0)  # [T]
        self.train_timesteps = train_timesteps
        self.register_buffer("betas", betas.float())
        self.register_buffer("alphas_cumprod", alphas_cumprod.float())

    def add_noise(self, x0: torch.Tensor, noise: torch.Tensor, timestep: torch.Tensor) -> torch.Tensor:
        a = self.alphas_cumprod.index_select(0, timestep).view(-1, *([1] * (x0.dim() - 1)))  # [B, 1, 1, 1]
        return a.sqrt() * x0 + (1.0 - a).sqrt() * noise


# ---------------------------------------------------------------------------------------------- pipeline


class SdPipeline(nn.Module):
    """Everything a checkpoint holds: text encoder, VAE, UNet, schedule and the latent scale
    (0 until the VAE stage ends; then 1 / std of posterior samples of training images' latents)."""

    def __init__(self, config: SdTrainConfig, pad_id: int = 0):
        super().__init__()
        if config.vocab_size < 1:
            raise ValueError("config.vocab_size must be set (from the training prompts) before building the model")
        self.config = config
        self.text_encoder = TextEncoder(config.vocab_size, config.text_dim, config.text_layers, config.text_heads, config.max_tokens, pad_id)
        self.vae = Vae(config.vae_width, config.latent_channels)
        self.unet = UNet(config.latent_channels, config.unet_width, config.unet_head_dim, config.text_dim)
        self.scheduler = Scheduler(config.train_timesteps, config.beta_start, config.beta_end)
        self.register_buffer("latent_scale", torch.zeros(()))

    def vae_parameters(self):
        return list(self.vae.parameters())

    def denoiser_parameters(self):
        return [*self.text_encoder.parameters(), *self.unet.parameters()]


def parameter_count(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


def parameter_counts(pipeline: SdPipeline) -> dict:
    vae = pipeline.vae
    return {
        "text_encoder": parameter_count(pipeline.text_encoder),
        "unet": parameter_count(pipeline.unet),
        "vae_encoder": parameter_count(vae.encoder),
        "vae_decoder": parameter_count(vae.decoder),
    }
