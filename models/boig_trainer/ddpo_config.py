"""DDPO (Black et al. 2023, SPEC §5) config for aligning BoigSD to the BoigLLM reward: a frozen
dataclass stored in checkpoints and manifests, with presets. Defaults follow ddpo-pytorch's
`base.py` where it applies (clip range, advantage clip, stat-tracking buffer, eta = 1)."""
from dataclasses import asdict, dataclass, fields, replace
from typing import Any, Dict

# server/llm/reward.ts: log-odds high vs low, or the paper's sum of token probabilities; "ceiling" is a DIAGNOSTIC,
# not a product reward: log of the world's hidden expected KPI of the verbalization the reward read (reward-server
# with --world) — DDPO on it shows what a perfect reward model would buy (docs/results.md, Table 2).
REWARD_VARIANTS = ("calibrated", "paper", "ceiling")
ANCHOR_BUCKETS = ("all", "high", "medium", "low")  # anchor_bucket: the KPI bucket of the anchor's real images


@dataclass(frozen=True)
class DdpoConfig:
    preset: str = "tiny"  # recorded so checkpoints and manifests say which preset they came from
    init: str = ""  # the BoigSD artifact folder the run starts from (its weights.pt), set at start
    reward_variant: str = "calibrated"  # which BoigLLM reward is maximized (the app serves both)
    kpi: str = "high"  # target KPI the reward is conditioned on (paper: generate for high KPI)
    prompt_set: str = "all"  # training prompts: all, social or stock posts of the training split (the Runs form's prompt set)
    # --- sampling (the rollout)
    ddim_steps: int = 4  # DDIM steps per sample = PPO timesteps per sample; ddpo-pytorch uses 50, CPU budget here
    eta: float = 1.0  # DDIM eta; 1 = a stochastic policy with a Gaussian log-probability per step (DDPO needs > 0)
    guidance_scale: float = 3.0  # classifier-free guidance in sampling and in the PPO recomputation (as ddpo-pytorch)
    sample_batch_size: int = 4  # images per sampling call (and per reward-server request)
    batches_per_epoch: int = 2  # sampling batches per epoch: samples/epoch = sample_batch_size * batches_per_epoch
    prompts_per_batch: int = 2  # distinct prompts per sampling batch, each repeated: per-prompt statistics need repeats
    # --- PPO
    epochs: int = 3  # outer epochs (sample, then train on those samples)
    inner_epochs: int = 1  # passes over one epoch's samples (ddpo-pytorch: 1)
    train_batch_size: int = 4  # samples per optimizer step (each over its selected timesteps)
    timesteps_per_pass: int = 0  # PPO: selected timesteps per UNet pass (0 = all at once; fewer bounds memory on big models)
    timestep_fraction: float = 1.0  # share of each trajectory's timesteps trained on (a seeded random subset)
    clip_range: float = 1e-4  # PPO ratio clip; log-probs are per latent dim (ddpo-pytorch's scale), so ratios are near 1
    adv_clip_max: float = 5.0  # advantages clipped to +-this (SPEC §5)
    stat_buffer_size: int = 16  # per-prompt reward buffer (ddpo-pytorch per_prompt_stat_tracking.buffer_size)
    stat_min_count: int = 4  # below this many rewards for a prompt, the batch's mean/std are used
    learning_rate: float = 3e-5  # AdamW on the UNet (full fine-tune); with LoRA the adapters take lora_learning_rate
    lora_rank: int = 0  # 0 = full fine-tune of the UNet; > 0 = LoRA adapters of this rank on its attention/feed-forward 1x1 maps
    lora_alpha: float = 8.0  # LoRA scale = alpha / rank
    lora_learning_rate: float = 3e-4  # ddpo-pytorch's LoRA LR
    weight_decay: float = 1e-4  # AdamW decay (ddpo-pytorch: 1e-4)
    grad_clip: float = 1.0  # global grad-norm clip per optimizer step
    # --- anchor (PPO-ptx, Ouyang et al. 2022 eq. 2): the SD denoising loss on real training images, added to each PPO step
    anchor_weight: float = 0.0  # 0 = plain DDPO; > 0 keeps the policy on the real images' manifold, where the reward was trained and can be trusted
    anchor_bucket: str = "high"  # KPI bucket of the anchor images ("high" = the SFT objective, paper §3.3; "all" = every training image)
    anchor_batch_size: int = 8  # real images per PPO minibatch's anchor term
    # --- held-out selection and monitoring
    eval_prompts: int = 4  # held-out (test split) prompts sampled every epoch with fixed noise: the selection criterion
    eval_samples_per_prompt: int = 2  # samples per held-out prompt
    grid_prompts: int = 4  # fixed prompts whose samples form the per-epoch progress grid (paper Figs. 1 and 5)
    fid_reference_images: int = 256  # real held-out images the per-epoch FID-like is measured against
    collapse_fid_ratio: float = 1.5  # an epoch whose FID-like exceeds this x the start's cannot be "best" (anti-collapse)
    collapse_diversity_ratio: float = 0.7  # nor one whose sample diversity (same prompt, or across prompts) falls below this x the start's
    seed: int = 0  # every prompt draw, noise, timestep subset and shuffle derives from (seed, epoch, ...)
    torch_threads: int = 1  # as the other trainers on the 2-core box
    data_snapshot: str = ""  # "world ... sha256=..." of --data, set at start; --resume refuses other data

    def to_dict(self) -> Dict[str, Any]:
        return asdict(self)

    @property
    def samples_per_epoch(self) -> int:
        return self.sample_batch_size * self.batches_per_epoch

    @classmethod
    def from_dict(cls, values: Dict[str, Any]) -> "DdpoConfig":
        unknown = sorted(set(values) - {f.name for f in fields(cls)})
        if unknown:
            raise ValueError(f"config has unknown fields {unknown}")
        return cls(**values)


DDPO_PRESETS: Dict[str, DdpoConfig] = {
    "tiny": DdpoConfig(),
    # default: sized for the 2-core CPU (docs/boigsd.md has the timings): 64 samples of 10 DDIM steps per
    # epoch (~60 s with the held-out pass), 16 prompts x 4 repeats, half the timesteps trained per sample;
    # 60 epochs with LoRA rank 4 (from SFT, ddpo_command.DEFAULT_INIT) is the committed BoigSD's recipe:
    # every full fine-tune from SFT lost ground in its first epoch (docs/boigsd.md §8), and the held-out
    # reward still rose after epoch 30 (docs/results.md, Table 2). Clip range 1e-3, not
    # ddpo-pytorch's 1e-4: our per-dimension log-probs average over 1,024 latent dims (SD: 16,384), so they
    # move ~4x more per update; with 1e-4 and LR 3e-5 the clip fraction was 0.6-0.8 and the held-out reward
    # did not move in 10 epochs (docs/boigsd.md §8).
    "default": DdpoConfig(
        preset="default", ddim_steps=10, sample_batch_size=16, batches_per_epoch=4, prompts_per_batch=4, epochs=60, lora_rank=4,
        inner_epochs=1, train_batch_size=8, timestep_fraction=0.5, learning_rate=1e-4, clip_range=1e-3, eval_prompts=16,
        eval_samples_per_prompt=4, grid_prompts=8,
    ),
}


def ddpo_preset(name: str, **overrides: Any) -> DdpoConfig:
    return replace(DDPO_PRESETS[name], **{k: v for k, v in overrides.items() if v is not None})
