"""BoigLLM training config (a frozen dataclass stored in checkpoints and manifests) and presets."""
from dataclasses import asdict, dataclass, fields, replace
from typing import Any, Dict

VARIANTS = ("behavior", "nokpi")


@dataclass(frozen=True)
class LlmTrainConfig:
    preset: str = "tiny"  # recorded so checkpoints and manifests say which preset they came from
    variant: str = "behavior"  # "behavior": instruction types 1-4 with KPI; "nokpi": the same model, KPI removed (baseline a)
    d_model: int = 32  # residual width; tiny keeps a test run to seconds
    n_layers: int = 2  # transformer blocks; 2 is the least that shows a KV cache across layers
    n_heads: int = 2  # attention heads; head_dim = d_model / n_heads
    d_ff: int = 64  # MLP hidden width (4x d_model in default)
    context: int = 192  # max prompt+target tokens incl. <bos>/<sep>/<eos> (worst case 177: 32-word caption, 8 keywords, 10 objects); longer ones are cut (counted)
    dropout: float = 0.0  # tiny: none; default uses a little against overfitting a few thousand images
    vocab_size: int = 0  # set from the data's vocab.json at start (the output layer is tied to the embedding)
    steps: int = 60  # tiny: enough for the loss to drop clearly
    batch_size: int = 16  # examples per step, padded to the longest in the batch
    learning_rate: float = 3e-3  # AdamW peak LR (small models tolerate a high LR)
    warmup_steps: int = 5  # linear warmup from 10% of the peak
    final_lr_fraction: float = 0.05  # cosine decay to this share of the peak at the last step
    weight_decay: float = 0.01  # AdamW decay on matrices only (not norms, biases, embeddings)
    grad_clip: float = 1.0  # global grad-norm clip: keeps early steps of a transformer stable
    kpi_contrast_weight: float = 0.0  # weight of the KPI-contrast loss (llm_kpi_contrast.py): makes the kpi label matter; 0 = next-token loss only
    kpi_pair_weight: float = 0.0  # weight of the within-brand pair ranking loss (llm_kpi_pairs.py): the reward must order one prompt's images; 0 = off
    seed: int = 0  # weight init and every batch (a batch depends only on seed and step)
    eval_examples: int = 256  # test-split examples used for eval loss / token accuracy (a fixed prefix)
    progress_every: int = 10  # how often (steps) a progress line is emitted
    checkpoint_every: int = 30  # how often (steps) a resumable checkpoint is written
    torch_threads: int = 1  # one thread per training: two trainings side by side use the 2 cores better than one with 2 threads
    data_snapshot: str = ""  # "instructions ... sha256=..." of --data, set at start; --resume refuses other data

    def to_dict(self) -> Dict[str, Any]:
        return asdict(self)

    @property
    def head_dim(self) -> int:
        return self.d_model // self.n_heads

    @classmethod
    def from_dict(cls, values: Dict[str, Any]) -> "LlmTrainConfig":
        unknown = sorted(set(values) - {f.name for f in fields(cls)})
        if unknown:
            raise ValueError(f"config has unknown fields {unknown}")
        return cls(**values)


LLM_PRESETS: Dict[str, LlmTrainConfig] = {
    "tiny": LlmTrainConfig(),
    # default: ~0.87M parameters (vocab ~400). With OpenBLAS behind Debian's torch (install-system-deps.sh)
    # a step of 32 examples (~75 tokens) takes ~0.27 s alone and ~0.45 s beside a second training on the
    # 2-core box, so 4000 steps ~ 18-30 min; the prompt-conditioning gap kept growing up to 4000 steps
    # (docs/boigllm.md §3). Without OpenBLAS (reference BLAS) a step is 2.5-4 s.
    "default": LlmTrainConfig(
        preset="default", d_model=128, n_layers=4, n_heads=4, d_ff=512, context=192, dropout=0.1,
        steps=4000, batch_size=32, learning_rate=1e-3, warmup_steps=100, eval_examples=1024,
        progress_every=20, checkpoint_every=100, torch_threads=1,
    ),
}


def llm_preset(name: str, **overrides: Any) -> LlmTrainConfig:
    return replace(LLM_PRESETS[name], **{k: v for k, v in overrides.items() if v is not None})
