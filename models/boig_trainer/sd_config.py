"""BoigSD (small latent diffusion, SPEC §5) training config: a frozen dataclass stored in checkpoints
and manifests, and its presets. One run trains two stages on one step counter: the VAE for
`vae_steps`, then the text encoder + UNet on the frozen VAE's latents for the remaining steps."""
from dataclasses import asdict, dataclass, fields, replace
from typing import Any, Dict

BUCKETS = ("high", "medium", "low")  # KPI buckets (SPEC §3.3); --only-bucket picks one


@dataclass(frozen=True)
class SdTrainConfig:
    preset: str = "tiny"  # recorded so checkpoints and manifests say which preset they came from
    only_bucket: str = ""  # "" = all training images (base); "high" = high-KPI images only (the SFT baseline's data)
    # --- data and text
    image_size: int = 64  # world renders are 64x64; fixes the VAE's input dims
    max_tokens: int = 48  # prompt length incl. <bos>/<eos>, padded with <pad> (SD pads to 77); longer prompts are cut (counted)
    vocab_min_count: int = 2  # a caption word needs this many training occurrences to get its own id (else <unk>)
    vocab_max_size: int = 2000  # cap on the word vocabulary (the default world has ~600 words with count >= 2)
    # --- VAE (KL-regularized autoencoder, 64x64x3 <-> 16x16x4)
    latent_channels: int = 4  # as SD; the UNet and the sampler work on [B, 4, 16, 16]
    vae_width: int = 8  # channels at 64x64; 2x at 32x32 and 4x at 16x16 (tiny keeps tests to seconds)
    vae_kl_weight: float = 1e-3  # per-element KL vs per-pixel MSE; small, so latents stay informative, large enough to keep them bounded
    # --- text encoder (trained from scratch jointly with the UNet: no pretrained CLIP here)
    text_dim: int = 32  # width of last_hidden_state (the UNet's cross-attention context dim)
    text_layers: int = 1  # pre-LN transformer blocks over the prompt tokens (bidirectional, padding keys masked)
    text_heads: int = 2  # attention heads in the text encoder
    # --- UNet (noise prediction, cross-attention at 16x16 and 8x8)
    unet_width: int = 16  # channels at 16x16; 2x at 8x8
    unet_head_dim: int = 8  # channels per attention head in the UNet's transformer blocks
    cfg_drop_prob: float = 0.1  # classifier-free guidance: a training prompt is replaced by the empty prompt with this chance
    offset_noise: float = 0.1  # training noise += this x N(0,1) per sample and channel: SD's schedule leaves ~7% signal at t=999, and without it the model reads the global color off x_T (docs/boigsd.md)
    # --- noise schedule (SD's: scaled-linear betas, 1000 train steps)
    train_timesteps: int = 1000  # DDPM steps t = 0..999
    beta_start: float = 0.00085  # SD v1 scaled_linear: betas = linspace(sqrt(start), sqrt(end))^2
    beta_end: float = 0.012  # SD v1
    latent_scale_images: int = 256  # training images whose latent-mean std sets the latent scale (SD's 0.18215 comes from the same idea)
    # --- optimization
    steps: int = 60  # total: vae_steps of the VAE, then steps - vae_steps of text encoder + UNet
    vae_steps: int = 20  # VAE stage length; fixed when a run starts, so extending --steps on resume only lengthens the UNet stage
    vae_batch_size: int = 8  # images per VAE step
    unet_batch_size: int = 8  # images per UNet step (each with its own timestep and noise)
    vae_learning_rate: float = 2e-3  # AdamW peak LR of the VAE stage
    unet_learning_rate: float = 2e-3  # AdamW peak LR of the UNet + text encoder stage
    warmup_steps: int = 5  # per stage: linear warmup from 10% of the peak
    final_lr_fraction: float = 0.05  # per stage: cosine decay to this share of the peak at the stage's last step
    weight_decay: float = 0.01  # AdamW, on conv/linear weights only
    grad_clip: float = 1.0  # global grad-norm clip per stage
    seed: int = 0  # weight init and every batch, noise, timestep and CFG drop (each depends only on seed and step)
    eval_images: int = 64  # held-out (test split) images for the reported VAE and diffusion losses (a fixed prefix)
    progress_every: int = 10  # how often (steps) a progress line is emitted
    checkpoint_every: int = 20  # how often (steps) a resumable checkpoint is written
    torch_threads: int = 1  # measured on the busy 2-core box: a tiny step takes 0.12 s with 1 thread, 0.84 s with 2
    data_snapshot: str = ""  # "world seed=... images=... sha256=..." of --data, set at start; --resume refuses other data
    vocab_size: int = 0  # set from the training captions at start (the text encoder's embedding rows)

    def to_dict(self) -> Dict[str, Any]:
        return asdict(self)

    @property
    def latent_size(self) -> int:
        return self.image_size // 4  # two stride-2 downsamplings in the VAE

    @property
    def unet_steps(self) -> int:
        return self.steps - self.vae_steps

    @classmethod
    def from_dict(cls, values: Dict[str, Any]) -> "SdTrainConfig":
        unknown = sorted(set(values) - {f.name for f in fields(cls)})
        if unknown:
            raise ValueError(f"config has unknown fields {unknown}")
        return cls(**values)


SD_PRESETS: Dict[str, SdTrainConfig] = {
    "tiny": SdTrainConfig(),
    # default: sized for ~1-2 h on the 2-core dev CPU with other jobs beside it (docs/boigsd.md has
    # the per-step measurements): 1500 VAE steps x 16 images, then 4500 UNet steps x 32 images.
    "default": SdTrainConfig(
        preset="default", vae_width=16, text_dim=128, text_layers=2, text_heads=4, unet_width=64, unet_head_dim=32,
        steps=6000, vae_steps=1500, vae_batch_size=16, unet_batch_size=32, vae_learning_rate=1e-3, unet_learning_rate=5e-4,
        warmup_steps=100, eval_images=256, progress_every=20, checkpoint_every=200, latent_scale_images=1024,
    ),
}


# The SFT baseline (paper §3.3: base fine-tuned on high-KPI images only): the base model's config with
# the VAE frozen (vae_steps 0), these UNet + text-encoder steps and a lower LR than pretraining.
SFT_STEPS: Dict[str, int] = {"tiny": 20, "default": 1500}
SFT_LEARNING_RATE: Dict[str, float] = {"tiny": 1e-3, "default": 1e-4}


def sd_preset(name: str, **overrides: Any) -> SdTrainConfig:
    """A preset with overrides; --steps N scales the VAE stage to the preset's share of the total."""
    base = SD_PRESETS[name]
    values = {k: v for k, v in overrides.items() if v is not None}
    if "steps" in values and "vae_steps" not in values:
        values["vae_steps"] = max(1, min(values["steps"] - 1, round(values["steps"] * base.vae_steps / base.steps)))
    return replace(base, **values)
