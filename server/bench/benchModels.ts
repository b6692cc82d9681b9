/**
 * Model-level workloads of `boig bench` (issue 8, SPEC §7), each timed beside its reference in
 * the same process run on the same weights, medians after a warm-up:
 *   - BoigLLM decoding of 96 tokens with the KV cache vs recomputing the whole sequence each step
 *     (the same greedy tokens: checked);
 *   - BoigSD, 4 images at the served resolution and step count (text encoder, CFG UNet steps, VAE
 *     decode) in TypeScript/ONNX vs the trainer's PyTorch eager pipeline (bench_reference.py);
 *   - reward scoring throughput, batched vs one image at a time.
 * The FLOP floor of a workload is its multiply-add FLOPs (counted on the ONNX graphs) at the
 * attainable rate of this CPU, measured with a 1024² MatMul in the same onnxruntime.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import * as ort from "onnxruntime-node";
import { env } from "../env";
import { computeRewards, rewardRequest } from "../llm/reward";
import { emptyCache, forward, type BoigLlm } from "../ml/boigLlm";
import type { BoigSd } from "../ml/boigSd";
import { sampleLatents } from "../sd/sampleLatents";
import { sdPromptIds, sdPromptText } from "../sd/sdPrompt";
import { parseCanonicalText } from "../verbalize/canonical";

export type Workload = {
  workload: string;
  unit: "ms" | "images/s" | "samples/s";
  ours: number;
  reference: number | null;
  referenceWhat: string;
  /** > 1: ours is better (faster, or more images per second). */
  ratio: number | null;
  floorMs: number | null;
  percentOfFloor: number | null;
  notes: string[];
};

export const median = (values: readonly number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

async function timeRuns(runs: number, once: () => Promise<unknown>): Promise<number[]> {
  await once(); // warm-up
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    await once();
    times.push(performance.now() - started);
  }
  return times;
}

/** Runs a trainer bench module (bench_reference by default) and returns the JSON object it prints last. */
export function python(args: string[], module = "boig_trainer.bench_reference"): Record<string, unknown> {
  const { BOIG_PYTHON, repoRoot } = env();
  const out = execFileSync(BOIG_PYTHON, ["-m", module, ...args], {
    cwd: path.join(repoRoot, "models"),
    env: { ...process.env, PYTHONPATH: path.join(repoRoot, "models") },
    encoding: "utf8",
    maxBuffer: 16 * 1024 * 1024,
  });
  return JSON.parse(out.trim().split("\n").at(-1)!);
}

/** FLOP/s a plain 1024² float32 MatMul reaches in this onnxruntime (the best of a few runs). */
export async function measureOrtRate(): Promise<number> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "boig-bench-rate-"));
  try {
    const file = path.join(dir, "matmul.onnx");
    const { flops } = python(["matmul-model", "--out", file, "--size", "1024"]) as { flops: number };
    const session = await ort.InferenceSession.create(file);
    const data = new Float32Array(1024 * 1024).map((_, i) => ((i * 7919) % 1000) / 1000);
    const feeds = { a: new ort.Tensor("float32", data, [1024, 1024]), b: new ort.Tensor("float32", data, [1024, 1024]) };
    const times = await timeRuns(7, () => session.run(feeds));
    return flops / (Math.min(...times) / 1000);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function onnxFlops(file: string, dims: Record<string, number>): number {
  const spec = Object.entries(dims).map(([k, v]) => `${k}=${v}`).join(",");
  return (python(["flops", "--model", file, "--dims", spec]) as { flops: number }).flops;
}

/** Greedy argmax decode of `tokens` tokens after `prompt`, with or without the KV cache. */
async function greedyDecode(llm: BoigLlm, prompt: number[], tokens: number, useCache: boolean): Promise<number[]> {
  const ids = [...prompt];
  const vocab = llm.tokenizer.size;
  const argmaxLast = (logits: Float32Array, seq: number) => {
    const base = (seq - 1) * vocab;
    let best = 0;
    for (let v = 1; v < vocab; v++) if (logits[base + v]! > logits[base + best]!) best = v;
    return best;
  };
  let step = await forward(llm, [ids], [ids.map(() => 1)], emptyCache(llm, 1));
  for (let t = 0; t < tokens; t++) {
    const next = argmaxLast(step.logits, step.seq);
    ids.push(next);
    if (t === tokens - 1) break;
    step = useCache
      ? await forward(llm, [[next]], [ids.map(() => 1)], step.cache)
      : await forward(llm, [ids], [ids.map(() => 1)], emptyCache(llm, 1)); // the whole sequence again
  }
  return ids.slice(prompt.length);
}

export async function benchLlmDecode(llm: BoigLlm, runs: number): Promise<Workload[]> {
  const prompt = [llm.tokenizer.bosId, ...llm.tokenizer.encode("social ; brand brand 00 ; 2024 07 ; summer launch of the new bottle on the beach ; kpi high"), llm.tokenizer.sepId];
  const tokens = Math.min(96, llm.context - prompt.length);
  const cached = await greedyDecode(llm, prompt, tokens, true);
  const uncached = await greedyDecode(llm, prompt, tokens, false);
  const same = cached.every((t, i) => t === uncached[i]);
  const ours = median(await timeRuns(runs, () => greedyDecode(llm, prompt, tokens, true)));
  const reference = median(await timeRuns(runs, () => greedyDecode(llm, prompt, tokens, false)));
  const eager = python(["llm", "--artifact", llm.artifactDir, "--prompt", prompt.join(","), "--tokens", String(tokens), "--runs", String(runs), "--threads", String(os.cpus().length)]) as {
    runs_ms: number[];
    tokens: number[];
  };
  const eagerMs = median(eager.runs_ms);
  const sameAsEager = eager.tokens.length === cached.length && eager.tokens.every((t, i) => t === cached[i]);
  const versusEager: Workload = {
    workload: `BoigLLM: decode ${tokens} tokens, TypeScript/ONNX vs PyTorch`,
    unit: "ms",
    ours,
    reference: eagerMs,
    referenceWhat: `PyTorch eager with its KV cache (BoigLM from the ONNX graph's weights, golden-checked; ${os.cpus().length} threads)`,
    ratio: eagerMs / ours,
    floorMs: null,
    percentOfFloor: null,
    notes: [sameAsEager ? "identical greedy tokens in TypeScript and PyTorch" : "WARNING: TypeScript and PyTorch greedy tokens differ"],
  };
  return [{
    workload: `BoigLLM: decode ${tokens} tokens, KV cache`,
    unit: "ms",
    ours,
    reference,
    referenceWhat: "the same ONNX model without the cache (whole sequence every step)",
    ratio: reference / ours,
    floorMs: null,
    percentOfFloor: null,
    notes: [same ? "identical greedy tokens with and without the cache" : "WARNING: cached and uncached decodes differ"],
  }, versusEager];
}

export async function benchSdSampling(sd: BoigSd, runs: number, orRate: number, options: { variants: number; steps: number }): Promise<Workload> {
  const text = sdPromptText({ kind: "social", brand: "brand_00", caption: "summer launch of the new bottle on the beach", keywords: ["summer", "bottle"] });
  const { ids } = sdPromptIds(sd.tokenizer, text, sd.maxTokens);
  const inputIds = Array.from({ length: options.variants }, () => ids);
  let seed = 0;
  const ours = median(await timeRuns(runs, () => sampleLatents(sd, { inputIds, steps: options.steps, eta: 1, guidanceScale: 3, seed: seed++ })));
  const reference = python(["sd", "--artifact", sd.artifactDir, "--batch", String(options.variants), "--steps", String(options.steps), "--runs", String(runs), "--threads", String(os.cpus().length)]) as { runs_ms: number[] };
  const rows = 2 * options.variants; // classifier-free guidance: unconditional + conditional rows
  const flops =
    onnxFlops(path.join(sd.artifactDir, "text_encoder.onnx"), { batch: rows, seq: sd.maxTokens }) +
    options.steps * onnxFlops(path.join(sd.artifactDir, "unet.onnx"), { batch: rows, seq: sd.maxTokens }) +
    onnxFlops(path.join(sd.artifactDir, "vae_decoder.onnx"), { batch: options.variants });
  const floorMs = (flops / orRate) * 1000;
  const referenceMs = median(reference.runs_ms);
  return {
    workload: `BoigSD: ${options.variants} images, ${options.steps} DDIM steps, ${sd.imageSize}px`,
    unit: "ms",
    ours,
    reference: referenceMs,
    referenceWhat: `PyTorch ${"eager"} (models/boig_trainer sd_ddim.ddim_sample, same weights, ${os.cpus().length} threads)`,
    ratio: referenceMs / ours,
    floorMs,
    percentOfFloor: (100 * floorMs) / ours,
    notes: [`${(flops / 1e9).toFixed(2)} GFLOP per call`],
  };
}

export async function benchRewardThroughput(llm: BoigLlm, canonicals: readonly string[], runs: number): Promise<Workload> {
  const requests = canonicals.map((canonical, i) =>
    rewardRequest(
      { kind: "social", brand: "brand_00", postedAt: new Date(Date.UTC(2024, 0, 1 + i)), caption: "summer launch of the new bottle", keywords: ["summer"] },
      parseCanonicalText(canonical),
    ),
  );
  const batched = median(await timeRuns(runs, () => computeRewards(llm, requests, { batchSize: 32 })));
  const single = median(
    await timeRuns(runs, async () => {
      for (const request of requests) await computeRewards(llm, [request], { batchSize: 1 });
    }),
  );
  const perSecond = (ms: number) => (requests.length * 1000) / ms;
  return {
    workload: `reward scoring (${requests.length} images, batched by 32)`,
    unit: "images/s",
    ours: perSecond(batched),
    reference: perSecond(single),
    referenceWhat: "one image at a time",
    ratio: perSecond(batched) / perSecond(single),
    floorMs: null,
    percentOfFloor: null,
    notes: [],
  };
}
