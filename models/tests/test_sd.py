"""End-to-end and unit checks of `python -m boig_trainer train sd-base` (BoigSD, SPEC §5) on a small
simulated world: protocol, the four ONNX graphs and the DDIM golden verified by onnxruntime-node
(verify_sd_onnx.mjs), exact resume after SIGTERM (in the VAE stage and in the UNet stage), the noise
schedule, the DDIM step and its log-probability, module shapes, CFG dropout, data and buckets."""
import json
import math
import shutil
import signal
import subprocess
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import torch

from boig_trainer.llm_tokenizer import Tokenizer
from boig_trainer.manifest import file_digest
from boig_trainer.sd_config import sd_preset
from boig_trainer.sd_data import ImageSet, Post, assign_buckets, empty_prompt_ids, encode_prompt, load_sd_world, prompt_text
from boig_trainer.sd_ddim import ddim_sample, ddim_step_with_logprob, ddim_timesteps, gaussian_log_density
from boig_trainer.sd_model import Scheduler, SdPipeline, TextEncoder, UNet, Vae
from boig_trainer.sd_train import unet_batch
from trainer_process import MODELS_DIR, NODE, REPO_ROOT, SMALL_WORLD_SEED, TrainerRun, parse_json_lines, run_trainer, trainer_command, trainer_env

FRESH_ARTIFACT_COPY = MODELS_DIR / "runs" / "pytest-sd-last" / "artifact"  # a later TS test can replay it
WORLD_SEED = SMALL_WORLD_SEED
GRAPHS = ("text_encoder", "unet", "vae_decoder", "vae_encoder")


@pytest.fixture(scope="module")
def sd_run(small_world: Path, tmp_path_factory: pytest.TempPathFactory) -> TrainerRun:
    """One uninterrupted `--preset tiny` run, shared: it is also the reference for the resume tests."""
    run_dir = tmp_path_factory.mktemp("sd-full")
    run = run_trainer("train", "sd-base", "--data", str(small_world), "--preset", "tiny", "--seed", "0", "--out", str(run_dir), timeout=300)
    assert run.returncode == 0, run.stderr
    shutil.rmtree(FRESH_ARTIFACT_COPY, ignore_errors=True)
    shutil.copytree(Path(run.of_type("artifact")[0]["dir"]), FRESH_ARTIFACT_COPY)
    return run


def tiny_pipeline(vocab_size: int = 40, seed: int = 0, randomize: bool = False) -> SdPipeline:
    torch.manual_seed(seed)
    pipeline = SdPipeline(sd_preset("tiny", vocab_size=vocab_size)).eval()
    if randomize:  # zero-initialized output layers would hide what a module depends on
        with torch.no_grad():
            for parameter in pipeline.parameters():
                parameter.add_(0.05 * torch.randn_like(parameter))
    pipeline.latent_scale.fill_(1.0)
    return pipeline


# ------------------------------------------------------------------------------------ end to end


def test_protocol_lines_stages_and_losses(sd_run):
    types = [event["type"] for event in sd_run.events]
    assert types[0] == "start" and types[-2:] == ["artifact", "done"]
    start = sd_run.events[0]
    config = start["config"]
    assert start["total_steps"] == config["steps"] == 60 and config["vae_steps"] == 20 and start["resumed_from_step"] == 0
    assert config["data_snapshot"].startswith(f"world seed={WORLD_SEED} images=") and config["vocab_size"] > 50
    progress = sd_run.of_type("progress")
    assert [e["step"] for e in progress] == [10, 20, 30, 40, 50, 60]
    assert [e["step"] for e in sd_run.of_type("checkpoint")] == [20, 40, 60]
    assert all("(vae:" in e["message"] for e in progress[:2]) and all("(unet," in e["message"] for e in progress[2:])
    assert progress[1]["loss"] < progress[0]["loss"]  # the VAE learns
    assert progress[-1]["loss"] < 0.8  # the UNet starts at ~1 (its output layer is zero: eps = 0)


def test_done_reports_held_out_metrics(sd_run):
    metrics = sd_run.of_type("done")[0]["metrics"]
    assert metrics["final_loss"] == sd_run.of_type("progress")[-1]["loss"]
    assert metrics["eval_held_out"] == 1.0 and 5 <= metrics["eval_images"] <= 64
    assert 0 < metrics["eval_vae_mse"] < 1 and metrics["eval_vae_psnr"] == pytest.approx(10 * math.log10(4 / metrics["eval_vae_mse"]))
    assert 0 < metrics["eval_diffusion_loss"] < 1 and 0 < metrics["eval_diffusion_loss_uncond"] < 1.5
    assert metrics["latent_scale"] > 0 and metrics["train_images"] > 150 and metrics["truncated_prompts"] == 0
    for name in GRAPHS:
        assert metrics[f"parameters_{name}"] > 1000


def test_artifact_files_manifest_and_goldens(sd_run, small_world):
    artifact = sd_run.of_type("artifact")[0]
    artifact_dir = Path(artifact["dir"])
    manifest = json.loads((artifact_dir / "manifest.json").read_text())
    assert manifest == artifact["manifest"] and manifest["kind"] == "boigsd" and manifest["name"] == "boigsd-base"
    config = sd_run.events[0]["config"]
    d = config["text_dim"]
    assert set(manifest["files"]) == {f"{g}.onnx" for g in GRAPHS} | {"vocab.json", "weights.pt"}
    for name, entry in manifest["files"].items():
        assert {k: entry[k] for k in ("sha256", "bytes")} == file_digest(artifact_dir / name)
    files = manifest["files"]
    assert files["unet.onnx"]["inputs"] == [
        {"name": "sample", "dtype": "float32", "dims": ["batch", 4, 16, 16]},
        {"name": "timestep", "dtype": "int64", "dims": ["batch"]},
        {"name": "encoder_hidden_states", "dtype": "float32", "dims": ["batch", "seq", d]},
    ]
    assert files["unet.onnx"]["outputs"] == [{"name": "out_sample", "dtype": "float32", "dims": ["batch", 4, 16, 16]}]
    assert files["text_encoder.onnx"]["outputs"][0]["dims"] == ["batch", "seq", d]
    assert files["vae_decoder.onnx"]["outputs"][0] == {"name": "sample", "dtype": "float32", "dims": ["batch", 3, 64, 64]}
    assert files["vae_encoder.onnx"]["outputs"][0]["name"] == "latent_mean"
    assert manifest["inputs"] == files["text_encoder.onnx"]["inputs"] and manifest["outputs"] == files["vae_decoder.onnx"]["outputs"]
    sd = manifest["sd"]
    scheduler = sd["scheduler"]
    assert len(scheduler["alphas_cumprod"]) == scheduler["train_timesteps"] == 1000
    assert scheduler["final_alpha_cumprod"] == scheduler["alphas_cumprod"][0] and scheduler["steps_offset"] == 1
    assert sd["latent"]["scale"] == manifest["metrics"]["latent_scale"] > 0
    assert sd["tokenizer"]["max_tokens"] == 48 and (sd["tokenizer"]["pad_id"], sd["tokenizer"]["bos_id"], sd["tokenizer"]["eos_id"]) == (0, 2, 3)
    assert manifest["metrics"] == sd_run.of_type("done")[0]["metrics"]
    assert manifest["training"]["config"] == config
    assert manifest["training"]["command"].startswith(f"npx boig train sd-base --data {small_world} --preset tiny --seed 0 --out ")
    assert manifest["data"]["snapshot"] == config["data_snapshot"] and manifest["data"]["world"]["seed"] == WORLD_SEED
    assert sum(manifest["data"]["counts"].values()) == int(config["data_snapshot"].split("images=")[1].split()[0])
    vocab = json.loads((artifact_dir / "vocab.json").read_text())
    assert len(vocab["tokens"]) == config["vocab_size"] and vocab["tokens"][:4] == ["<pad>", "<unk>", "<bos>", "<eos>"]

    for graph in GRAPHS:
        golden = json.loads((artifact_dir / f"golden_{graph}.json").read_text())
        assert set(golden) == {"inputs", "outputs", "rtol", "atol"}
        assert all(spec["dims"][0] == 2 for spec in [*golden["inputs"].values(), *golden["outputs"].values()])
        assert f"ok {graph} " in sd_run.stderr  # the exporter's node check ran and passed
    ddim = json.loads((artifact_dir / "golden_ddim.json").read_text())
    assert ddim["sampler"]["timesteps"] == [751, 501, 251, 1] and ddim["sampler"]["prev_timesteps"] == [501, 251, 1, -249]
    assert ddim["inputs"]["step_noises"]["dims"] == [4, 2, 4, 16, 16] and ddim["inputs"]["uncond_input_ids"]["data"][:3] == [2, 3, 0]
    assert ddim["outputs"]["latents_eta1"]["dims"] == [4, 2, 4, 16, 16] and ddim["outputs"]["log_probs_eta1"]["dims"] == [4, 2]
    assert "log_probs_eta0" not in ddim["outputs"] and ddim["outputs"]["image_eta0"]["dims"] == [2, 3, 64, 64]
    for check in ("ddim latents_eta1", "ddim log_probs_eta1", "ddim image_eta1", "ddim latents_eta0", "ddim image_eta0"):
        assert f"ok {check}: max abs diff" in sd_run.stderr


def verify(artifact_dir: Path) -> subprocess.CompletedProcess:
    return subprocess.run([NODE, "models/verify_sd_onnx.mjs", str(artifact_dir)], cwd=REPO_ROOT, capture_output=True, text=True, timeout=180)


def test_verifier_rejects_tampered_goldens(sd_run, tmp_path):
    artifact_dir = Path(sd_run.of_type("artifact")[0]["dir"])
    shutil.copytree(artifact_dir, tmp_path / "a")
    ddim = json.loads((tmp_path / "a" / "golden_ddim.json").read_text())
    ddim["outputs"]["log_probs_eta1"]["data"][5] += 5.0  # a wrong sigma by ~0.5% moves the sum by this much
    (tmp_path / "a" / "golden_ddim.json").write_text(json.dumps(ddim))
    unet = json.loads((tmp_path / "a" / "golden_unet.json").read_text())
    unet["outputs"]["out_sample"]["data"][7] += 1e-2
    (tmp_path / "a" / "golden_unet.json").write_text(json.dumps(unet))
    tampered = verify(tmp_path / "a")
    assert tampered.returncode == 1, tampered.stdout + tampered.stderr
    assert "MISMATCH ddim log_probs_eta1" in tampered.stdout and "MISMATCH unet out_sample" in tampered.stdout
    assert "ok ddim latents_eta1" in tampered.stdout and "ok vae_decoder sample" in tampered.stdout


def run_until_progress_step_then_sigterm(step: int, *args: str, timeout: float = 300) -> TrainerRun:
    """Like trainer_process.run_until_first_progress_then_sigterm, but at the progress line of `step`."""
    process = subprocess.Popen(trainer_command(*args), cwd=MODELS_DIR, env=trainer_env(), stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert process.stdout is not None
    lines = []
    for line in process.stdout:
        lines.append(line)
        event = json.loads(line)
        if event["type"] == "progress" and event["step"] == step:
            process.send_signal(signal.SIGTERM)
            break
    lines.extend(process.stdout)
    returncode = process.wait(timeout=timeout)
    return TrainerRun(returncode, parse_json_lines("".join(lines)), "")


@pytest.mark.parametrize("stop_at", [10, 30], ids=["vae-stage", "unet-stage"])
def test_sigterm_then_resume_matches_the_uninterrupted_run(sd_run, small_world, tmp_path, stop_at):
    stopped = run_until_progress_step_then_sigterm(stop_at, "train", "sd-base", "--data", str(small_world), "--preset", "tiny", "--out", str(tmp_path))
    assert stopped.returncode == 143
    events = stopped.events
    assert events[-1]["type"] == "error" and "SIGTERM" in events[-1]["message"]
    assert events[-2]["type"] == "checkpoint" and stop_at <= events[-2]["step"] < 60
    resumed = run_trainer("train", "sd-base", "--data", str(small_world), "--resume", "--out", str(tmp_path), timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    assert resumed.events[0]["resumed_from_step"] == events[-2]["step"]
    assert resumed.events[0]["config"] == sd_run.events[0]["config"]
    expected, got = sd_run.of_type("done")[0]["metrics"], resumed.of_type("done")[0]["metrics"]
    for name in ("final_loss", "eval_vae_mse", "eval_diffusion_loss", "latent_scale"):
        assert got[name] == pytest.approx(expected[name], rel=1e-5), name
    reference = torch.load(Path(sd_run.events[0]["run_dir"]) / "checkpoint.pt")["model"]
    state = torch.load(tmp_path / "checkpoint.pt")["model"]
    assert set(state) == set(reference)
    for name, tensor in state.items():
        assert torch.allclose(tensor, reference[name], rtol=1e-5, atol=1e-7), name


def test_resume_refuses_other_data_or_a_conflicting_bucket(sd_run, small_world, tmp_path):
    run_dir = sd_run.events[0]["run_dir"]
    conflicting = run_trainer("train", "sd-base", "--data", str(small_world), "--resume", "--only-bucket", "high", "--out", run_dir)
    assert conflicting.returncode == 2 and "--only_bucket high conflicts" in conflicting.events[-1]["message"]
    other = tmp_path / "world"
    shutil.copytree(small_world, other)
    shutil.rmtree(other / "stock")
    moved = run_trainer("train", "sd-base", "--data", str(other), "--resume", "--out", run_dir)
    assert moved.returncode == 2 and "but the checkpoint trained on world seed=" in moved.events[-1]["message"]


def test_only_bucket_high_trains_on_high_kpi_images(small_world, tmp_path):
    run = run_trainer("train", "sd-base", "--data", str(small_world), "--only-bucket", "high", "--steps", "4", "--out", str(tmp_path), timeout=300)
    assert run.returncode == 0, run.stderr
    manifest = run.of_type("artifact")[0]["manifest"]
    assert manifest["name"] == "boigsd-base-high" and manifest["training"]["config"]["vae_steps"] == 1
    assert manifest["training"]["command"].endswith(f"--steps 4 --only-bucket high --out {tmp_path}")
    assert set(manifest["data"]["counts"]) <= {"social/high/train", "social/high/test", "stock/high/train", "stock/high/test"}
    high_train = sum(v for k, v in manifest["data"]["counts"].items() if k.endswith("/train"))
    assert manifest["metrics"]["train_images"] == high_train > 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["train", "sd-base", "--out", "/tmp/x"], "needs --data"),
        (["train", "sd-base", "--data", "/nonexistent-dir", "--out", "/tmp/x"], "is not a folder"),
        (["train", "sd-base", "--data", "/tmp", "--arch", "dilated", "--out", "/tmp/x"], "do not apply to `train sd-base`"),
        (["train", "llm", "--data", "/tmp", "--only-bucket", "high", "--out", "/tmp/x"], "--only-bucket applies"),
        (["train", "sd-base", "--data", "/tmp", "--only-bucket", "top", "--out", "/tmp/x"], "invalid choice: 'top'"),
    ],
)
def test_bad_arguments_end_with_an_error_line(args, message):
    run = run_trainer(*args)
    assert run.returncode == 2 and run.events[-1]["type"] == "error" and message in run.events[-1]["message"]


def test_steps_below_two_and_an_empty_world_are_errors(tmp_path):
    run = run_trainer("train", "sd-base", "--data", str(tmp_path), "--steps", "1", "--out", str(tmp_path / "run"))
    assert run.returncode == 2 and "--steps must be >= 2" in run.events[-1]["message"]
    run = run_trainer("train", "sd-base", "--data", str(tmp_path), "--out", str(tmp_path / "run2"))
    assert run.returncode == 2 and "no social/posts.csv or stock/posts.csv" in run.events[-1]["message"]


# ------------------------------------------------------------------------------------ schedule and DDIM


def test_scheduler_buffers_are_sds_scaled_linear_schedule():
    scheduler = Scheduler(1000, 0.00085, 0.012)
    assert list(dict(scheduler.named_parameters())) == [] and set(dict(scheduler.named_buffers())) == {"betas", "alphas_cumprod"}
    betas, alphas = scheduler.betas, scheduler.alphas_cumprod
    assert betas.shape == alphas.shape == (1000,)
    assert betas[0].item() == pytest.approx(0.00085) and betas[-1].item() == pytest.approx(0.012)
    assert bool((alphas > 0).all() and (alphas < 1).all() and (alphas[1:] < alphas[:-1]).all())
    assert alphas[-1].item() == pytest.approx(0.0047, abs=2e-4)  # SD v1's alphas_cumprod[999]
    x0, noise = torch.randn(3, 4, 16, 16), torch.randn(3, 4, 16, 16)
    t = torch.tensor([0, 500, 999])
    noisy = scheduler.add_noise(x0, noise, t)
    assert torch.allclose(noisy[1], alphas[500].sqrt() * x0[1] + (1 - alphas[500]).sqrt() * noise[1])
    # The UNet holds no schedule: it is a separate module.
    unet = UNet(4, 16, 8, 32)
    assert not any("alpha" in name or "beta" in name for name, _ in unet.named_buffers())


def test_ddim_timesteps_use_sds_leading_spacing():
    assert ddim_timesteps(1000, 4) == [751, 501, 251, 1]
    assert ddim_timesteps(1000, 50)[:3] == [981, 961, 941] and ddim_timesteps(1000, 50)[-1] == 1
    with pytest.raises(ValueError):
        ddim_timesteps(1000, 0)


def test_ddim_eta0_is_deterministic_and_has_no_log_prob():
    pipeline = tiny_pipeline(randomize=True)
    ids = torch.tensor([[2, 7, 8, 9, 3] + [0] * 43, [2, 11, 3] + [0] * 45])
    uncond = torch.tensor([[2, 3] + [0] * 46] * 2)
    init = torch.randn(2, 4, 16, 16)
    first = ddim_sample(pipeline, ids, uncond, init, torch.randn(3, 2, 4, 16, 16), 3, 0.0, 3.0)
    second = ddim_sample(pipeline, ids, uncond, init, torch.randn(3, 2, 4, 16, 16), 3, 0.0, 3.0)
    assert first.log_probs is None and len(first.latents) == 4
    for a, b in zip(first.latents, second.latents):
        assert torch.equal(a, b)
    assert torch.equal(first.image, second.image) and first.image.shape == (2, 3, 64, 64)
    stochastic = ddim_sample(pipeline, ids, uncond, init, torch.randn(3, 2, 4, 16, 16), 3, 1.0, 3.0)
    assert stochastic.log_probs.shape == (3, 2) and not torch.equal(stochastic.latents[-1], first.latents[-1])


def test_ddim_with_the_true_noise_recovers_the_clean_sample():
    """For data that is one point c, the exact eps of x_t is (x_t - sqrt(a_t) c) / sqrt(1 - a_t); then
    every step's x0_hat is c and deterministic DDIM ends at sqrt(a_0) c + sqrt(1 - a_0) eps ~ c."""
    alphas = Scheduler(1000, 0.00085, 0.012).alphas_cumprod
    c = torch.randn(2, 4, 16, 16).clamp(-2, 2)
    x = torch.randn(2, 4, 16, 16)
    steps = ddim_timesteps(1000, 10)
    for t in steps:
        a_t = alphas[t]
        eps = (x - a_t.sqrt() * c) / (1 - a_t).sqrt()
        step = ddim_step_with_logprob(alphas, eps, torch.tensor([t, t]), torch.tensor([t - 100, t - 100]), x, eta=0.0)
        assert torch.allclose(step.pred_original_sample, c, atol=1e-4)
        x = step.prev_sample
    assert torch.allclose(x, c, atol=0.15)


def test_ddim_eta1_log_prob_equals_a_hand_computed_gaussian_density():
    alphas = Scheduler(1000, 0.00085, 0.012).alphas_cumprod
    generator = torch.Generator().manual_seed(4)
    sample, eps, noise = (torch.randn(2, 4, 16, 16, generator=generator) for _ in range(3))
    t, prev = torch.tensor([501, 251]), torch.tensor([251, 1])
    step = ddim_step_with_logprob(alphas, eps, t, prev, sample, eta=1.0, noise=noise)
    for row in range(2):
        a_t, a_prev = float(alphas[t[row]]), float(alphas[prev[row]])
        std = math.sqrt((1 - a_prev) / (1 - a_t) * (1 - a_t / a_prev))
        xs, es = sample[row].flatten().tolist(), eps[row].flatten().tolist()
        means = [math.sqrt(a_prev) * (x - math.sqrt(1 - a_t) * e) / math.sqrt(a_t) + math.sqrt(1 - a_prev - std**2) * e for x, e in zip(xs, es)]
        assert step.std[row].item() == pytest.approx(std, rel=1e-5)
        assert torch.allclose(step.mean[row].flatten(), torch.tensor(means), atol=1e-5)
        by_hand = gaussian_log_density(step.prev_sample[row].flatten().tolist(), means, std)
        assert step.log_prob[row].item() == pytest.approx(by_hand, rel=1e-5, abs=1e-2)
        assert by_hand == pytest.approx(-0.5 * sum(z * z for z in noise[row].flatten().tolist()) - 1024 * (math.log(std) + 0.5 * math.log(2 * math.pi)), rel=1e-4)
    # DDPO re-scores a stored x_prev under the model: the same log-probability.
    rescored = ddim_step_with_logprob(alphas, eps, t, prev, sample, eta=1.0, prev_sample=step.prev_sample)
    assert torch.allclose(rescored.log_prob, step.log_prob)
    # Past the last step (prev < 0) a_prev is alphas_cumprod[0] (SD's set_alpha_to_one = False).
    last = ddim_step_with_logprob(alphas, eps, torch.tensor([1, 1]), torch.tensor([-249, -249]), sample, eta=1.0, noise=noise)
    expected_std = math.sqrt((1 - float(alphas[0])) / (1 - float(alphas[1])) * (1 - float(alphas[1]) / float(alphas[0])))
    assert last.std[0].item() == pytest.approx(expected_std, rel=1e-4)


# ------------------------------------------------------------------------------------ modules


def test_module_shapes():
    config = sd_preset("tiny", vocab_size=40)
    text = TextEncoder(40, config.text_dim, config.text_layers, config.text_heads, config.max_tokens)
    ids = torch.randint(4, 40, (2, 48))
    assert text(ids).shape == (2, 48, config.text_dim)
    vae = Vae(config.vae_width, 4)
    mean, logvar = vae.encode(torch.rand(2, 3, 64, 64) * 2 - 1)
    assert mean.shape == logvar.shape == (2, 4, 16, 16)
    assert vae.decode(mean).shape == (2, 3, 64, 64)
    unet = UNet(4, config.unet_width, config.unet_head_dim, config.text_dim)
    assert unet(torch.randn(2, 4, 16, 16), torch.tensor([3, 900]), text(ids)).shape == (2, 4, 16, 16)
    assert unet(torch.randn(3, 4, 16, 16), torch.tensor([1, 2, 3]), torch.randn(3, 7, config.text_dim)).shape == (3, 4, 16, 16)


def test_padding_never_changes_real_token_states():
    text = TextEncoder(40, 32, 2, 2, 48).eval()
    body = [2, 9, 12, 5, 3]
    with torch.no_grad():
        long = text(torch.tensor([body + [0] * 43]))
        short = text(torch.tensor([body + [0] * 3]))
    assert torch.allclose(long[:, :5], short[:, :5], atol=1e-5)


def test_unet_uses_the_text_and_the_timestep():
    pipeline = tiny_pipeline(randomize=True)
    x = torch.randn(1, 4, 16, 16)
    with torch.no_grad():
        states = pipeline.text_encoder(torch.tensor([[2, 7, 8, 3] + [0] * 44, [2, 3] + [0] * 46]))
        a = pipeline.unet(x, torch.tensor([500]), states[:1])
        b = pipeline.unet(x, torch.tensor([500]), states[1:])
        c = pipeline.unet(x, torch.tensor([20]), states[:1])
    assert (a - b).abs().max() > 1e-4 and (a - c).abs().max() > 1e-4


def test_cfg_dropout_replaces_about_a_tenth_of_prompts_by_the_empty_prompt():
    tokenizer = Tokenizer(["<pad>", "<unk>", "<bos>", "<eos>", "<sep>", "brand", "a", "b"])
    config = sd_preset("tiny", vocab_size=len(tokenizer))
    count = 50
    ids = torch.tensor([encode_prompt(tokenizer, "brand a b", config.max_tokens)[0]] * count)
    images = ImageSet([f"x{i}" for i in range(count)], ["brand a b"] * count, ["social"] * count, [None] * count, torch.zeros(count, 3, 64, 64, dtype=torch.uint8), ids)
    empty = torch.tensor(empty_prompt_ids(tokenizer, config.max_tokens))
    dropped = total = 0
    for step in range(1, 301):
        batch = unet_batch(images, config, step, empty)
        drop = batch["drop"]
        assert torch.equal(batch["input_ids"][drop], empty.expand(int(drop.sum()), -1))
        assert torch.equal(batch["input_ids"][~drop], ids[: int((~drop).sum())])
        dropped += int(drop.sum())
        total += len(drop)
    assert 0.07 < dropped / total < 0.13
    again = unet_batch(images, config, 7, empty)
    first = unet_batch(images, config, 7, empty)
    for key in again:
        assert torch.equal(again[key], first[key]), key  # a batch depends only on (seed, step)


# ------------------------------------------------------------------------------------ data


def test_world_loading_prompts_ids_and_splits(small_world):
    data = load_sd_world(small_world, 64, 48, 2, 2000)
    assert len(data.train) + len(data.eval) == sum(data.counts.values())
    assert not any(key.startswith(f"{kind}/none/test") for kind in ("social", "stock") for key in data.counts)
    assert data.train.pixels.shape[1:] == (3, 64, 64) and data.train.pixels.dtype == torch.uint8
    assert data.train.input_ids.shape == (len(data.train), 48)
    tokens = data.tokenizer.tokens
    assert tokens[:5] == ["<pad>", "<unk>", "<bos>", "<eos>", "<sep>"] and {"brand", "stock", "keywords", ";", ","} <= set(tokens)
    for prompt, kind, row in zip(data.train.prompts, data.train.kinds, data.train.input_ids.tolist()):
        assert prompt.startswith("brand ") if kind == "social" else prompt.startswith("stock ; ")
        assert " ; keywords " in prompt and prompt == prompt.lower()
        assert row[0] == 2 and 3 in row and all(token == 0 for token in row[row.index(3) + 1 :])
    social = [b for b, k in zip(data.train.buckets + data.eval.buckets, data.train.kinds + data.eval.kinds) if k == "social"]
    stock = [b for b, k in zip(data.train.buckets + data.eval.buckets, data.train.kinds + data.eval.kinds) if k == "stock"]
    assert {"high", "low", None} == set(social) and {"high", "medium", "low"} == set(stock)
    high = load_sd_world(small_world, 64, 48, 2, 2000, only_bucket="high")
    assert set(high.train.buckets + high.eval.buckets) == {"high"} and len(high.train) < len(data.train)


def test_prompt_text_is_normalized_like_the_llm_instructions():
    text = prompt_text("social", "FizzWell", "New drop: the GREEN person lands today! #fall2022 #Community", ["sparkling water", "Fall", "x" * 3])
    assert text == "brand fizzwell ; new drop the green person lands today fall2022 community ; keywords sparkling water , fall , xxx"
    assert prompt_text("stock", None, "Vivid, yellow tones", []) == "stock ; vivid yellow tones ; keywords"
    long = prompt_text("stock", None, " ".join(f"w{i}" for i in range(40)), [f"k{i} a b c" for i in range(10)])
    assert long.split(" ; ")[1].split() == [f"w{i}" for i in range(32)] and long.count(" , ") == 7 and "k0 a b ," in long
    tokenizer = Tokenizer(["<pad>", "<unk>", "<bos>", "<eos>", "<sep>", "stock", ";", "w1"])
    ids, cut = encode_prompt(tokenizer, "stock ; " + " ".join(["w1"] * 60), 48)
    assert cut and len(ids) == 48 and ids[0] == 2 and ids[-1] == 3
    assert empty_prompt_ids(tokenizer, 6) == [2, 3, 0, 0, 0, 0]


def social_post(account: str, index: int, likes: float, days_ago: int, latest: datetime) -> Post:
    return Post("social", f"{account}-{index:03d}", account, latest - timedelta(days=days_ago), "", [], likes, [])


def test_buckets_mirror_the_apps_assignment():
    """server/services/assignBuckets.ts: per account over 5 years, top ceil(10%) high, bottom floor(60%)
    low; stock terciles (Postgres ntile); test = first round(10%) of each bucket by md5(post id)."""
    latest = datetime(2025, 6, 1, tzinfo=timezone.utc)
    posts = [social_post("a", i, float(i), i, latest) for i in range(21)]  # 21 posts: 3 high, 12 low
    posts += [social_post("b", i, float(i), i, latest) for i in range(10)]  # 10 posts: 1 high, 6 low
    old = social_post("b", 99, 1e9, 5 * 366, latest)  # the most liked, but older than 5 years: unbucketed
    posts.append(old)
    assign_buckets(posts, "social")
    by_id = {p.post_id: p.bucket for p in posts}
    # a: ceil(2.1) = 3 high (ranks 1-3), ranks > 21 - floor(12.6) = 9 low (12 posts), ranks 4-9 none.
    assert [by_id[f"a-{i:03d}"] for i in range(20, -1, -1)] == ["high"] * 3 + [None] * 6 + ["low"] * 12
    assert by_id["b-009"] == "high" and sum(1 for p in posts if p.account == "b" and p.bucket == "low") == 6
    assert old.bucket is None and old.split == "train"
    lows = [p for p in posts if p.bucket == "low"]  # 18 -> round(1.8) = 2 in test
    assert sum(p.split == "test" for p in lows) == 2
    stock = [Post("stock", f"s{i:02d}", None, latest, "", [], float(i % 7), []) for i in range(11)]
    assign_buckets(stock, "stock")
    assert [sum(p.bucket == label for p in stock) for label in ("high", "medium", "low")] == [4, 4, 3]
    ranked = sorted(stock, key=lambda p: (-p.kpi, p.post_id))
    assert [p.bucket for p in ranked] == ["high"] * 4 + ["medium"] * 4 + ["low"] * 3
