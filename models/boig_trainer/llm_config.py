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
    seed: int = 0  # weight init and every batch (a batch depends only on seed and step)
    eval_examples: int = 256  # test-split examples used for eval loss / token accuracy (a fixed prefix)
    progress_every: int = 10  # how often (steps) a progress line is emitted
    checkpoint_every: int = 30  # how often (steps) a resumable checkpoint is written
    torch_threads: int = 1  # reference BLAS GEMM is single-threaded; a 2nd thread measured 2x slower on a busy 2-core box
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
    # default: ~0.87M parameters (vocab ~400). Debian's torch 1.13 links the reference (netlib) BLAS:
    # ~5 GFLOPS, single-threaded GEMM. Measured on the 2-core dev box while another training ran:
    # d_model 128 x 4 layers, 32 examples of ~62 tokens = 2.5 s/step with 1 thread (5.0 s with 2,
    # 5-6 s for d_model 160, 8-9 s for d_model 192), so 1500 steps ~ 1 hour busy, less when idle.
    "default": LlmTrainConfig(
        preset="default", d_model=128, n_layers=4, n_heads=4, d_ff=512, context=192, dropout=0.1,
        steps=1500, batch_size=32, learning_rate=1e-3, warmup_steps=100, eval_examples=1024,
        progress_every=20, checkpoint_every=100, torch_threads=1,
    ),
}


def llm_preset(name: str, **overrides: Any) -> LlmTrainConfig:
    return replace(LLM_PRESETS[name], **{k: v for k, v in overrides.items() if v is not None})
