"""End-to-end checks of `python -m boig_trainer train detector` on a small simulated world:
protocol, learning, held-out metrics, ONNX export verified by onnxruntime-node, exact resume."""
import json
import re
import shutil
import subprocess
from pathlib import Path

import onnx
import pytest
import torch

from boig_trainer.detector_data import centernet_targets, held_out, load_world
from boig_trainer.detector_eval import Detection, average_precision, decode, match_image
from boig_trainer.detector_vocabulary import OBJECT_CLASSES
from boig_trainer.manifest import file_digest
from trainer_process import MODELS_DIR, NODE, REPO_ROOT, TrainerRun, run_trainer, run_until_first_progress_then_sigterm

FRESH_ARTIFACT_COPY = MODELS_DIR / "runs" / "pytest-detector-last" / "artifact"  # vitest can replay it too
WORLD_SEED = 3


@pytest.fixture(scope="module")
def small_world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """~220 renders (4 brands x 40 posts + 40 stock assets) from the real world simulator."""
    world_dir = tmp_path_factory.mktemp("detector-world") / "world"
    command = [NODE, "--import", "tsx", "models/tests/detector_world.ts", "--out", str(world_dir), "--seed", str(WORLD_SEED)]
    result = subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stderr
    return world_dir


@pytest.fixture(scope="module")
def detector_run(small_world: Path, tmp_path_factory: pytest.TempPathFactory) -> TrainerRun:
    """One uninterrupted `--preset tiny` run, shared: it is also the reference for the resume test."""
    run_dir = tmp_path_factory.mktemp("detector-full")
    run = run_trainer("train", "detector", "--data", str(small_world), "--preset", "tiny", "--seed", "0", "--out", str(run_dir))
    assert run.returncode == 0, run.stderr
    return run


def test_protocol_lines_are_ordered_and_loss_falls(detector_run):
    types = [event["type"] for event in detector_run.events]
    assert types[0] == "start" and types[-2:] == ["artifact", "done"]
    start = detector_run.events[0]
    assert start["resumed_from_step"] == 0 and start["total_steps"] == start["config"]["steps"] == 40
    assert start["config"]["arch"] == "centernet" and start["config"]["data_snapshot"].startswith(f"world seed={WORLD_SEED} images=")
    steps = [event["step"] for event in detector_run.of_type("progress")]
    assert steps == [10, 20, 30, 40]
    assert [event["step"] for event in detector_run.of_type("checkpoint")] == [20, 40]
    losses = [event["loss"] for event in detector_run.of_type("progress")]
    assert losses[-1] < losses[0] * 0.9


def test_done_reports_held_out_precision_recall_and_map(detector_run):
    metrics = detector_run.of_type("done")[0]["metrics"]
    for name in ("eval_precision", "eval_recall", "eval_map50"):
        assert 0.0 <= metrics[name] <= 1.0
    assert metrics["final_loss"] == detector_run.of_type("progress")[-1]["loss"]
    snapshot = detector_run.events[0]["config"]["data_snapshot"]
    images = int(re.search(r"images=(\d+)", snapshot).group(1))
    assert metrics["eval_images"] + metrics["train_images"] + metrics["calibration_images"] == images
    assert 0.03 * images < metrics["eval_images"] < 0.2 * images  # ~10% held out
    assert metrics["eval_objects"] >= metrics["eval_images"] and metrics["eval_classes"] >= 10


def test_artifact_is_verified_onnx_with_matching_manifest(detector_run, small_world):
    artifact = detector_run.of_type("artifact")[0]
    artifact_dir = Path(artifact["dir"])
    manifest = json.loads((artifact_dir / "manifest.json").read_text())
    assert manifest == artifact["manifest"]
    assert manifest["kind"] == "scene-detector" and manifest["name"] == "scene-detector-centernet"
    assert manifest["files"]["model.onnx"] == file_digest(artifact_dir / "model.onnx")
    assert manifest["inputs"] == [{"name": "pixels", "dtype": "float32", "dims": ["batch", 3, 64, 64]}]
    assert [(o["name"], o["dims"]) for o in manifest["outputs"]] == [
        ("heatmap", ["batch", 18, 16, 16]), ("size", ["batch", 2, 16, 16]), ("offset", ["batch", 2, 16, 16])
    ]
    assert manifest["decode"]["classes"] == list(OBJECT_CLASSES)
    calibration = manifest["decode"]["score_calibration"]
    assert calibration["scale"] > 0 and calibration["images"] == manifest["metrics"]["calibration_images"] > 0
    assert manifest["metrics"] == detector_run.of_type("done")[0]["metrics"]
    assert manifest["training"]["config"] == detector_run.events[0]["config"]
    assert manifest["training"]["command"].startswith(f"npx boig train detector --data {small_world} --preset tiny --arch centernet --seed 0")
    assert manifest["data"]["snapshot"] == detector_run.events[0]["config"]["data_snapshot"]
    assert manifest["data"]["world"]["seed"] == WORLD_SEED and manifest["data"]["world"]["brands"] == 4
    for name in ("heatmap", "size", "offset"):
        assert f"ok {name}: max abs diff" in detector_run.stderr  # the exporter's node check ran and passed

    graph = onnx.load(str(artifact_dir / "model.onnx")).graph
    assert [i.name for i in graph.input] == ["pixels"] and [o.name for o in graph.output] == ["heatmap", "size", "offset"]
    assert all(v.type.tensor_type.shape.dim[0].dim_param == "batch" for v in [*graph.input, *graph.output])
    golden = json.loads((artifact_dir / "golden.json").read_text())
    assert golden["inputs"]["pixels"]["dims"] == [2, 3, 64, 64] and golden["outputs"]["heatmap"]["dims"] == [2, 18, 16, 16]
    shutil.rmtree(FRESH_ARTIFACT_COPY, ignore_errors=True)
    shutil.copytree(artifact_dir, FRESH_ARTIFACT_COPY)


def test_verifier_rejects_a_tampered_golden_heatmap(detector_run, tmp_path):
    artifact_dir = Path(detector_run.of_type("artifact")[0]["dir"])
    golden = json.loads((artifact_dir / "golden.json").read_text())
    golden["outputs"]["heatmap"]["data"][5] += 1e-2
    tampered = tmp_path / "golden.json"
    tampered.write_text(json.dumps(golden))
    verify = [NODE, "models/verify_onnx.mjs", str(artifact_dir / "model.onnx"), str(tampered)]
    result = subprocess.run(verify, cwd=REPO_ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 1 and "MISMATCH heatmap" in result.stdout


def test_sigterm_then_resume_matches_the_uninterrupted_run(detector_run, small_world, tmp_path):
    stopped = run_until_first_progress_then_sigterm("train", "detector", "--data", str(small_world), "--preset", "tiny", "--out", str(tmp_path), timeout=120)
    assert stopped.returncode == 143
    events = stopped.events
    assert events[-1]["type"] == "error" and "SIGTERM" in events[-1]["message"]
    assert events[-2]["type"] == "checkpoint" and 10 <= events[-2]["step"] < 40
    stopped_at = events[-2]["step"]

    resumed = run_trainer("train", "detector", "--data", str(small_world), "--resume", "--preset", "tiny", "--out", str(tmp_path))
    assert resumed.returncode == 0, resumed.stderr
    assert resumed.events[0]["resumed_from_step"] == stopped_at
    assert resumed.events[0]["config"] == detector_run.events[0]["config"]
    # Batches depend only on (seed, step) and the LR only on the step: the same weights, the same metrics.
    expected = detector_run.of_type("done")[0]["metrics"]
    got = resumed.of_type("done")[0]["metrics"]
    assert got["final_loss"] == pytest.approx(expected["final_loss"], rel=1e-5)
    assert got["eval_map50"] == pytest.approx(expected["eval_map50"], abs=1e-6)
    reference = torch.load(Path(detector_run.events[0]["run_dir"]) / "checkpoint.pt")["model"]
    for name, tensor in torch.load(tmp_path / "checkpoint.pt")["model"].items():
        assert torch.allclose(tensor.float(), reference[name].float(), rtol=1e-4, atol=1e-6), name


def test_resume_refuses_other_data_or_a_conflicting_arch(detector_run, small_world, tmp_path):
    run_dir = detector_run.events[0]["run_dir"]
    conflicting = run_trainer("train", "detector", "--data", str(small_world), "--resume", "--arch", "dilated", "--out", run_dir)
    assert (conflicting.returncode, conflicting.events[-1]["type"]) == (2, "error")
    assert "conflicts with the checkpoint's arch 'centernet'" in conflicting.events[-1]["message"]

    other = tmp_path / "world"
    shutil.copytree(small_world, other)
    (other / "stock" / "scenes.jsonl").unlink()
    moved = run_trainer("train", "detector", "--data", str(other), "--resume", "--out", run_dir)
    assert (moved.returncode, moved.events[-1]["type"]) == (2, "error")
    assert "but the checkpoint trained on world seed=" in moved.events[-1]["message"]


def test_unreadable_world_data_is_reported_with_its_line(small_world, tmp_path):
    broken = tmp_path / "world"
    shutil.copytree(small_world, broken)
    first_media = json.loads((broken / "social" / "scenes.jsonl").read_text().splitlines()[0])["media"]
    (broken / "social" / first_media).write_bytes(b"not a png")
    run = run_trainer("train", "detector", "--data", str(broken), "--out", str(tmp_path / "run"))
    assert (run.returncode, run.events[-1]["type"]) == (2, "error")
    assert f"social/scenes.jsonl:1: cannot read {first_media}" in run.events[-1]["message"]


def test_dilated_arch_trains_and_exports(small_world, tmp_path):
    run = run_trainer("train", "detector", "--data", str(small_world), "--arch", "dilated", "--steps", "10", "--seed", "1", "--out", str(tmp_path))
    assert run.returncode == 0, run.stderr
    manifest = run.of_type("artifact")[0]["manifest"]
    assert manifest["name"] == "scene-detector-dilated" and manifest["training"]["config"]["seed"] == 1
    assert " --arch dilated --seed 1 --steps 10 " in manifest["training"]["command"]


@pytest.mark.parametrize(
    "args, message",
    [
        (["train", "detector", "--out", "unused"], "needs --data"),
        (["train", "detector", "--data", "/nonexistent", "--out", "unused"], "is not a folder"),
        (["train", "detector", "--data", ".", "--arch", "yolo", "--out", "unused"], "invalid choice: 'yolo'"),
        (["train", "tiny", "--data", ".", "--out", "unused"], "apply to `train detector` only"),
    ],
)
def test_bad_arguments_end_with_an_error_line(args, message):
    run = run_trainer(*args)
    assert run.returncode == 2
    assert run.events[-1]["type"] == "error" and message in run.events[-1]["message"]


def test_targets_decode_back_to_the_ground_truth_boxes(small_world):
    """Perfect heads (the training targets themselves) must decode to every box: the target
    encoding and the decoder (mirrored in server/ml/sceneDetector.ts) agree."""
    data = load_world(small_world, 64, 8, 0.1, 0.05).eval
    targets = centernet_targets(data.labels, data.boxes, 18, 16, 0.7)
    batch = len(data)
    size = torch.zeros(batch, 2, 256)
    offset = torch.zeros(batch, 2, 256)
    for b, k in (targets["mask"] > 0).nonzero().tolist():
        size[b, :, targets["index"][b, k]] = targets["size"][b, k]
        offset[b, :, targets["index"][b, k]] = targets["offset"][b, k]
    detections = decode(targets["heatmap"], size.view(batch, 2, 16, 16), offset.view(batch, 2, 16, 16), 20, 0.5)
    for b, found in enumerate(detections):
        truth = [(int(c), tuple(map(float, box))) for c, box in zip(data.labels[b], data.boxes[b]) if c >= 0]
        assert len(found) == len(truth) and all(match_image(found, truth, 0.999))


def test_average_precision_and_matching_by_hand():
    box = (0.1, 0.1, 0.4, 0.4)
    truth = [(3, box), (3, (0.6, 0.6, 0.3, 0.3))]
    detections = [Detection(3, 0.9, box), Detection(3, 0.8, box), Detection(5, 0.7, box), Detection(3, 0.6, (0.62, 0.6, 0.3, 0.3))]
    assert match_image(detections, truth, 0.5) == [True, False, False, True]  # a duplicate and a wrong class miss
    # Class 3: hits at ranks 1 and 3 of 3 -> AP = 0.5 * 1 + 0.5 * (2/3).
    assert average_precision([0.9, 0.8, 0.6], [True, False, True], 2) == pytest.approx(0.5 + 0.5 * 2 / 3)
    assert average_precision([], [], 2) == 0.0


def test_held_out_split_is_a_fixed_tenth_of_the_paths():
    names = [f"social/media/p{i}_0.png" for i in range(5000)]
    share = sum(held_out(name, 0.1) for name in names) / len(names)
    assert 0.085 < share < 0.115
    assert held_out("social/media/p7_0.png", 0.1) == held_out("social/media/p7_0.png", 0.1)


def test_classes_match_the_app_vocabulary():
    source = (REPO_ROOT / "server" / "verbalize" / "vocabulary.ts").read_text()
    block = re.search(r"OBJECT_CLASSES = \[(.*?)\] as const", source, re.S).group(1)
    assert tuple(re.findall(r'"(\w+)"', block)) == OBJECT_CLASSES
