"""The trainer's side of `boig reward-server` (server/cli/rewardServer.ts): the app's own reward
service run as a local subprocess, spoken to in JSON lines over a pipe. Debian has no onnxruntime
for Python, and a second implementation of verbalizer + BoigLLM scoring could drift from what the
app serves; this way DDPO maximizes exactly the reward the app shows (SPEC §5).

Images go as PNG bytes (base64) with their prompt fields (kind, brand, date, prompt, keywords);
replies carry both reward variants, or the world's true KPI (op true_kpi, server started with
--world). A reply with ok=false raises TrainerError with the server's message.

Calls can overlap the trainer's own work: `submit_rewards` / `submit_true_kpis` return a Future, and
one worker thread owns the pipe, so requests and replies stay in order (the server answers one
request at a time) while PyTorch samples the next batch or runs PPO on this core and node scores on
the other (as ddpo-pytorch scores rewards in an executor while it samples)."""
import base64
import io
import json
import os
import subprocess
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence

import numpy as np
import torch
from PIL import Image

from .errors import TrainerError
from .export_onnx import REPO_ROOT


@dataclass(frozen=True)
class PromptFields:
    """What the reward is conditioned on (SPEC §4): the post's kind, brand, date, caption, keywords."""
    kind: str  # "social" | "stock"
    brand: Optional[str]
    date: str  # ISO 8601
    prompt: str  # the caption text as the user wrote it
    keywords: Sequence[str]

    def to_json(self) -> Dict[str, Any]:
        fields: Dict[str, Any] = {"kind": self.kind, "date": self.date, "prompt": self.prompt, "keywords": list(self.keywords)}
        if self.kind == "social":
            fields["brand"] = self.brand
        return fields


def png_base64(image: torch.Tensor) -> str:
    """uint8 [3, S, S] -> base64 PNG."""
    buffer = io.BytesIO()
    Image.fromarray(image.permute(1, 2, 0).contiguous().numpy().astype(np.uint8), "RGB").save(buffer, format="PNG")
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def to_uint8(images: torch.Tensor) -> torch.Tensor:
    """VAE output [B, 3, S, S] in [-1, 1] -> uint8 [B, 3, S, S] (the manifest's pixel rule: clamp((x + 1) / 2))."""
    return ((images.detach().float().cpu() + 1.0) / 2.0).clamp(0.0, 1.0).mul(255.0).round().to(torch.uint8)


class RewardBridge:
    def __init__(self, boigllm_dir: Optional[Path] = None, world_dir: Optional[Path] = None, timeout_s: float = 600.0):
        node = os.environ.get("BOIG_NODE", "node")
        command = [node, str(REPO_ROOT / "bin" / "boig.mjs"), "reward-server"]
        if boigllm_dir is not None:
            command += ["--model", str(boigllm_dir)]
        if world_dir is not None:
            command += ["--world", str(world_dir)]
        try:
            # stderr is inherited: the server's warnings land in the trainer's log, never in the protocol.
            self._process = subprocess.Popen(command, cwd=REPO_ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)
        except FileNotFoundError:
            raise TrainerError(f"cannot run node ({node!r}) for the reward server; set BOIG_NODE") from None
        self._next_id = 0
        self.timeout_s = timeout_s
        # The only thread that touches the pipe (invariant: one request in flight, replies in order).
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="reward-bridge")
        try:
            self.model = self.call("ping")["model"]  # fails fast on a missing or invalid BoigLLM
        except Exception:
            self.close()
            raise

    def call(self, op: str, items: Optional[List[Dict[str, Any]]] = None) -> Dict[str, Any]:
        return self.call_with(op, **({} if items is None else {"items": items}))

    def call_with(self, op: str, **fields: Any) -> Dict[str, Any]:
        return self._worker.submit(self._exchange, op, fields).result()

    def _exchange(self, op: str, fields: Dict[str, Any]) -> Dict[str, Any]:
        self._next_id += 1
        request: Dict[str, Any] = {"id": self._next_id, "op": op, **fields}
        assert self._process.stdin is not None and self._process.stdout is not None
        try:
            self._process.stdin.write(json.dumps(request) + "\n")
            self._process.stdin.flush()
        except BrokenPipeError:
            raise TrainerError(f"the reward server exited (code {self._process.poll()})") from None
        line = self._process.stdout.readline()
        if not line:
            raise TrainerError(f"the reward server exited (code {self._process.wait()}) before answering {op}")
        reply = json.loads(line)
        if reply.get("id") != self._next_id:
            raise TrainerError(f"reward server answered request {reply.get('id')} to request {self._next_id}")
        if not reply.get("ok"):
            raise TrainerError(f"reward server ({op}): {reply.get('error')}")
        return reply

    def rewards(self, images: torch.Tensor, prompts: Sequence[PromptFields]) -> List[Dict[str, Any]]:
        """uint8 images [B, 3, S, S] with their prompts -> per image {paper, paperMean, calibrated, probabilityHigh, canonical}."""
        return self.submit_rewards(images, prompts).result()

    def submit_rewards(self, images: torch.Tensor, prompts: Sequence[PromptFields]) -> "Future[List[Dict[str, Any]]]":
        """As `rewards`, without waiting: PNG encoding and scoring run beside the caller."""
        images = images.clone()  # the caller may reuse its buffer before the worker encodes it
        return self._worker.submit(lambda: self._exchange("reward", {"items": self._items(images, prompts)})["rewards"])

    def true_kpis(self, images: torch.Tensor, prompts: Sequence[PromptFields]) -> List[float]:
        return self.submit_true_kpis(images, prompts).result()

    def submit_true_kpis(self, images: torch.Tensor, prompts: Sequence[PromptFields]) -> "Future[List[float]]":
        images = images.clone()
        return self._worker.submit(lambda: [float(k) for k in self._exchange("true_kpi", {"items": self._items(images, prompts)})["kpis"]])

    @staticmethod
    def _items(images: torch.Tensor, prompts: Sequence[PromptFields]) -> List[Dict[str, Any]]:
        return [{**p.to_json(), "png": png_base64(image)} for image, p in zip(images, list(prompts))]

    def set_reference(self, images: torch.Tensor) -> int:
        """uint8 [N, 3, S, S] real images: the FID-like reference of later fid_like calls."""
        return int(self.call_with("set_reference", pngs=[png_base64(image) for image in images])["images"])

    def fid_like(self, images: torch.Tensor) -> float:
        """FID-like distance (MobileNetV2 features, server/eval/fidLike.ts) of uint8 images to the reference."""
        return float(self.call_with("fid_like", pngs=[png_base64(image) for image in images])["fidLike"])

    def close(self) -> None:
        self._worker.shutdown(wait=True)
        if self._process.poll() is None:
            assert self._process.stdin is not None
            self._process.stdin.close()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()

    def __enter__(self) -> "RewardBridge":
        return self

    def __exit__(self, *_: Any) -> None:
        self.close()
