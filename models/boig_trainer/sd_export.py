"""BoigSD artifact: four ONNX graphs in Stable Diffusion's ONNX pipeline layout, a golden fixture per
graph and a seeded DDIM run (golden_ddim.json), all checked by onnxruntime-node
(models/verify_sd_onnx.mjs; a mismatch fails the run), plus vocab.json and manifest.json.

| file | inputs | outputs |
|---|---|---|
| text_encoder.onnx | input_ids int64 [batch, seq] | last_hidden_state float32 [batch, seq, D] |
| unet.onnx | sample [batch, 4, 16, 16], timestep int64 [batch], encoder_hidden_states [batch, seq, D] | out_sample [batch, 4, 16, 16] (eps) |
| vae_decoder.onnx | latent_sample [batch, 4, 16, 16] (UNet latents / latent_scale) | sample [batch, 3, 64, 64] in [-1, 1] (not clamped) |
| vae_encoder.onnx | sample [batch, 3, 64, 64] in [-1, 1] | latent_mean [batch, 4, 16, 16] (times latent_scale = UNet latents) |
"""
import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import numpy as np
import onnx
import torch

from .errors import TrainerError
from .config_overrides import override_flags
from .export_onnx import ONNX_OPSET, REPO_ROOT, run_node_verifier
from .llm_tokenizer import Tokenizer
from .manifest import file_digest
from .sd_config import SD_PRESETS, SdTrainConfig, sd_preset
from .sd_data import GOLDEN_STREAM, ImageSet, PROMPT_WORDS, empty_prompt_ids, to_signed
from .sd_ddim import ddim_sample, ddim_timesteps, final_alpha_cumprod, previous_timestep
from .sd_model import SdPipeline
from .sd_weights import WEIGHTS_NAME, save_pipeline_weights
from .synthetic_data import batch_generator

SD_VERIFIER = REPO_ROOT / "models" / "verify_sd_onnx.mjs"
GOLDEN_BATCH = 2  # > 1 exercises the dynamic batch axis
GOLDEN_RTOL, GOLDEN_ATOL = 1e-4, 1e-4  # one graph, PyTorch vs onnxruntime
DDIM_RTOL, DDIM_ATOL = 1e-3, 1e-3  # 4 chained steps x 2 UNet calls with guidance 3, then the decoder
DDIM_STEPS, DDIM_GUIDANCE, DDIM_ETAS = 4, 3.0, (1.0, 0.0)
GOLDEN_TIMESTEPS = (500, 20)  # one noisy and one nearly clean UNet input
ONNX_FILES = ("text_encoder.onnx", "unet.onnx", "vae_decoder.onnx", "vae_encoder.onnx")


def compact(tensor: torch.Tensor) -> Dict[str, Any]:
    """float32 as its shortest decimal that parses back to the same float32; int64 as integers."""
    if tensor.dtype == torch.int64:
        return {"dims": list(tensor.shape), "type": "int64", "data": tensor.flatten().tolist()}
    values = tensor.detach().cpu().numpy().astype(np.float32).ravel()
    return {"dims": list(tensor.shape), "type": "float32", "data": [float(np.format_float_positional(v, unique=True)) for v in values]}


def signatures(config: SdTrainConfig) -> Dict[str, Dict[str, List[Dict[str, Any]]]]:
    c, h, s, d = config.latent_channels, config.latent_size, config.image_size, config.text_dim
    latent = ["batch", c, h, h]
    return {
        "text_encoder.onnx": {
            "inputs": [{"name": "input_ids", "dtype": "int64", "dims": ["batch", "seq"]}],
            "outputs": [{"name": "last_hidden_state", "dtype": "float32", "dims": ["batch", "seq", d]}],
        },
        "unet.onnx": {
            "inputs": [
                {"name": "sample", "dtype": "float32", "dims": latent},
                {"name": "timestep", "dtype": "int64", "dims": ["batch"]},
                {"name": "encoder_hidden_states", "dtype": "float32", "dims": ["batch", "seq", d]},
            ],
            "outputs": [{"name": "out_sample", "dtype": "float32", "dims": latent}],
        },
        "vae_decoder.onnx": {
            "inputs": [{"name": "latent_sample", "dtype": "float32", "dims": latent}],
            "outputs": [{"name": "sample", "dtype": "float32", "dims": ["batch", 3, s, s]}],
        },
        "vae_encoder.onnx": {
            "inputs": [{"name": "sample", "dtype": "float32", "dims": ["batch", 3, s, s]}],
            "outputs": [{"name": "latent_mean", "dtype": "float32", "dims": latent}],
        },
    }


class VaeDecoderGraph(torch.nn.Module):
    def __init__(self, pipeline: SdPipeline):
        super().__init__()
        self.vae = pipeline.vae

    def forward(self, latent_sample: torch.Tensor) -> torch.Tensor:
        return self.vae.decode(latent_sample)  # [B, 3, S, S]


class VaeEncoderGraph(torch.nn.Module):
    def __init__(self, pipeline: SdPipeline):
        super().__init__()
        self.vae = pipeline.vae

    def forward(self, sample: torch.Tensor) -> torch.Tensor:
        return self.vae.encode(sample)[0]  # latent mean [B, c, h, w]


def golden_case(module: torch.nn.Module, names: Tuple[List[str], List[str]], feeds: List[torch.Tensor], rtol: float, atol: float) -> Dict[str, Any]:
    with torch.no_grad():
        result = module(*feeds)
    results = result if isinstance(result, tuple) else (result,)
    return {
        "inputs": {name: compact(t) for name, t in zip(names[0], feeds)},
        "outputs": {name: compact(t) for name, t in zip(names[1], results)},
        "rtol": rtol,
        "atol": atol,
    }


def export_graph(module: torch.nn.Module, path: Path, feeds: List[torch.Tensor], signature: Dict[str, List[Dict[str, Any]]]) -> None:
    inputs = [spec["name"] for spec in signature["inputs"]]
    outputs = [spec["name"] for spec in signature["outputs"]]
    dynamic = {spec["name"]: {i: dim for i, dim in enumerate(spec["dims"]) if isinstance(dim, str)} for spec in [*signature["inputs"], *signature["outputs"]]}
    torch.onnx.export(
        module, tuple(feeds), str(path), input_names=inputs, output_names=outputs, dynamic_axes=dynamic,
        opset_version=ONNX_OPSET, do_constant_folding=True,
    )
    onnx.checker.check_model(onnx.load(str(path)), full_check=True)


def golden_images(images: ImageSet) -> Tuple[torch.Tensor, torch.Tensor]:
    """Pixels [2, 3, S, S] in [-1, 1] and input_ids [2, L]: the first held-out social and stock images
    (or simply the first two when one kind is missing)."""
    picks: List[int] = []
    for kind in ("social", "stock"):
        picks.extend([i for i, k in enumerate(images.kinds) if k == kind][:1])
    picks.extend(i for i in range(len(images)) if i not in picks)
    index = torch.tensor((picks * GOLDEN_BATCH)[:GOLDEN_BATCH])
    return to_signed(images.pixels.index_select(0, index)), images.input_ids.index_select(0, index)


def ddim_golden(pipeline: SdPipeline, input_ids: torch.Tensor, tokenizer: Tokenizer) -> Dict[str, Any]:
    config = pipeline.config
    batch = input_ids.shape[0]
    uncond = torch.tensor([empty_prompt_ids(tokenizer, config.max_tokens)] * batch, dtype=torch.int64)  # [B, L]
    generator = batch_generator(config.seed, GOLDEN_STREAM, 1)
    shape = (batch, config.latent_channels, config.latent_size, config.latent_size)
    init_noise = torch.randn(shape, generator=generator)  # [B, c, h, w]
    step_noises = torch.randn((DDIM_STEPS, *shape), generator=generator)  # [S, B, c, h, w]
    timesteps = ddim_timesteps(config.train_timesteps, DDIM_STEPS)
    inputs = {
        "input_ids": compact(input_ids),
        "uncond_input_ids": compact(uncond),
        "init_noise": compact(init_noise),
        "step_noises": compact(step_noises),
    }
    outputs: Dict[str, Any] = {}
    for eta in DDIM_ETAS:
        run = ddim_sample(pipeline, input_ids, uncond, init_noise, step_noises, DDIM_STEPS, eta, DDIM_GUIDANCE)
        suffix = f"eta{eta:g}"
        outputs[f"latents_{suffix}"] = compact(torch.stack(run.latents[1:]))  # [S, B, c, h, w] after each step
        if run.log_probs is not None:
            outputs[f"log_probs_{suffix}"] = compact(run.log_probs)  # [S, B]
        outputs[f"image_{suffix}"] = compact(run.image)  # [B, 3, S, S] in [-1, 1]
    alphas = pipeline.scheduler.alphas_cumprod
    return {
        "sampler": {
            "steps": DDIM_STEPS,
            "timesteps": timesteps,
            "prev_timesteps": [previous_timestep(t, config.train_timesteps, DDIM_STEPS) for t in timesteps],
            "etas": list(DDIM_ETAS),
            "guidance_scale": DDIM_GUIDANCE,
            "latent_scale": pipeline.latent_scale.item(),
            "final_alpha_cumprod": final_alpha_cumprod(alphas),
            "alphas_cumprod": alphas.tolist(),
            "log_prob": "sum over the 4x16x16 latent dims of log N(x_prev; mean, sigma^2); none for eta 0",
            "unet_batch": "one call on [uncond; cond] rows; eps = eps_uncond + guidance_scale * (eps_cond - eps_uncond)",
            "step_noises": "step_noises[i] is z of step i (x_prev = mean + sigma * z); unused for eta 0",
            "outputs": "latents_eta*[i] = x after step i; image_eta* = vae_decoder(latents[-1] / latent_scale)",
        },
        "inputs": inputs,
        "outputs": outputs,
        "rtol": DDIM_RTOL,
        "atol": DDIM_ATOL,
    }


def export_sd(pipeline: SdPipeline, tokenizer: Tokenizer, images: ImageSet, artifact_dir: Path) -> None:
    """Writes the four graphs, golden_<graph>.json for each, golden_ddim.json and vocab.json, then
    runs verify_sd_onnx.mjs (a mismatch raises TrainerError)."""
    pipeline = pipeline.cpu().eval()
    config = pipeline.config
    specs = signatures(config)
    pixels, input_ids = golden_images(images)  # [2, 3, S, S], [2, L]
    generator = batch_generator(config.seed, GOLDEN_STREAM, 0)
    with torch.no_grad():
        states = pipeline.text_encoder(input_ids)  # [2, L, D]
        mean, _ = pipeline.vae.encode(pixels)  # [2, c, h, w]
        timestep = torch.tensor(GOLDEN_TIMESTEPS[:GOLDEN_BATCH], dtype=torch.int64)  # [2]
        noisy = pipeline.scheduler.add_noise(mean * pipeline.latent_scale, torch.randn(mean.shape, generator=generator), timestep)  # [2, c, h, w]
    graphs = {
        "text_encoder.onnx": (pipeline.text_encoder, [input_ids]),
        "unet.onnx": (pipeline.unet, [noisy, timestep, states]),
        "vae_decoder.onnx": (VaeDecoderGraph(pipeline), [mean]),
        "vae_encoder.onnx": (VaeEncoderGraph(pipeline), [pixels]),
    }
    for file_name, (module, feeds) in graphs.items():
        spec = specs[file_name]
        export_graph(module, artifact_dir / file_name, feeds, spec)
        names = ([s["name"] for s in spec["inputs"]], [s["name"] for s in spec["outputs"]])
        golden = golden_case(module, names, feeds, GOLDEN_RTOL, GOLDEN_ATOL)
        (artifact_dir / f"golden_{file_name[:-5]}.json").write_text(json.dumps(golden) + "\n")
    (artifact_dir / "golden_ddim.json").write_text(json.dumps(ddim_golden(pipeline, input_ids, tokenizer)) + "\n")
    tokenizer.save(artifact_dir / "vocab.json", max_tokens=config.max_tokens, prompt_words=list(PROMPT_WORDS))
    save_pipeline_weights(pipeline, tokenizer.pad_id, artifact_dir / WEIGHTS_NAME)  # for SFT / DDPO runs started from this artifact
    verify_sd(artifact_dir)


def verify_sd(artifact_dir: Path) -> str:
    return run_node_verifier(SD_VERIFIER, [str(artifact_dir)], 300)


def repo_relative(path: Path) -> str:
    try:
        return path.resolve().relative_to(REPO_ROOT).as_posix()
    except ValueError:
        return str(path)


def reproduce_command(config: SdTrainConfig, data_dir: Path, run_dir: Path) -> str:
    steps = "" if config.steps == SD_PRESETS[config.preset].steps else f" --steps {config.steps}"
    bucket = f" --only-bucket {config.only_bucket}" if config.only_bucket else ""
    return f"npx boig train sd-base --data {repo_relative(data_dir)} --preset {config.preset} --seed {config.seed}{steps}{bucket}{override_flags(config, sd_preset(config.preset, steps=config.steps, only_bucket=config.only_bucket))} --out {repo_relative(run_dir)}"


def write_sd_manifest(
    artifact_dir: Path,
    run_dir: Path,
    data_dir: Path,
    pipeline: SdPipeline,
    tokenizer: Tokenizer,
    metrics: Dict[str, float],
    data_info: Dict[str, Any],
    parameters: Dict[str, int],
    name: Optional[str] = None,
    command: Optional[str] = None,
    extra: Optional[Dict[str, Any]] = None,
) -> Dict[str, Any]:
    """`name`/`command` default to sd-base's; `extra` adds top-level sections (e.g. the DDPO history)."""
    config = pipeline.config
    specs = signatures(config)
    alphas = pipeline.scheduler.alphas_cumprod
    files: Dict[str, Any] = {name: {**file_digest(artifact_dir / name), **specs[name]} for name in ONNX_FILES}
    files["vocab.json"] = file_digest(artifact_dir / "vocab.json")
    files[WEIGHTS_NAME] = {**file_digest(artifact_dir / WEIGHTS_NAME), "role": "PyTorch state dict (float16 parameters) + config, for runs that start from this model"}
    manifest = {
        "name": name or ("boigsd-base" + (f"-{config.only_bucket}" if config.only_bucket else "")),
        "version": datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ"),
        "kind": "boigsd",
        "files": files,
        # The pipeline's two ends; each file's own signature is in `files`.
        "inputs": specs["text_encoder.onnx"]["inputs"],
        "outputs": specs["vae_decoder.onnx"]["outputs"],
        "sd": {
            "layout": "Stable Diffusion ONNX pipeline: text_encoder -> unet (DDIM + classifier-free guidance) -> vae_decoder",
            "tokenizer": {
                "vocab": "vocab.json (tokens; id = index)",
                "implementation": "models/boig_trainer/llm_tokenizer.py = server/llm/tokenizer.ts (encode)",
                "prompt": "social: `brand <account> ; <caption> ; keywords <k1> , <k2>`; stock: `stock ; <caption> ; keywords ...`"
                          " (normalized like server/llm/instructions.ts: caption <= 32 words, <= 8 keywords of <= 3 words)",
                "ids": "<bos> prompt <eos>, then <pad> up to max_tokens (a longer prompt keeps its first max_tokens - 2 tokens)",
                "max_tokens": config.max_tokens,
                "pad_id": tokenizer.pad_id,
                "bos_id": tokenizer.bos_id,
                "eos_id": tokenizer.eos_id,
                "uncond_prompt": "the empty prompt: <bos> <eos> <pad>...",
                "text_mask": "inside text_encoder: <pad> keys are masked; the UNet attends to all seq positions (as SD)",
            },
            "latent": {
                "channels": config.latent_channels,
                "size": config.latent_size,
                "scale": pipeline.latent_scale.item(),
                "unet_latents": "vae_encoder latent_mean * scale; vae_decoder takes unet latents / scale (as SD's 0.18215)",
            },
            "image": {"size": config.image_size, "range": "[-1, 1]: pixel in [0, 1] = clamp((sample + 1) / 2, 0, 1)"},
            "scheduler": {
                "type": "DDPM training, DDIM sampling (sd_ddim.py)",
                "prediction_type": "epsilon",
                "train_timesteps": config.train_timesteps,
                "beta_schedule": "scaled_linear",
                "beta_start": config.beta_start,
                "beta_end": config.beta_end,
                "timestep_spacing": "leading: t_i = (n - 1 - i) * (train_timesteps // n) + steps_offset",
                "steps_offset": 1,
                "set_alpha_to_one": False,
                "final_alpha_cumprod": final_alpha_cumprod(alphas),
                "clip_sample": False,
                "init_noise_sigma": 1.0,
                "alphas_cumprod": alphas.tolist(),
            },
            "guidance": {"cfg_drop_prob": config.cfg_drop_prob, "default_scale": DDIM_GUIDANCE},
            "parameters": parameters,
            "golden": {
                **{f"golden_{name[:-5]}.json": f"{name} on 2 held-out images, PyTorch outputs" for name in ONNX_FILES},
                "golden_ddim.json": f"{DDIM_STEPS}-step DDIM, guidance {DDIM_GUIDANCE:g}, eta 1 and 0, from given noises: per-step latents, log-probs, images",
            },
        },
        "training": {"config": config.to_dict(), "command": command or reproduce_command(config, data_dir, run_dir), "torch": torch.__version__},
        "data": {"snapshot": config.data_snapshot, "dir": repo_relative(data_dir), **data_info},
        "metrics": metrics,
        **(extra or {}),
    }
    (artifact_dir / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    return manifest
