"""BoigCLIP (the image-text agreement model of SPEC §6) training config: a frozen dataclass stored in
checkpoints and manifests, and its presets. A small contrastive image-text model trained from scratch
on a `boig world` folder (no pretrained CLIP can be obtained here, SPEC §9), on the same prompt text
and tokenizer as BoigSD's text encoder (sd_data.py), so it can score BoigSD's images for their prompts."""
from dataclasses import asdict, dataclass, fields, replace
from typing import Any, Dict


@dataclass(frozen=True)
class ClipTrainConfig:
    preset: str = "tiny"  # recorded so checkpoints and manifests say which preset they came from
    # --- data and text (the same values as BoigSD's, so a world gives both models the same prompt ids)
    image_size: int = 64  # world renders and BoigSD's images are 64x64; fixes the image encoder's input dims
    max_tokens: int = 48  # prompt length incl. <bos>/<eos>, padded with <pad> (as sd_config); longer prompts are cut (counted)
    vocab_min_count: int = 2  # a caption word needs this many training occurrences to get its own id (as sd_config)
    vocab_max_size: int = 2000  # cap on the word vocabulary (as sd_config)
    # --- image encoder (small ResNet-like CNN, BatchNorm: per-sample color is kept, unlike GroupNorm)
    image_width: int = 8  # channels after the stride-2 stem (32x32); doubled by each stage
    image_stages: int = 3  # stride-2 residual stages after the stem: 32x32 -> 16 -> 8 -> 4 with 3
    # --- text encoder (sd_model.TextEncoder: pre-LN transformer, <pad> keys masked), mean-pooled over real tokens
    text_dim: int = 32  # transformer width
    text_layers: int = 1  # transformer blocks
    text_heads: int = 2  # attention heads
    # --- shared embedding and contrastive loss
    embed_dim: int = 32  # both encoders project to this many dims, then L2-normalize (cosine = dot product)
    init_temperature: float = 0.07  # CLIP's initial softmax temperature (logit scale 1/0.07 = 14.3), learned in log space
    max_logit_scale: float = 100.0  # CLIP's clamp on the learned logit scale (temperature >= 0.01), for stability
    flip_prob: float = 0.5  # horizontal-flip augmentation of training images (prompts never say left or right)
    # --- optimization
    steps: int = 60  # tiny: enough for the loss to fall clearly in a few seconds
    batch_size: int = 32  # pairs per step = the number of negatives each positive is contrasted with (+1)
    learning_rate: float = 2e-3  # AdamW peak LR
    warmup_steps: int = 5  # linear warmup from 10% of the peak
    final_lr_fraction: float = 0.05  # cosine decay to this share of the peak at the last step
    weight_decay: float = 0.05  # AdamW, on conv/linear weights only (not norms, biases, embeddings, the logit scale)
    grad_clip: float = 1.0  # global grad-norm clip: keeps the early contrastive steps stable
    seed: int = 0  # weight init, every batch and flip (each depends only on seed and step)
    eval_images: int = 1000  # held-out (test split) pairs for the retrieval metrics (a fixed prefix; default world has 900)
    eval_every: int = 20  # how often (steps) the progress line also reports held-out retrieval (costs one eval pass)
    progress_eval_images: int = 256  # held-out pairs used for that periodic report (the final metrics use eval_images)
    progress_every: int = 10  # how often (steps) a progress line is emitted
    checkpoint_every: int = 20  # how often (steps) a resumable checkpoint is written
    torch_threads: int = 1  # the 2-core box runs other trainings beside this one; 1 thread avoids oversubscription
    data_snapshot: str = ""  # "world seed=... images=... sha256=..." of --data, set at start; --resume refuses other data
    vocab_size: int = 0  # set from the training prompts at start (the text encoder's embedding rows)

    def to_dict(self) -> Dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, values: Dict[str, Any]) -> "ClipTrainConfig":
        unknown = sorted(set(values) - {f.name for f in fields(cls)})
        if unknown:
            raise ValueError(f"config has unknown fields {unknown}")
        return cls(**values)


CLIP_PRESETS: Dict[str, ClipTrainConfig] = {
    "tiny": ClipTrainConfig(),
    # default: 800 steps x 128 pairs (9.6 epochs of the default world's 10,621 training pairs). Measured
    # on the 2-core box with three other trainings running (load ~5.8): 0.82 s/step at image width 16,
    # 1.09 s/step at width 24; on held-out pairs both widths gave the same AUC after 300 steps (0.862
    # vs 0.863), so the cheaper one trains longer. docs/boigsd.md has the run's time and metrics.
    "default": ClipTrainConfig(
        preset="default", image_width=16, image_stages=3, text_dim=64, text_layers=2, text_heads=4, embed_dim=64,
        steps=800, batch_size=128, learning_rate=2e-3, warmup_steps=50, weight_decay=0.05,
        eval_every=200, progress_eval_images=512, progress_every=25, checkpoint_every=200,
    ),
}


def clip_preset(name: str, **overrides: Any) -> ClipTrainConfig:
    return replace(CLIP_PRESETS[name], **{k: v for k, v in overrides.items() if v is not None})
