"""References and FLOP counts for `npx boig bench` (issue 8), run as a subprocess by the TypeScript
bench so both sides time the same weights on the same machine in one bench run:

  python -m boig_trainer.bench_reference sd --artifact DIR --batch 4 --steps 10 --runs 5 --threads 2
      PyTorch eager: text encoder, DDIM with classifier-free guidance over the UNet (eta 1), VAE
      decode — the same pipeline as server/sd/sampleLatents.ts, from the artifact's weights.pt.
  python -m boig_trainer.bench_reference llm --artifact DIR --prompt 2,17,... --tokens 96 --runs 5
      PyTorch eager BoigLLM greedy decoding with its KV cache. The artifact holds only the ONNX
      graph, so the PyTorch weights are read back from its initializers (each Linear's weight is a
      transposed MatMul initializer, in graph order) and checked against the artifact's golden
      fixture (allclose at its tolerances) before anything is timed.
  python -m boig_trainer.bench_reference flops --model FILE.onnx --dims batch=8,seq=48
      Multiply-add FLOPs of an ONNX graph (Conv, ConvTranspose, MatMul, Gemm; 2 per MAC) after
      shape inference with the given symbolic dimensions: the FLOP floor's numerator.
  python -m boig_trainer.bench_reference matmul-model --out FILE.onnx --size 1024
      A single 1024x1024 @ 1024x1024 MatMul graph: timed in onnxruntime-node, it gives the
      attainable FLOP rate of this CPU (the floor's denominator).

Prints one JSON object on stdout."""
import argparse
import json
import sys
import time
from pathlib import Path
from typing import Dict, List

import torch

from .sd_data import empty_prompt_ids, encode_prompt, prompt_text
from .sd_ddim import ddim_sample
from .sd_weights import load_pipeline_weights

BENCH_PROMPT = ("social", "brand_00", "summer launch of the new bottle on the beach", ["summer", "bottle"])


def bench_sd(args: argparse.Namespace) -> Dict[str, object]:
    torch.set_num_threads(args.threads)
    pipeline, tokenizer, manifest = load_pipeline_weights(Path(args.artifact))
    max_tokens = pipeline.config.max_tokens
    ids, _ = encode_prompt(tokenizer, prompt_text(*BENCH_PROMPT), max_tokens)
    input_ids = torch.tensor([ids] * args.batch, dtype=torch.int64)  # [B, L]
    uncond = torch.tensor([empty_prompt_ids(tokenizer, max_tokens)] * args.batch, dtype=torch.int64)  # [B, L]
    size = pipeline.config.image_size // 4  # latent side (the VAE downsamples 4x)
    generator = torch.Generator().manual_seed(0)

    def once() -> float:
        init = torch.randn(args.batch, pipeline.config.latent_channels, size, size, generator=generator)  # [B, 4, h, w]
        noises = torch.randn(args.steps, args.batch, pipeline.config.latent_channels, size, size, generator=generator)  # [S, B, 4, h, w]
        started = time.perf_counter()
        ddim_sample(pipeline, input_ids, uncond, init, noises, args.steps, 1.0, 3.0)
        return (time.perf_counter() - started) * 1000

    once()  # warm-up: allocator, first-call paths
    runs = [once() for _ in range(args.runs)]
    return {"workload": "sd", "runs_ms": runs, "batch": args.batch, "steps": args.steps, "threads": args.threads, "torch": torch.__version__, "model": manifest.get("version")}


def boigllm_from_onnx(artifact: Path):
    import numpy as np
    import onnx
    from onnx import numpy_helper

    from .llm_config import LlmTrainConfig
    from .llm_model import BoigLM

    manifest = json.loads((artifact / "manifest.json").read_text())
    config = LlmTrainConfig.from_dict(manifest["training"]["config"])
    model = BoigLM(config).eval()
    graph = onnx.load(str(artifact / "model.onnx")).graph
    inits = {t.name: numpy_helper.to_array(t) for t in graph.initializer}
    state = {name: torch.from_numpy(np.array(value)) for name, value in inits.items() if name.startswith("model.")}
    state = {name[len("model."):]: value for name, value in state.items()}
    linear_weights = [inits[n.input[1]] for n in graph.node if n.op_type == "MatMul" and n.input[1] in inits and not n.input[1].startswith("model.")]
    names = [f"blocks.{i}.{part}.weight" for i in range(config.n_layers) for part in ("attn.qkv", "attn.out", "mlp.0", "mlp.2")]
    for name, weight in zip(names, linear_weights):
        state[name] = torch.from_numpy(np.array(weight)).t().contiguous()  # ONNX stores x @ W^T's W^T
    missing = set(model.state_dict()) - set(state)
    if missing:
        raise SystemExit(f"could not map ONNX initializers to {sorted(missing)}")
    model.load_state_dict({k: state[k] for k in model.state_dict()})
    golden = json.loads((artifact / "golden.json").read_text())

    def tensor(spec):
        dtype = torch.int64 if spec["type"] == "int64" else torch.float32
        return torch.tensor(spec["data"], dtype=dtype).reshape(spec["dims"])

    feeds = golden["inputs"]
    past = [(tensor(feeds[f"past_key_values.{i}.key"]), tensor(feeds[f"past_key_values.{i}.value"])) for i in range(config.n_layers)]
    with torch.no_grad():
        logits, _ = model(tensor(feeds["input_ids"]), tensor(feeds["attention_mask"]), past)
    expected = tensor(golden["outputs"]["logits"])
    if not torch.allclose(logits, expected, rtol=golden["rtol"] * 10, atol=golden["atol"] * 10):
        raise SystemExit(f"PyTorch weights read from the ONNX graph do not reproduce its golden logits (max diff {(logits - expected).abs().max():.2e})")
    return model


def bench_llm(args: argparse.Namespace) -> Dict[str, object]:
    torch.set_num_threads(args.threads)
    model = boigllm_from_onnx(Path(args.artifact))
    prompt = [int(t) for t in args.prompt.split(",")]

    @torch.no_grad()
    def decode() -> List[int]:
        ids = torch.tensor([prompt], dtype=torch.int64)  # [1, T]
        logits, past = model(ids, torch.ones_like(ids))
        out: List[int] = []
        length = len(prompt)
        for _ in range(args.tokens):
            token = int(logits[0, -1].argmax())
            out.append(token)
            length += 1
            if len(out) == args.tokens:
                break
            logits, past = model(torch.tensor([[token]]), torch.ones(1, length, dtype=torch.int64), past)
        return out

    tokens = decode()  # warm-up, and the tokens the TypeScript side must match
    runs = []
    for _ in range(args.runs):
        started = time.perf_counter()
        decode()
        runs.append((time.perf_counter() - started) * 1000)
    return {"workload": "llm", "runs_ms": runs, "tokens": tokens, "threads": args.threads, "torch": torch.__version__}


def _dims(value: object) -> List[int]:
    return [d.dim_value for d in value.type.tensor_type.shape.dim]  # type: ignore[attr-defined]


def count_flops(args: argparse.Namespace) -> Dict[str, object]:
    import onnx
    from onnx import shape_inference

    fixed = dict(pair.split("=") for pair in args.dims.split(",") if pair)
    model = onnx.load(args.model)
    for value in model.graph.input:
        for dim in value.type.tensor_type.shape.dim:
            if dim.dim_param:
                if dim.dim_param not in fixed:
                    raise SystemExit(f"give --dims {dim.dim_param}=N for input {value.name}")
                dim.dim_value = int(fixed[dim.dim_param])
    inferred = shape_inference.infer_shapes(model)
    shapes = {v.name: _dims(v) for v in [*inferred.graph.value_info, *inferred.graph.input, *inferred.graph.output]}
    shapes.update({t.name: list(t.dims) for t in inferred.graph.initializer})
    flops = 0
    by_op: Dict[str, int] = {}
    for node in inferred.graph.node:
        out = shapes.get(node.output[0])
        if not out or any(d <= 0 for d in out):
            continue
        if node.op_type in ("Conv", "ConvTranspose"):
            weight = shapes[node.input[1]]  # [Cout, Cin/groups, kH, kW] (ConvTranspose: [Cin, Cout/groups, kH, kW])
            per_output = 1
            for d in weight[1:]:
                per_output *= d
            positions = 1
            for d in out[2:]:
                positions *= d
            count = 2 * out[0] * out[1] * positions * per_output if node.op_type == "Conv" else 2 * shapes[node.input[0]][0] * weight[0] * weight[1] * weight[2] * weight[3] * (shapes[node.input[0]][2] * shapes[node.input[0]][3])
        elif node.op_type in ("MatMul", "Gemm"):
            a = shapes.get(node.input[0])
            if not a:
                continue
            k = a[-1] if not (node.op_type == "Gemm" and any(attr.name == "transA" and attr.i for attr in node.attribute)) else a[0]
            count = 2 * k
            for d in out:
                count *= d
        else:
            continue
        flops += count
        by_op[node.op_type] = by_op.get(node.op_type, 0) + count
    return {"model": args.model, "dims": fixed, "flops": flops, "by_op": by_op}


def matmul_model(args: argparse.Namespace) -> Dict[str, object]:
    import onnx
    from onnx import TensorProto, helper

    n = args.size
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["a", "b"], ["c"])],
        "matmul",
        [helper.make_tensor_value_info("a", TensorProto.FLOAT, [n, n]), helper.make_tensor_value_info("b", TensorProto.FLOAT, [n, n])],
        [helper.make_tensor_value_info("c", TensorProto.FLOAT, [n, n])],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.save(model, args.out)
    return {"out": args.out, "size": n, "flops": 2 * n * n * n}


def main(argv: List[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m boig_trainer.bench_reference")
    sub = parser.add_subparsers(dest="command", required=True)
    sd = sub.add_parser("sd")
    sd.add_argument("--artifact", required=True)
    sd.add_argument("--batch", type=int, default=4)
    sd.add_argument("--steps", type=int, default=10)
    sd.add_argument("--runs", type=int, default=5)
    sd.add_argument("--threads", type=int, default=2)
    llm = sub.add_parser("llm")
    llm.add_argument("--artifact", required=True)
    llm.add_argument("--prompt", required=True, help="comma-separated token ids")
    llm.add_argument("--tokens", type=int, default=96)
    llm.add_argument("--runs", type=int, default=5)
    llm.add_argument("--threads", type=int, default=2)
    flops = sub.add_parser("flops")
    flops.add_argument("--model", required=True)
    flops.add_argument("--dims", default="")
    mm = sub.add_parser("matmul-model")
    mm.add_argument("--out", required=True)
    mm.add_argument("--size", type=int, default=1024)
    args = parser.parse_args(argv)
    result = {"sd": bench_sd, "llm": bench_llm, "flops": count_flops, "matmul-model": matmul_model}[args.command](args)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
