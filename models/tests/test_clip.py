"""End-to-end and unit checks of `python -m boig_trainer train clip` (BoigCLIP, the image-text agreement
model of SPEC §6) on a small simulated world: protocol, the loss falls, held-out retrieval metrics, both
ONNX graphs and the golden pairs verified by onnxruntime-node (verify_clip_onnx.mjs), the prompt golden,
exact resume after SIGTERM, resume refusing other data, argument errors, and the model's pieces."""
import json
import math
import shutil
import subprocess
from pathlib import Path

import pytest
import torch

from boig_trainer.clip_config import clip_preset
from boig_trainer.clip_model import ClipModel, contrastive_loss
from boig_trainer.clip_train import clip_batch
from boig_trainer.manifest import file_digest
from boig_trainer.sd_data import ImageSet, encode_prompt, prompt_text
from boig_trainer.llm_tokenizer import Tokenizer
from trainer_process import MODELS_DIR, NODE, REPO_ROOT, SMALL_WORLD_SEED, TrainerRun, run_trainer
from test_sd import run_until_progress_step_then_sigterm

FRESH_ARTIFACT_COPY = MODELS_DIR / "runs" / "pytest-clip-last" / "artifact"  # replay: point clipScore.test.ts's fixture path here
WORLD_SEED = SMALL_WORLD_SEED
GRAPHS = ("image_encoder", "text_encoder")


@pytest.fixture(scope="module")
def clip_run(small_world: Path, tmp_path_factory: pytest.TempPathFactory) -> TrainerRun:
    """One uninterrupted `--preset tiny` run, shared: it is also the reference for the resume test."""
    run_dir = tmp_path_factory.mktemp("clip-full")
    run = run_trainer("train", "clip", "--data", str(small_world), "--preset", "tiny", "--seed", "0", "--out", str(run_dir), timeout=300)
    assert run.returncode == 0, run.stderr
    shutil.rmtree(FRESH_ARTIFACT_COPY, ignore_errors=True)
    shutil.copytree(Path(run.of_type("artifact")[0]["dir"]), FRESH_ARTIFACT_COPY)
    return run


# ------------------------------------------------------------------------------------ end to end


def test_protocol_lines_and_the_loss_falls(clip_run):
    types = [event["type"] for event in clip_run.events]
    assert types[0] == "start" and types[-2:] == ["artifact", "done"]
    start = clip_run.events[0]
    config = start["config"]
    assert start["total_steps"] == config["steps"] == 60 and start["resumed_from_step"] == 0
    assert config["data_snapshot"].startswith(f"world seed={WORLD_SEED} images=") and config["vocab_size"] > 50
    progress = clip_run.of_type("progress")
    assert [e["step"] for e in progress] == [10, 20, 30, 40, 50, 60]
    assert [e["step"] for e in clip_run.of_type("checkpoint")] == [20, 40, 60]
    losses = [e["loss"] for e in progress]
    assert losses[0] < math.log(config["batch_size"]) + 0.2  # InfoNCE starts near log(batch)
    assert (losses[-1] + losses[-2]) / 2 < (losses[0] + losses[1]) / 2 - 0.3, losses
    # held-out retrieval in the progress lines every eval_every steps and at the end
    assert [e["step"] for e in progress if "held-out" in e["message"]] == [20, 40, 60]
    assert "image->prompt top-1" in progress[-1]["message"] and "AUC" in progress[-1]["message"]


def test_done_reports_held_out_retrieval_metrics(clip_run):
    metrics = clip_run.of_type("done")[0]["metrics"]
    assert metrics["final_loss"] == clip_run.of_type("progress")[-1]["loss"]
    assert metrics["eval_held_out"] == 1.0 and 5 <= metrics["eval_pairs"] <= 64
    for name in ("eval_i2t_top1", "eval_i2t_top5", "eval_t2i_top1", "eval_t2i_top5", "eval_auc", "eval_chance_top1", "train_auc", "train_i2t_top1"):
        assert 0.0 <= metrics[name] <= 1.0, name
    assert metrics["eval_i2t_top1"] <= metrics["eval_i2t_top5"] and metrics["eval_t2i_top1"] <= metrics["eval_t2i_top5"]
    assert -1.0 <= metrics["eval_cos_mismatched"] <= 1.0 and -1.0 <= metrics["eval_cos_matched"] <= 1.0
    assert metrics["train_auc"] > 0.6  # the training pairs are learned
    assert metrics["eval_social_pairs"] + metrics["eval_stock_pairs"] == metrics["eval_pairs"]
    assert metrics["logit_scale"] > 1 and metrics["parameters_image_encoder"] > 1000 and metrics["parameters_text_encoder"] > 1000
    assert metrics["train_images"] > 150 and metrics["truncated_prompts"] == 0


def test_artifact_files_manifest_and_goldens(clip_run, small_world):
    artifact = clip_run.of_type("artifact")[0]
    artifact_dir = Path(artifact["dir"])
    manifest = json.loads((artifact_dir / "manifest.json").read_text())
    assert manifest == artifact["manifest"] and manifest["kind"] == "boigclip" and manifest["name"] == "boigclip"
    config = clip_run.events[0]["config"]
    e = config["embed_dim"]
    assert set(manifest["files"]) == {f"{g}.onnx" for g in GRAPHS} | {"vocab.json"}
    for name, entry in manifest["files"].items():
        assert {k: entry[k] for k in ("sha256", "bytes")} == file_digest(artifact_dir / name)
    files = manifest["files"]
    assert files["image_encoder.onnx"]["inputs"] == [{"name": "sample", "dtype": "float32", "dims": ["batch", 3, 64, 64]}]
    assert files["image_encoder.onnx"]["outputs"] == [{"name": "image_embeds", "dtype": "float32", "dims": ["batch", e]}]
    assert files["text_encoder.onnx"]["inputs"] == [{"name": "input_ids", "dtype": "int64", "dims": ["batch", "seq"]}]
    assert files["text_encoder.onnx"]["outputs"] == [{"name": "text_embeds", "dtype": "float32", "dims": ["batch", e]}]
    clip = manifest["clip"]
    assert clip["tokenizer"]["max_tokens"] == 48 and (clip["tokenizer"]["pad_id"], clip["tokenizer"]["bos_id"], clip["tokenizer"]["eos_id"]) == (0, 2, 3)
    assert clip["embed_dim"] == e and clip["logit_scale"] == pytest.approx(manifest["metrics"]["logit_scale"])
    assert manifest["metrics"] == clip_run.of_type("done")[0]["metrics"] and manifest["training"]["config"] == config
    assert manifest["training"]["command"].startswith(f"npx boig train clip --data {small_world} --preset tiny --seed 0 --out ")
    assert manifest["data"]["snapshot"] == config["data_snapshot"] and manifest["data"]["world"]["seed"] == WORLD_SEED
    vocab = json.loads((artifact_dir / "vocab.json").read_text())
    assert len(vocab["tokens"]) == config["vocab_size"] and vocab["max_tokens"] == 48

    for graph in GRAPHS:
        golden = json.loads((artifact_dir / f"golden_{graph}.json").read_text())
        assert set(golden) == {"inputs", "outputs", "rtol", "atol"}
        assert f"ok {graph} " in clip_run.stderr  # the exporter's node check ran and passed
    assert "ok pairs cosine: max abs diff" in clip_run.stderr
    pairs = json.loads((artifact_dir / "golden_pairs.json").read_text())
    n = len(pairs["pairs"])
    assert 4 <= n <= 8 and pairs["cosine"]["dims"] == [n, n] and len({p["prompt"] for p in pairs["pairs"]}) == n
    assert {p["kind"] for p in pairs["pairs"]} == {"social", "stock"}


def test_prompt_golden_is_sd_datas_format(clip_run):
    artifact_dir = Path(clip_run.of_type("artifact")[0]["dir"])
    golden = json.loads((artifact_dir / "golden_prompts.json").read_text())
    tokenizer = Tokenizer.load(artifact_dir / "vocab.json")
    cases = golden["cases"]
    assert len(cases) >= 12 and golden["max_tokens"] == 48
    for case in cases:
        prompt = prompt_text(case["kind"], case["account"], case["text"], case["keywords"])
        assert case["prompt"] == prompt
        assert (case["input_ids"], case["cut"]) == tuple(encode_prompt(tokenizer, prompt, 48))
    by_why = {case.get("why", ""): case for case in cases}
    assert by_why["no account, empty caption, no keywords"]["prompt"] == "brand unknown ;  ; keywords"
    assert any(case["cut"] for case in cases) and any(tokenizer.unk_id in case["input_ids"] for case in cases)
    long_caption = next(case for why, case in by_why.items() if why.startswith("caption of 40 words"))
    assert "word31 ;" in long_caption["prompt"] and "word32" not in long_caption["prompt"]


def verify(artifact_dir: Path) -> subprocess.CompletedProcess:
    return subprocess.run([NODE, "models/verify_clip_onnx.mjs", str(artifact_dir)], cwd=REPO_ROOT, capture_output=True, text=True, timeout=180)


def test_verifier_rejects_tampered_goldens(clip_run, tmp_path):
    artifact_dir = Path(clip_run.of_type("artifact")[0]["dir"])
    shutil.copytree(artifact_dir, tmp_path / "a")
    pairs = json.loads((tmp_path / "a" / "golden_pairs.json").read_text())
    pairs["cosine"]["data"][3] += 1e-2
    (tmp_path / "a" / "golden_pairs.json").write_text(json.dumps(pairs))
    tampered = verify(tmp_path / "a")
    assert tampered.returncode == 1, tampered.stdout + tampered.stderr
    assert "MISMATCH pairs cosine" in tampered.stdout and "ok image_encoder image_embeds" in tampered.stdout


def test_sigterm_then_resume_matches_the_uninterrupted_run(clip_run, small_world, tmp_path):
    stopped = run_until_progress_step_then_sigterm(30, "train", "clip", "--data", str(small_world), "--preset", "tiny", "--out", str(tmp_path))
    assert stopped.returncode == 143
    events = stopped.events
    assert events[-1]["type"] == "error" and "SIGTERM" in events[-1]["message"]
    assert events[-2]["type"] == "checkpoint" and 30 <= events[-2]["step"] < 60
    resumed = run_trainer("train", "clip", "--data", str(small_world), "--resume", "--out", str(tmp_path), timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    assert resumed.events[0]["resumed_from_step"] == events[-2]["step"]
    assert resumed.events[0]["config"] == clip_run.events[0]["config"]
    expected, got = clip_run.of_type("done")[0]["metrics"], resumed.of_type("done")[0]["metrics"]
    for name in ("final_loss", "eval_auc", "eval_cos_matched", "logit_scale"):
        assert got[name] == pytest.approx(expected[name], rel=1e-5), name
    reference = torch.load(Path(clip_run.events[0]["run_dir"]) / "checkpoint.pt")["model"]
    state = torch.load(tmp_path / "checkpoint.pt")["model"]
    assert set(state) == set(reference) and any("running_mean" in name for name in state)  # BatchNorm statistics too
    for name, tensor in state.items():
        assert torch.allclose(tensor.float(), reference[name].float(), rtol=1e-5, atol=1e-7), name


def test_resume_refuses_other_data_or_a_conflicting_preset(clip_run, small_world, tmp_path):
    run_dir = clip_run.events[0]["run_dir"]
    conflicting = run_trainer("train", "clip", "--data", str(small_world), "--resume", "--preset", "default", "--out", run_dir)
    assert conflicting.returncode == 2 and "--preset default conflicts" in conflicting.events[-1]["message"]
    other = tmp_path / "world"
    shutil.copytree(small_world, other)
    shutil.rmtree(other / "stock")
    moved = run_trainer("train", "clip", "--data", str(other), "--resume", "--out", run_dir)
    assert moved.returncode == 2 and "but the checkpoint trained on world seed=" in moved.events[-1]["message"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["train", "clip", "--out", "/tmp/x"], "needs --data"),
        (["train", "clip", "--data", "/nonexistent-dir", "--out", "/tmp/x"], "is not a folder"),
        (["train", "clip", "--data", "/tmp", "--arch", "dilated", "--out", "/tmp/x"], "do not apply to `train clip`"),
        (["train", "clip", "--data", "/tmp", "--only-bucket", "high", "--out", "/tmp/x"], "--only-bucket applies"),
    ],
)
def test_bad_arguments_end_with_an_error_line(args, message):
    run = run_trainer(*args)
    assert run.returncode == 2 and run.events[-1]["type"] == "error" and message in run.events[-1]["message"]


# ------------------------------------------------------------------------------------ pieces


def tiny_model(vocab_size: int = 40) -> ClipModel:
    torch.manual_seed(0)
    return ClipModel(clip_preset("tiny", vocab_size=vocab_size)).eval()


def test_shapes_and_unit_norm_embeddings():
    model = tiny_model()
    images = model.image_encoder(torch.rand(3, 3, 64, 64) * 2 - 1)
    texts = model.text_encoder(torch.tensor([[2, 7, 8, 3] + [0] * 44] * 2))
    assert images.shape == (3, 32) and texts.shape == (2, 32)
    assert torch.allclose(images.norm(dim=1), torch.ones(3), atol=1e-5) and torch.allclose(texts.norm(dim=1), torch.ones(2), atol=1e-5)


def test_text_embedding_ignores_padding():
    model = tiny_model()
    ids = torch.tensor([[2, 7, 8, 9, 3] + [0] * 43, [2, 11, 3] + [0] * 45])
    full = model.text_encoder(ids)
    assert torch.allclose(model.text_encoder(ids[:1, :5]), full[:1], atol=1e-6)
    assert torch.allclose(model.text_encoder(ids[1:, :3]), full[1:], atol=1e-6)
    assert not torch.allclose(full[0], full[1])


def test_contrastive_loss_counts_identical_prompts_as_positives():
    ids = torch.tensor([[2, 7, 3], [2, 7, 3], [2, 8, 3]])
    embeds = torch.eye(3)
    aligned = torch.stack([embeds[0], embeds[0], embeds[2]])  # both copies of prompt 7 look alike
    loss = contrastive_loss(aligned, aligned, ids, torch.tensor(100.0))
    # rows 0 and 1 split their target over columns 0 and 1 (equal logits): loss log 2 each, row 2 ~0
    assert loss.item() == pytest.approx(2 * math.log(2) / 3, abs=1e-4)
    swapped = contrastive_loss(aligned, aligned[[2, 1, 0]], ids, torch.tensor(100.0))
    assert swapped.item() > 10  # mismatched pairs cost a lot
    first = contrastive_loss(torch.randn(4, 8), torch.randn(4, 8), torch.tensor([[1], [2], [3], [4]]), torch.tensor(1.0))
    assert math.isfinite(first.item())


def test_batches_depend_only_on_seed_and_step():
    pixels = torch.randint(0, 256, (10, 3, 64, 64), dtype=torch.uint8)
    images = ImageSet([f"n{i}" for i in range(10)], ["p"] * 10, ["stock"] * 10, [None] * 10, pixels, torch.arange(10)[:, None].repeat(1, 4))
    config = clip_preset("tiny", vocab_size=40, batch_size=16)
    a, ids_a = clip_batch(images, config, 5)
    b, ids_b = clip_batch(images, config, 5)
    c, _ = clip_batch(images, config, 6)
    assert torch.equal(a, b) and torch.equal(ids_a, ids_b) and not torch.equal(a, c)
    assert a.shape == (16, 3, 64, 64) and float(a.min()) >= -1 and float(a.max()) <= 1
    # each row is its source image, flipped left-right or not
    for row in range(16):
        source = (pixels[ids_a[row, 0]].float() / 127.5 - 1)
        assert torch.allclose(a[row], source) or torch.allclose(a[row], source.flip(2))
    flips = sum(not torch.allclose(a[row], pixels[ids_a[row, 0]].float() / 127.5 - 1) for row in range(16))
    assert 0 < flips < 16
