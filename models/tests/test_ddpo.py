"""`train sd-sft` and `train ddpo` (SPEC §5) on a small simulated world, through the CLI as the app
runs them: the SFT baseline keeps the base's vocabulary, VAE and latent scale and trains on
high-KPI images only; DDPO emits per-epoch metrics, grids, checkpoints and an artifact with its
history; a run SIGKILLed mid-epoch resumes from its last epoch and ends with the same history as an
uninterrupted run (and leaves no reward server behind); the per-prompt stat tracker, the PPO
clipped objective on a hand case, and LoRA (identity at init, adapters only trainable, merge)."""
import json
import math
import os
import signal
import subprocess
import time
from pathlib import Path
from typing import Dict, List, Optional, Set

import numpy as np
import pytest
import torch
from PIL import Image

from boig_trainer.ddpo_config import ddpo_preset
from boig_trainer.ddpo_prompts import DdpoPrompt
from boig_trainer.ddpo_command import DEFAULT_INIT, anchor_images, reproduce_command
from boig_trainer.ddpo_train import ANCHOR_STEP_BASE, DdpoTrainer, PerPromptStatTracker, Samples, sample
from boig_trainer.reward_bridge import PromptFields
from boig_trainer.errors import UsageError
from boig_trainer.sd_config import sd_preset
from boig_trainer.sd_data import ImageSet
from boig_trainer.sd_train import denoising_loss, unet_batch
from boig_trainer.sd_lora import LoraPointwise, apply_lora, merge_lora
from boig_trainer.sd_model import SdPipeline
from boig_trainer.stopping import StopRequest
from boig_trainer.synthetic_data import batch_generator
from trainer_process import MODELS_DIR, NODE, REPO_ROOT, SMALL_WORLD_SEED, TrainerRun, parse_json_lines, run_trainer, trainer_command, trainer_env

WORLD_SEED = SMALL_WORLD_SEED
BOIGLLM = REPO_ROOT / "tests" / "fixtures" / "llm" / "boigllm-tiny"
TIMING = {"seconds", "sample_seconds"}  # wall-clock fields: the only ones allowed to differ between runs
EPOCH_METRICS = ("reward_mean", "reward_std", "approx_kl", "clipfrac", "true_kpi_mean", "diversity", "held_out_reward", "held_out_true_kpi")


# ------------------------------------------------------------------------------------ fixtures


@pytest.fixture(scope="module")
def base_artifact(small_world: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One tiny sd-base artifact (with weights.pt): the init of every SFT and DDPO run here."""
    run_dir = tmp_path_factory.mktemp("ddpo-base")
    run = run_trainer("train", "sd-base", "--data", str(small_world), "--preset", "tiny", "--seed", "0", "--out", str(run_dir), timeout=300)
    assert run.returncode == 0, run.stderr
    artifact = Path(run.of_type("artifact")[0]["dir"])
    assert (artifact / "weights.pt").exists()
    return artifact


@pytest.fixture(scope="module")
def sft_run(small_world: Path, base_artifact: Path, tmp_path_factory: pytest.TempPathFactory) -> TrainerRun:
    run_dir = tmp_path_factory.mktemp("sft")
    run = run_trainer("train", "sd-sft", "--data", str(small_world), "--init", str(base_artifact), "--preset", "tiny", "--out", str(run_dir), timeout=300)
    assert run.returncode == 0, run.stderr
    return run


def ddpo_args(world: Path, init: Path, out: Path, *extra: str) -> List[str]:
    return ["train", "ddpo", "--data", str(world), "--init", str(init), "--boigllm", str(BOIGLLM), "--preset", "tiny", "--seed", "0", "--out", str(out), *extra]


@pytest.fixture(scope="module")
def ddpo_run(small_world: Path, base_artifact: Path, tmp_path_factory: pytest.TempPathFactory) -> TrainerRun:
    """A 2-epoch tiny DDPO run (epoch 0 = the starting model's held-out check, then epochs 1 and 2)."""
    run_dir = tmp_path_factory.mktemp("ddpo-2")
    run = run_trainer(*ddpo_args(small_world, base_artifact, run_dir, "--steps", "2"), timeout=400)
    assert run.returncode == 0, run.stderr
    return run


@pytest.fixture(scope="module")
def ddpo_reference(small_world: Path, base_artifact: Path, tmp_path_factory: pytest.TempPathFactory) -> TrainerRun:
    """An uninterrupted 3-epoch run: what the killed-and-resumed run must reproduce."""
    run_dir = tmp_path_factory.mktemp("ddpo-3")
    run = run_trainer(*ddpo_args(small_world, base_artifact, run_dir, "--steps", "3"), timeout=400)
    assert run.returncode == 0, run.stderr
    return run


def load_weights(artifact_dir: Path) -> Dict[str, torch.Tensor]:
    return torch.load(artifact_dir / "weights.pt", map_location="cpu")["state_dict"]


def differing(a: Dict[str, torch.Tensor], b: Dict[str, torch.Tensor], prefix: str) -> List[str]:
    names = sorted(k for k in a if k.startswith(prefix))
    assert names and names == sorted(k for k in b if k.startswith(prefix)), prefix
    return [k for k in names if not torch.equal(a[k], b[k])]


# ------------------------------------------------------------------------------------ sd-sft


def test_sft_trains_on_high_kpi_images_only(sft_run, base_artifact):
    start = sft_run.events[0]
    assert start["type"] == "start" and [e["type"] for e in sft_run.events[-2:]] == ["artifact", "done"]
    config = start["config"]
    assert config["only_bucket"] == "high" and config["vae_steps"] == 0 and config["steps"] == 20
    assert " bucket=high " in config["data_snapshot"]
    manifest = sft_run.of_type("artifact")[0]["manifest"]
    assert manifest["name"] == "boigsd-sft" and manifest["kind"] == "boigsd"
    assert manifest["sft"]["init"]["name"] == "boigsd-base"
    assert manifest["data"]["snapshot"] == config["data_snapshot"] and manifest["data"]["only_bucket"] == "high"
    counts = manifest["data"]["counts"]
    assert counts and all(key.split("/")[1] == "high" for key in counts), counts
    base_manifest = json.loads((base_artifact / "manifest.json").read_text())
    base_high = {k: v for k, v in base_manifest["data"]["counts"].items() if k.split("/")[1] == "high"}
    assert counts == base_high  # every high-KPI image of the world, nothing else
    assert len(base_high) < len(base_manifest["data"]["counts"])  # the base did see other buckets
    high_train = sum(v for k, v in counts.items() if k.endswith("/train"))
    assert manifest["metrics"]["train_images"] == high_train
    assert all("(unet," in e["message"] for e in sft_run.of_type("progress"))  # no VAE stage
    assert manifest["training"]["command"].startswith("npx boig train sd-sft --data ")


def test_sft_keeps_the_base_vocabulary_vae_and_latent_scale_and_changes_the_unet(sft_run, base_artifact):
    artifact = Path(sft_run.of_type("artifact")[0]["dir"])
    assert (artifact / "vocab.json").read_bytes() == (base_artifact / "vocab.json").read_bytes()
    manifest = json.loads((artifact / "manifest.json").read_text())
    base_manifest = json.loads((base_artifact / "manifest.json").read_text())
    assert manifest["sd"]["latent"]["scale"] == base_manifest["sd"]["latent"]["scale"] == manifest["metrics"]["latent_scale"]
    sft, base = load_weights(artifact), load_weights(base_artifact)
    assert set(sft) == set(base)
    assert torch.equal(sft["latent_scale"], base["latent_scale"])
    assert differing(sft, base, "vae.") == []  # the VAE is the base's, bit for bit
    changed = differing(sft, base, "unet.")
    assert len(changed) > 10, changed  # the UNet was fine-tuned
    assert differing(sft, base, "text_encoder.")  # and the text encoder (SFT trains both)


def test_sft_init_without_weights_is_a_usage_error(small_world, tmp_path):
    empty = tmp_path / "not-an-artifact"
    empty.mkdir()
    (empty / "vocab.json").write_text('{"tokens": []}')
    run = run_trainer("train", "sd-sft", "--data", str(small_world), "--init", str(empty), "--out", str(tmp_path / "out"))
    assert run.returncode == 2, run.stderr
    assert [e["type"] for e in run.events] == ["error"]
    message = run.events[0]["message"]
    assert "--init" in message and str(empty) in message and "weights.pt" in message


# ------------------------------------------------------------------------------------ ddpo


def test_ddpo_emits_every_epoch_metric_grids_checkpoint_and_artifact(ddpo_run, base_artifact, small_world):
    types = [e["type"] for e in ddpo_run.events]
    assert types[0] == "start" and types[-2:] == ["artifact", "done"]
    start = ddpo_run.events[0]
    assert start["total_steps"] == 2 and start["resumed_from_step"] == 0 and start["reward_model"]["name"] == "boigllm"
    epochs = ddpo_run.of_type("epoch")
    assert [e["epoch"] for e in epochs] == [0, 1, 2]
    assert epochs[0]["metrics"]["held_out_reward"] == pytest.approx(epochs[0]["metrics"]["held_out_reward_calibrated"])
    for event in epochs[1:]:
        metrics = event["metrics"]
        missing = [name for name in EPOCH_METRICS if name not in metrics]
        assert not missing, f"epoch {event['epoch']} lacks {missing}"
        assert all(math.isfinite(metrics[name]) for name in EPOCH_METRICS)
        assert metrics["reward_std"] >= 0 and metrics["approx_kl"] >= 0 and 0 <= metrics["clipfrac"] <= 1
        assert 0 <= metrics["diversity"] <= 1 and metrics["true_kpi_mean"] > 0 and metrics["held_out_true_kpi"] > 0
        assert metrics["reward_mean"] == pytest.approx(metrics["reward_calibrated_mean"])  # the default variant is maximized
    assert [e["step"] for e in ddpo_run.of_type("progress")] == [1, 2]
    assert [e["step"] for e in ddpo_run.of_type("checkpoint")] == [0, 1, 2]

    run_dir = Path(start["run_dir"])
    for epoch in range(3):
        grid = run_dir / "grids" / f"epoch-{epoch:03d}.png"
        assert epochs[epoch]["grid"] == f"grids/epoch-{epoch:03d}.png"
        with Image.open(grid) as image:  # 4 grid prompts x 2 samples of 64 px, 2 px gaps
            assert image.format == "PNG" and image.size == (2 * 66 + 2, 4 * 66 + 2)
    checkpoint = torch.load(run_dir / "checkpoint.pt", map_location="cpu")
    assert checkpoint["kind"] == "ddpo" and checkpoint["epoch"] == 2 and [h["epoch"] for h in checkpoint["history"]] == [0, 1, 2]

    artifact = Path(ddpo_run.of_type("artifact")[0]["dir"])
    manifest = json.loads((artifact / "manifest.json").read_text())
    assert manifest["name"] == "boigsd" and manifest["kind"] == "boigsd"
    ddpo = manifest["ddpo"]
    history = ddpo["history"]
    assert [h["epoch"] for h in history] == [0, 1, 2]
    assert [{k: v for k, v in h.items() if k != "grid"} for h in history] == [e["metrics"] for e in epochs]
    best = ddpo["best_epoch"]
    assert best in (0, 1, 2) and best == epochs[-1]["best_epoch"] == ddpo_run.of_type("done")[0]["metrics"]["best_epoch"]
    eligible = [h for h in history if h["eligible"]]
    assert history[best]["eligible"] and history[best]["held_out_reward"] == max(h["held_out_reward"] for h in eligible)
    assert ddpo["reward_model"]["name"] == "boigllm" and ddpo["init"]["name"] == "boigsd-base"
    assert {"unet.onnx", "text_encoder.onnx", "vae_decoder.onnx", "vae_encoder.onnx", "vocab.json", "weights.pt"} <= set(manifest["files"])
    assert "ok ddim image_eta1" in ddpo_run.stderr  # the exported graphs were replayed in onnxruntime-node
    assert (artifact / "vocab.json").read_bytes() == (base_artifact / "vocab.json").read_bytes()

    init, exported = load_weights(base_artifact), load_weights(artifact)
    assert differing(exported, init, "text_encoder.") == [] and differing(exported, init, "vae.") == []  # DDPO trains the UNet only
    changed = differing(exported, init, "unet.")
    if best == 0:
        assert changed == []  # epoch 0 is the starting model itself
    else:
        assert changed, "the exported UNet is the init's though the best epoch is a trained one"
    last = {f"unet.{k}": v.half() for k, v in checkpoint["unet"].items()}  # weights.pt stores float16
    assert differing(last, init, "unet."), "two epochs of PPO left the UNet unchanged"


def test_ddpo_refuses_a_used_run_dir_conflicting_resume_and_a_bad_init(ddpo_run, small_world, base_artifact, tmp_path):
    run_dir = Path(ddpo_run.events[0]["run_dir"])
    again = run_trainer(*ddpo_args(small_world, base_artifact, run_dir, "--steps", "2"))
    assert again.returncode == 2 and "--resume" in again.events[-1]["message"]
    conflicting = run_trainer("train", "ddpo", "--data", str(small_world), "--resume", "--seed", "5", "--out", str(run_dir))
    assert conflicting.returncode == 2 and "--seed 5 conflicts" in conflicting.events[-1]["message"]
    other_init = run_trainer("train", "ddpo", "--data", str(small_world), "--resume", "--init", str(tmp_path), "--out", str(run_dir))
    assert other_init.returncode == 2 and "conflicts with the checkpoint's init" in other_init.events[-1]["message"]
    set_on_resume = run_trainer("train", "ddpo", "--data", str(small_world), "--resume", "--set", "ddim_steps=3", "--out", str(run_dir))
    assert set_on_resume.returncode == 2 and "--set cannot change a resumed run's config" in set_on_resume.events[-1]["message"]
    shorter = run_trainer("train", "ddpo", "--data", str(small_world), "--resume", "--steps", "1", "--out", str(run_dir))
    assert shorter.returncode == 2 and "below the checkpoint's epoch 2" in shorter.events[-1]["message"]
    bad_init = run_trainer(*ddpo_args(small_world, tmp_path, tmp_path / "out"))
    assert bad_init.returncode == 2 and "weights.pt" in bad_init.events[-1]["message"]


# ------------------------------------------------------------------------------------ SIGKILL, then --resume


def process_table() -> Dict[int, tuple]:
    """pid -> (ppid, state) of every live process, from /proc."""
    table = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            fields = stat[stat.rindex(")") + 2 :].split()  # after "pid (comm) "
            table[int(entry)] = (int(fields[1]), fields[0])
    return table


def descendants(pid: int) -> Set[int]:
    table = process_table()
    found, frontier = set(), {pid}
    while frontier:
        children = {child for child, (parent, _) in table.items() if parent in frontier} - found
        found |= children
        frontier = children
    return found


def alive(pid: int) -> bool:
    state = process_table().get(pid)
    return state is not None and state[1] not in ("Z", "X")


def test_sigkill_mid_epoch_then_resume_equals_the_uninterrupted_run(ddpo_reference, small_world, base_artifact, tmp_path):
    args = ddpo_args(small_world, base_artifact, tmp_path, "--steps", "3")
    process = subprocess.Popen(trainer_command(*args), cwd=MODELS_DIR, env=trainer_env(), stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert process.stdout is not None
    lines, children = [], set()
    try:
        for line in process.stdout:
            lines.append(line)
            event = json.loads(line)
            if event["type"] == "start":
                children = descendants(process.pid)  # the reward server (node) is started before "start"
            if event["type"] == "epoch" and event["epoch"] == 1:
                time.sleep(0.5)  # into epoch 2 (an epoch takes seconds): kill it mid-rollout / mid-PPO
                os.kill(process.pid, signal.SIGKILL)
                break
        lines.extend(process.stdout)
        returncode = process.wait(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    assert returncode == -signal.SIGKILL
    killed = parse_json_lines("".join(lines))
    assert [e["epoch"] for e in killed if e["type"] == "epoch"] == [0, 1], "the kill came after epoch 2 had finished"
    assert children, "no reward-server child was seen"
    deadline = time.monotonic() + 30
    while any(alive(pid) for pid in children) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not [pid for pid in children if alive(pid)], "the reward server outlived the killed trainer"
    checkpoint = torch.load(tmp_path / "checkpoint.pt", map_location="cpu")
    assert checkpoint["epoch"] == 1 and [h["epoch"] for h in checkpoint["history"]] == [0, 1]

    resumed = run_trainer("train", "ddpo", "--data", str(small_world), "--boigllm", str(BOIGLLM), "--resume", "--out", str(tmp_path), timeout=400)
    assert resumed.returncode == 0, resumed.stderr
    assert resumed.events[0]["resumed_from_step"] == 1
    assert resumed.events[0]["config"] == ddpo_reference.events[0]["config"]
    assert [e["epoch"] for e in resumed.of_type("epoch")] == [2, 3]  # epoch 2 is redone from the epoch-1 checkpoint
    got = json.loads((tmp_path / "artifact" / "manifest.json").read_text())["ddpo"]
    want = json.loads((Path(ddpo_reference.events[0]["run_dir"]) / "artifact" / "manifest.json").read_text())["ddpo"]
    assert [h["epoch"] for h in got["history"]] == [0, 1, 2, 3]
    assert got["history"][:2] == checkpoint["history"]  # the finished epochs are kept as they were
    for mine, theirs in zip(got["history"], want["history"]):
        assert set(mine) == set(theirs), mine["epoch"]
        for key, value in theirs.items():
            if key in TIMING:
                continue
            if isinstance(value, float):
                assert mine[key] == pytest.approx(value, abs=1e-6, rel=0), f"epoch {mine['epoch']} {key}: {mine[key]} != {value}"
            else:
                assert mine[key] == value, f"epoch {mine['epoch']} {key}"
    assert got["best_epoch"] == want["best_epoch"]
    final = torch.load(tmp_path / "checkpoint.pt", map_location="cpu")["unet"]
    reference = torch.load(Path(ddpo_reference.events[0]["run_dir"]) / "checkpoint.pt", map_location="cpu")["unet"]
    worst = max(float((final[k] - reference[k]).abs().max()) for k in reference)
    assert worst == 0.0, f"resumed UNet differs from the uninterrupted run's by up to {worst}"


# ------------------------------------------------------------------------------------ per-prompt statistics


def test_stat_tracker_uses_batch_stats_below_min_count():
    tracker = PerPromptStatTracker(buffer_size=8, min_count=3)
    keys = ["a", "a", "b", "c"]
    rewards = np.array([1.0, 3.0, 5.0, 7.0])
    advantages = tracker.advantages(keys, rewards)
    mean, std = rewards.mean(), rewards.std()  # every prompt has < 3 rewards: the batch's statistics
    np.testing.assert_allclose(advantages, (rewards - mean) / (std + 1e-6), rtol=0, atol=1e-12)
    assert tracker.buffers == {"a": [1.0, 3.0], "b": [5.0], "c": [7.0]}


def test_stat_tracker_uses_each_prompts_buffer_once_it_has_min_count():
    tracker = PerPromptStatTracker(buffer_size=8, min_count=3)
    tracker.advantages(["a", "a", "b"], np.array([1.0, 3.0, 100.0]))
    keys = ["a", "b", "a"]
    rewards = np.array([5.0, 200.0, 7.0])
    advantages = tracker.advantages(keys, rewards)
    buffer_a = np.array([1.0, 3.0, 5.0, 7.0])  # 4 >= min_count: prompt a's own statistics
    expected_a = (np.array([5.0, 7.0]) - buffer_a.mean()) / (buffer_a.std() + 1e-6)
    expected_b = (200.0 - rewards.mean()) / (rewards.std() + 1e-6)  # b has 2 < 3: this batch's
    np.testing.assert_allclose(advantages[[0, 2]], expected_a, rtol=0, atol=1e-12)
    assert advantages[1] == pytest.approx(expected_b, abs=1e-12)
    assert tracker.buffers["a"] == [1.0, 3.0, 5.0, 7.0] and tracker.buffers["b"] == [100.0, 200.0]


def test_stat_tracker_buffer_keeps_the_last_buffer_size_rewards():
    tracker = PerPromptStatTracker(buffer_size=3, min_count=2)
    for value in range(5):
        tracker.advantages(["p"], np.array([float(value)]))
    assert tracker.buffers["p"] == [2.0, 3.0, 4.0]
    advantage = tracker.advantages(["p", "p"], np.array([10.0, 20.0]))
    buffer = np.array([4.0, 10.0, 20.0])  # capped before the statistics are taken
    np.testing.assert_allclose(advantage, (np.array([10.0, 20.0]) - buffer.mean()) / (buffer.std() + 1e-6), atol=1e-12)
    assert tracker.buffers["p"] == [4.0, 10.0, 20.0]


def test_stat_tracker_state_dict_round_trip():
    tracker = PerPromptStatTracker(buffer_size=4, min_count=2)
    tracker.advantages(["x", "y", "x"], np.array([0.5, -1.0, 2.0]))
    restored = PerPromptStatTracker(buffer_size=4, min_count=2)
    restored.load_state_dict(json.loads(json.dumps(tracker.state_dict())))
    assert restored.buffers == tracker.buffers
    batch = (["x", "y", "y"], np.array([1.0, 3.0, 4.0]))
    np.testing.assert_array_equal(restored.advantages(*batch), tracker.advantages(*batch))
    restored.buffers["x"].append(9.0)  # the restored lists are its own
    assert tracker.buffers["x"] == [0.5, 2.0, 1.0]


# ------------------------------------------------------------------------------------ PPO on a hand case


def tiny_pipeline(seed: int = 0) -> SdPipeline:
    torch.manual_seed(seed)
    pipeline = SdPipeline(sd_preset("tiny", vocab_size=40)).eval()
    with torch.no_grad():  # zero-initialized output layers would make every eps 0
        for parameter in pipeline.parameters():
            parameter.add_(0.05 * torch.randn_like(parameter))
    pipeline.latent_scale.fill_(1.0)
    return pipeline


def ppo_case(config, run_dir: Path, anchor: Optional[ImageSet] = None):
    """A tiny pipeline, 4 prompts, a trainer without a reward server, and one drawn batch of samples."""
    pipeline = tiny_pipeline()
    uncond = [2, 3] + [0] * (pipeline.config.max_tokens - 2)
    prompts = [
        DdpoPrompt(f"social/p{i}", PromptFields("social", "b", "2022-01-01T00:00:00Z", "x", ()), "high", tuple([2, 5 + i, 6, 3] + [0] * (pipeline.config.max_tokens - 4)))
        for i in range(4)
    ]
    trainer = DdpoTrainer(config, pipeline, uncond, prompts, prompts, prompts, bridge=None, run_dir=run_dir, emitter=None, stop=StopRequest(), anchor=anchor)
    drawn = sample(pipeline, torch.tensor([p.input_ids for p in prompts]), trainer.uncond, batch_generator(0, 99, 0), config)
    return pipeline, prompts, trainer, drawn


def test_ppo_clipped_objective_kl_and_clipfrac_on_a_hand_case(tmp_path):
    """Old log-probabilities are set to the current ones minus known deltas, so each row's ratio is
    exp(delta); with one minibatch and a zero learning rate, the reported loss, approx_kl and
    clipfrac are exactly the clipped objective's values for these ratios and advantages."""
    clip = 0.2
    config = ddpo_preset("tiny", clip_range=clip, learning_rate=0.0, weight_decay=0.0, train_batch_size=4, timestep_fraction=1.0)
    pipeline, prompts, trainer, drawn = ppo_case(config, tmp_path)
    deltas = torch.tensor([0.5, -0.5, 0.5, 0.05])  # log r per row, the same at every timestep
    advantages = torch.tensor([1.0, 1.0, -1.0, 2.0])
    old = drawn.log_probs - deltas[:, None]
    before = {k: v.clone() for k, v in pipeline.unet.state_dict().items()}
    stats = trainer.ppo(1, prompts, Samples(drawn.latents, old, drawn.images), advantages)

    ratio = np.exp(deltas.numpy().astype(np.float64))
    adv = advantages.numpy().astype(np.float64)
    per_row = np.maximum(-adv * ratio, -adv * np.clip(ratio, 1 - clip, 1 + clip))
    # row 0: r = 1.65 > 1.2 with A > 0 -> the clipped -1.2; row 1: r = 0.61 < 0.8, A > 0 -> the unclipped -0.61;
    # row 2: A < 0, r = 1.65 -> the unclipped 1.65 (clipping never makes the loss smaller); row 3: r = 1.05, inside
    np.testing.assert_allclose(per_row, [-1.2, -math.exp(-0.5), math.exp(0.5), -2 * math.exp(0.05)], rtol=1e-7)  # deltas are float32
    assert stats["loss"] == pytest.approx(per_row.mean(), abs=1e-4)
    assert stats["clipfrac"] == pytest.approx(0.75, abs=1e-9)
    assert stats["approx_kl"] == pytest.approx(0.5 * float((deltas.double() ** 2).mean()), abs=1e-4)
    assert stats["grad_norm"] > 0  # the objective has a gradient through the unclipped rows
    after = pipeline.unet.state_dict()
    assert all(torch.equal(before[k], after[k]) for k in before)  # learning rate 0: nothing moved


def test_ppo_with_all_timesteps_in_one_pass_equals_one_timestep_per_pass(tmp_path):
    """The batched PPO pass (timesteps_per_pass 0) is an optimization, not another objective: over one
    minibatch it accumulates the same gradient as a UNet call per timestep (ddpo-pytorch's loop), and
    reports the same stats. (Learning rate 0: the gradients are compared, not Adam's steps, which
    magnify float rounding in near-zero gradients.)"""
    results = []
    for per_pass in (0, 1):
        config = ddpo_preset("tiny", timesteps_per_pass=per_pass, learning_rate=0.0, clip_range=0.2, train_batch_size=4, timestep_fraction=0.75)
        pipeline, prompts, trainer, drawn = ppo_case(config, tmp_path)
        old = drawn.log_probs - torch.tensor([0.3, -0.2, 0.1, 0.0])[:, None]
        stats = trainer.ppo(1, prompts, Samples(drawn.latents, old, drawn.images), torch.tensor([1.0, -1.0, 0.5, 2.0]))
        results.append((stats, {name: p.grad.clone() for name, p in pipeline.unet.named_parameters() if p.grad is not None}))
    (batched_stats, batched), (single_stats, single) = results
    assert batched.keys() == single.keys() and sum(float(g.abs().sum()) for g in batched.values()) > 0
    for name in batched:
        scale = float(single[name].abs().max())  # float32 sums in another order: equal to ~1e-5 of the tensor's scale
        torch.testing.assert_close(batched[name], single[name], rtol=0, atol=1e-4 * scale + 1e-12)
    for key in ("loss", "approx_kl", "clipfrac"):
        assert batched_stats[key] == pytest.approx(single_stats[key], rel=1e-4, abs=1e-7)


def anchor_set(pipeline: SdPipeline, kinds: List[str], buckets: List[Optional[str]]) -> ImageSet:
    c, n = pipeline.config, len(kinds)
    generator = torch.Generator().manual_seed(3)
    pixels = torch.randint(0, 256, (n, 3, c.image_size, c.image_size), generator=generator, dtype=torch.uint8)  # [N, 3, S, S]
    ids = torch.tensor([[2, 7 + i % 5, 3] + [0] * (c.max_tokens - 3) for i in range(n)])  # [N, L]
    return ImageSet([f"{k}/media/{i}.png" for i, k in enumerate(kinds)], ["x"] * n, kinds, buckets, pixels, ids)


def test_ppo_anchor_adds_the_weighted_denoising_loss_gradient_on_its_images(tmp_path):
    """PPO-ptx: with anchor_weight w, one minibatch's gradient is the PPO gradient plus w x the SD
    denoising loss's gradient on the anchor batch that unet_batch draws for that minibatch's step,
    and the reported anchor_loss is that loss."""
    weight = 0.7
    grads, stats = [], []
    for w in (0.0, weight):
        config = ddpo_preset("tiny", learning_rate=0.0, clip_range=0.2, train_batch_size=4, grad_clip=1e9, anchor_weight=w, anchor_batch_size=3)
        pipeline, prompts, trainer, drawn = ppo_case(config, tmp_path, anchor=anchor_set(tiny_pipeline(), ["social"] * 5, ["high"] * 5) if w else None)
        old = drawn.log_probs - torch.tensor([0.3, -0.2, 0.1, 0.0])[:, None]
        stats.append(trainer.ppo(1, prompts, Samples(drawn.latents, old, drawn.images), torch.tensor([1.0, -1.0, 0.5, 2.0])))
        grads.append({name: p.grad.clone() for name, p in pipeline.unet.named_parameters()})
    pipeline.unet.zero_grad(set_to_none=True)
    pipeline.unet.train()
    expected = denoising_loss(pipeline, unet_batch(trainer.anchor, trainer.anchor_config, ANCHOR_STEP_BASE + 1000, trainer.uncond[0]))  # epoch 1, inner 0, minibatch 0
    expected.backward()
    assert stats[0]["anchor_loss"] == 0.0 and stats[1]["anchor_loss"] == pytest.approx(float(expected), rel=1e-5)
    assert stats[1]["loss"] == pytest.approx(stats[0]["loss"], rel=1e-6)  # the PPO objective itself is unchanged
    moved = 0.0
    for name, p in pipeline.unet.named_parameters():
        scale = float(p.grad.abs().max()) + 1e-12
        torch.testing.assert_close(grads[1][name] - grads[0][name], weight * p.grad, rtol=0, atol=1e-4 * scale + 1e-10)
        moved += float(p.grad.abs().sum())
    assert moved > 0


def test_anchor_images_pick_the_bucket_and_the_prompt_sets_datasets():
    pipeline = tiny_pipeline()
    train = anchor_set(pipeline, ["social", "social", "stock", "stock", "social"], ["high", "low", "high", None, None])
    config = ddpo_preset("tiny", anchor_weight=1.0)
    assert anchor_images(train, config).names == ["social/media/0.png", "stock/media/2.png"]
    assert anchor_images(train, ddpo_preset("tiny", anchor_weight=1.0, prompt_set="social")).names == ["social/media/0.png"]
    assert len(anchor_images(train, ddpo_preset("tiny", anchor_weight=1.0, anchor_bucket="all"))) == 5
    assert anchor_images(train, ddpo_preset("tiny")) is None  # weight 0: plain DDPO, no images held
    with pytest.raises(UsageError, match="anchor_bucket=best: one of all, high, medium, low"):
        anchor_images(train, ddpo_preset("tiny", anchor_weight=1.0, anchor_bucket="best"))
    with pytest.raises(UsageError, match="no stock training images in bucket low"):
        anchor_images(train, ddpo_preset("tiny", anchor_weight=1.0, anchor_bucket="low", prompt_set="stock"))
    with pytest.raises(ValueError, match="anchor_weight > 0 needs anchor images"):
        ppo_case(config, Path("/tmp"))


# ------------------------------------------------------------------------------------ LoRA


def unet_inputs(pipeline: SdPipeline):
    generator = torch.Generator().manual_seed(1)
    c = pipeline.config
    x = torch.randn((2, c.latent_channels, c.latent_size, c.latent_size), generator=generator)
    t = torch.tensor([10, 700])
    context = torch.randn((2, c.max_tokens, c.text_dim), generator=generator)
    return x, t, context


def test_lora_is_the_identity_at_init_and_trains_only_its_adapters():
    pipeline = tiny_pipeline()
    unet = pipeline.unet
    x, t, context = unet_inputs(pipeline)
    with torch.no_grad():
        reference = unet(x, t, context)
    trainable = apply_lora(unet, rank=2, alpha=4.0)
    adapters = [m for m in unet.modules() if isinstance(m, LoraPointwise)]
    assert len(adapters) >= 9 and len(trainable) == 2 * len(adapters)
    with torch.no_grad():
        assert torch.equal(unet(x, t, context), reference)  # B = 0: exactly the base UNet
    requires = {id(p) for p in unet.parameters() if p.requires_grad}
    assert requires == {id(p) for p in trainable}
    names = [n for n, p in unet.named_parameters() if p.requires_grad]
    assert all(n.endswith(".down") or n.endswith(".up") for n in names)
    unet(x, t, context).square().mean().backward()
    assert all(p.grad is None for n, p in unet.named_parameters() if not p.requires_grad), "a frozen parameter got a gradient"
    assert any(p.grad is not None and p.grad.abs().sum() > 0 for p in trainable)


def test_merge_lora_gives_the_adapted_models_outputs_as_a_plain_unet():
    pipeline = tiny_pipeline()
    unet = pipeline.unet
    plain_keys = set(unet.state_dict())
    x, t, context = unet_inputs(pipeline)
    with torch.no_grad():
        base = unet(x, t, context)
    trainable = apply_lora(unet, rank=2, alpha=4.0)
    with torch.no_grad():
        for parameter in trainable:  # as if trained: non-zero B
            parameter.add_(0.1 * torch.randn_like(parameter))
        adapted = unet(x, t, context)
    assert (adapted - base).abs().max() > 1e-3  # the adapters do change the output
    merge_lora(unet)
    assert not [m for m in unet.modules() if isinstance(m, LoraPointwise)]
    assert set(unet.state_dict()) == plain_keys  # exportable / loadable as a plain UNet
    assert all(p.requires_grad for p in unet.parameters())
    with torch.no_grad():
        merged = unet(x, t, context)
    torch.testing.assert_close(merged, adapted, rtol=1e-5, atol=1e-5)


# ------------------------------------------------------------------------------------ bench


def test_bench_times_our_epoch_beside_the_reference_loop(small_world, base_artifact):
    """`boig bench`'s DDPO workload on the tiny preset: both sides run whole epochs against the same
    reward server and report their seconds (one warm-up epoch each, then the timed ones)."""
    done = subprocess.run(
        [trainer_command()[0], "-m", "boig_trainer.bench_ddpo", "--init", str(base_artifact), "--data", str(small_world), "--boigllm", str(BOIGLLM), "--preset", "tiny", "--epochs", "1"],
        cwd=MODELS_DIR, env=trainer_env(), capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    tiny = ddpo_preset("tiny")
    assert result["samples_per_epoch"] == tiny.samples_per_epoch and result["ddim_steps"] == tiny.ddim_steps
    assert len(result["ours_s"]) == 1 and len(result["reference_s"]) == 1
    assert all(seconds > 0 for seconds in result["ours_s"] + result["reference_s"])
    assert "reference epoch 2" in done.stderr and "ours epoch 2" in done.stderr


def test_bench_refuses_a_missing_init(small_world, tmp_path):
    done = subprocess.run(
        [trainer_command()[0], "-m", "boig_trainer.bench_ddpo", "--init", str(tmp_path / "nope"), "--data", str(small_world), "--preset", "tiny"],
        cwd=MODELS_DIR, env=trainer_env(), capture_output=True, text=True, timeout=120,
    )
    assert done.returncode != 0 and "nope" in done.stderr


def test_the_default_preset_is_the_committed_recipe_and_the_reproduce_command_names_what_differs_from_it():
    """The default preset trains LoRA rank 4 from SFT for 60 epochs (the committed BoigSD, docs/results.md);
    a run that leaves that recipe says so in its command, so the command rebuilds the run."""
    default = ddpo_preset("default")
    assert (default.lora_rank, default.epochs, DEFAULT_INIT.name) == (4, 60, "boigsd-sft")
    data, out = REPO_ROOT / "w", REPO_ROOT / "out"
    command = reproduce_command(ddpo_preset("default", init="models/artifacts/boigsd-sft"), data, out, None)
    assert "--lora-rank" not in command and "--steps" not in command and "--init models/artifacts/boigsd-sft" in command
    assert "--lora-rank 0" in reproduce_command(ddpo_preset("default", lora_rank=0), data, out, None)  # a full fine-tune
    assert "--lora-rank 2" in reproduce_command(ddpo_preset("tiny", lora_rank=2), data, out, None)
    assert "--lora-rank" not in reproduce_command(ddpo_preset("tiny"), data, out, None)
