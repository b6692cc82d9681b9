/**
 * BoigLLM in onnxruntime-node (SPEC §4): the exported causal LM with a KV cache
 * (models/boig_trainer/llm_export.py, docs/boigllm.md §4) plus its word-level tokenizer.
 * Invariants: the artifact is sha256-verified (loadModel) and its vocab.json is the tokenizer the
 * model was trained with (also hashed in the manifest); every forward pass keeps
 * attention_mask.length == past_seq + seq, so left-padded rows decode like unpadded ones
 * (positions are cumsum(mask) - 1 inside the graph).
 */
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import path from "node:path";
import * as ort from "onnxruntime-node";
import { z } from "zod";
import { env } from "../env";
import { modelInvalid } from "../errors";
import { Tokenizer } from "../llm/tokenizer";
import { loadModel, type LoadedModel } from "./onnxSession";

export const BOIGLLM_NAMES = ["boigllm", "boigllm-nokpi", "boigllm-reward"] as const;
export type BoigLlmName = (typeof BOIGLLM_NAMES)[number];

/** The committed default models: BoigLLM (behavior), the no-KPI baseline (SPEC §4 baseline a) and the reward checkpoint. */
export const defaultBoigLlmDir = (name: BoigLlmName = "boigllm") => path.join(env().repoRoot, "models/artifacts", name);

const llmSectionSchema = z.object({
  variant: z.enum(["behavior", "nokpi"]),
  context: z.number().int().positive(),
  n_layers: z.number().int().positive(),
  n_heads: z.number().int().positive(),
  head_dim: z.number().int().positive(),
  vocab_size: z.number().int().positive(),
});

export type BoigLlm = {
  artifactDir: string;
  name: string;
  version: string;
  variant: "behavior" | "nokpi";
  context: number;
  nLayers: number;
  nHeads: number;
  headDim: number;
  tokenizer: Tokenizer;
  model: LoadedModel;
};

/** Past keys/values of every layer, [batch, heads, past_seq, head_dim] each. */
export type KvCache = { keys: ort.Tensor[]; values: ort.Tensor[]; length: number };

const loaded = new Map<string, Promise<BoigLlm>>();

export function loadBoigLlm(artifactDir: string = defaultBoigLlmDir()): Promise<BoigLlm> {
  const dir = path.resolve(artifactDir);
  const cached = loaded.get(dir);
  if (cached) return cached;
  const loading = open(dir);
  loaded.set(dir, loading);
  loading.catch(() => loaded.get(dir) === loading && loaded.delete(dir));
  return loading;
}

async function open(dir: string): Promise<BoigLlm> {
  const model = await loadModel(dir);
  const manifest = model.manifest;
  const llm = llmSectionSchema.safeParse(manifest.llm);
  if (!llm.success) throw modelInvalid(`${dir}/manifest.json has no valid "llm" section: ${llm.error.message}`, { artifactDir: dir });
  const vocabEntry = manifest.files["vocab.json"];
  let vocabBytes: Buffer;
  try {
    vocabBytes = await readFile(path.join(dir, "vocab.json"));
  } catch (error) {
    throw modelInvalid(`cannot read ${dir}/vocab.json: ${(error as Error).message}`, { artifactDir: dir });
  }
  const sha = createHash("sha256").update(vocabBytes).digest("hex");
  if (!vocabEntry || vocabEntry.sha256 !== sha)
    throw modelInvalid(`${dir}/vocab.json does not match the sha256 in its manifest`, { artifactDir: dir, actualSha256: sha });
  const tokenizer = Tokenizer.fromJson(JSON.parse(vocabBytes.toString("utf8")));
  if (tokenizer.size !== llm.data.vocab_size)
    throw modelInvalid(`${dir}: vocab.json has ${tokenizer.size} tokens, the model ${llm.data.vocab_size}`, { artifactDir: dir });
  return {
    artifactDir: dir,
    name: manifest.name,
    version: manifest.version,
    variant: llm.data.variant,
    context: llm.data.context,
    nLayers: llm.data.n_layers,
    nHeads: llm.data.n_heads,
    headDim: llm.data.head_dim,
    tokenizer,
    model,
  };
}

export function emptyCache(llm: BoigLlm, batch: number): KvCache {
  const empty = () => new ort.Tensor("float32", new Float32Array(0), [batch, llm.nHeads, 0, llm.headDim]);
  return {
    keys: Array.from({ length: llm.nLayers }, empty),
    values: Array.from({ length: llm.nLayers }, empty),
    length: 0,
  };
}

const int64 = (rows: readonly (readonly number[])[]) => {
  const width = rows[0]?.length ?? 0;
  const data = new BigInt64Array(rows.length * width);
  rows.forEach((row, b) => row.forEach((v, t) => (data[b * width + t] = BigInt(v))));
  return new ort.Tensor("int64", data, [rows.length, width]);
};

/**
 * One forward pass: `inputIds` [batch][seq] continue `cache` (length past_seq);
 * `attentionMask` [batch][past_seq + seq]. Returns logits [batch, seq, vocab] (flat) and the
 * grown cache.
 */
export async function forward(
  llm: BoigLlm,
  inputIds: readonly (readonly number[])[],
  attentionMask: readonly (readonly number[])[],
  cache: KvCache,
): Promise<{ logits: Float32Array; seq: number; cache: KvCache }> {
  const seq = inputIds[0]?.length ?? 0;
  if (attentionMask[0]?.length !== cache.length + seq)
    throw new Error(`attention mask covers ${attentionMask[0]?.length} positions, expected past ${cache.length} + ${seq}`);
  const feeds: Record<string, ort.Tensor> = { input_ids: int64(inputIds), attention_mask: int64(attentionMask) };
  for (let i = 0; i < llm.nLayers; i++) {
    feeds[`past_key_values.${i}.key`] = cache.keys[i]!;
    feeds[`past_key_values.${i}.value`] = cache.values[i]!;
  }
  const out = await llm.model.run(feeds);
  const next: KvCache = {
    keys: Array.from({ length: llm.nLayers }, (_, i) => out[`present.${i}.key`]!),
    values: Array.from({ length: llm.nLayers }, (_, i) => out[`present.${i}.value`]!),
    length: cache.length + seq,
  };
  return { logits: out.logits!.data as Float32Array, seq, cache: next };
}
