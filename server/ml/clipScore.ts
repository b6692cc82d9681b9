/**
 * BoigCLIP in onnxruntime-node: the image–text agreement score of SPEC §6 (the paper's CLIP score,
 * from a small contrastive model trained here: models/boig_trainer/clip_*.py, docs/boigsd.md).
 * Two graphs: image_encoder.onnx (sample [batch, 3, 64, 64] in [−1, 1] → unit-norm image_embeds
 * [batch, E]) and text_encoder.onnx (input_ids [batch, seq] → unit-norm text_embeds [batch, E]).
 * The agreement of an (image, prompt) pair is the cosine of their embeddings, in [−1, 1].
 * Prompts are BoigSD's prompt text (server/sd/sdPrompt.ts), tokenized with the artifact's vocab.
 * Invariant: both graphs and vocab.json are sha256-verified against the manifest before use.
 */
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import path from "node:path";
import * as ort from "onnxruntime-node";
import { z } from "zod";
import { modelInvalid } from "../errors";
import { Tokenizer } from "../llm/tokenizer";
import { sdPromptIds } from "../sd/sdPrompt";
import type { RgbaImage } from "../verbalize/types";
import type { Manifest } from "./manifest";
import { loadModel, type LoadedModel } from "./onnxSession";
import { writeImageTensor } from "./sceneDetector";

/** Rows per onnxruntime call: bounds memory for large batches (64 images = 3 MB of input). */
const CHUNK = 64;

const clipSectionSchema = z.object({
  tokenizer: z.object({ max_tokens: z.number().int().min(2), pad_id: z.number().int(), bos_id: z.number().int(), eos_id: z.number().int() }),
  image: z.object({ size: z.number().int().positive() }),
  embed_dim: z.number().int().positive(),
  logit_scale: z.number().positive(),
});

export type BoigClip = {
  artifactDir: string;
  name: string;
  version: string;
  tokenizer: Tokenizer;
  maxTokens: number;
  imageSize: number;
  embedDim: number;
  /** The learned softmax scale (1 / temperature); not needed for cosines. */
  logitScale: number;
  imageEncoder: LoadedModel;
  textEncoder: LoadedModel;
};

/** A JSON file the manifest lists, read only if its bytes have the listed sha256. */
async function readVerifiedJson(dir: string, manifest: Manifest, file: string): Promise<unknown> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path.join(dir, file));
  } catch (error) {
    throw modelInvalid(`cannot read ${dir}/${file}: ${(error as Error).message}`, { artifactDir: dir });
  }
  const actualSha256 = createHash("sha256").update(bytes).digest("hex");
  if (manifest.files[file]?.sha256 !== actualSha256)
    throw modelInvalid(`${dir}/${file} does not match the sha256 in its manifest`, { artifactDir: dir, actualSha256 });
  return JSON.parse(bytes.toString("utf8"));
}

export async function loadBoigClip(artifactDir: string): Promise<BoigClip> {
  const dir = path.resolve(artifactDir);
  const [imageEncoder, textEncoder] = await Promise.all([loadModel(dir, "image_encoder.onnx"), loadModel(dir, "text_encoder.onnx")]);
  const manifest = imageEncoder.manifest;
  const clip = clipSectionSchema.safeParse(manifest.clip);
  if (!clip.success) throw modelInvalid(`${dir}/manifest.json has no valid "clip" section: ${clip.error.message}`, { artifactDir: dir });
  const tokenizer = Tokenizer.fromJson(await readVerifiedJson(dir, manifest, "vocab.json"));
  const ids = clip.data.tokenizer;
  if (ids.pad_id !== tokenizer.padId || ids.bos_id !== tokenizer.bosId || ids.eos_id !== tokenizer.eosId)
    throw modelInvalid(`${dir}/manifest.json: special token ids differ from the tokenizer's`, { artifactDir: dir });
  return {
    artifactDir: dir,
    name: manifest.name,
    version: manifest.version,
    tokenizer,
    maxTokens: ids.max_tokens,
    imageSize: clip.data.image.size,
    embedDim: clip.data.embed_dim,
    logitScale: clip.data.logit_scale,
    imageEncoder,
    textEncoder,
  };
}

/** Images (any size: area-resized, alpha ignored) → the image encoder's input, NCHW in [−1, 1]. */
export function clipImageTensor(images: readonly RgbaImage[], size: number): ort.Tensor {
  const plane = 3 * size * size;
  const data = new Float32Array(images.length * plane);
  images.forEach((image, i) => writeImageTensor(image, size, data, i * plane)); // [0, 1]
  for (let i = 0; i < data.length; i++) data[i] = data[i]! * 2 - 1; // the trainer's pixel / 127.5 − 1
  return new ort.Tensor("float32", data, [images.length, 3, size, size]);
}

async function embedInChunks(count: number, dim: number, run: (start: number, end: number) => Promise<Float32Array>): Promise<Float32Array> {
  const out = new Float32Array(count * dim);
  for (let start = 0; start < count; start += CHUNK) {
    const end = Math.min(count, start + CHUNK);
    out.set(await run(start, end), start * dim);
  }
  return out;
}

/** Unit-norm image embeddings, row-major [images.length × embedDim]. */
export function embedImages(clip: BoigClip, images: readonly RgbaImage[]): Promise<Float32Array> {
  return embedInChunks(images.length, clip.embedDim, async (start, end) => {
    const { image_embeds } = await clip.imageEncoder.run({ sample: clipImageTensor(images.slice(start, end), clip.imageSize) });
    return image_embeds!.data as Float32Array;
  });
}

/** Unit-norm text embeddings of prompt texts (sdPromptText's format), row-major [prompts.length × embedDim]. */
export function embedPrompts(clip: BoigClip, prompts: readonly string[]): Promise<Float32Array> {
  return embedInChunks(prompts.length, clip.embedDim, async (start, end) => {
    const rows = prompts.slice(start, end).map((prompt) => sdPromptIds(clip.tokenizer, prompt, clip.maxTokens).ids);
    const ids = BigInt64Array.from(rows.flat(), (id) => BigInt(id));
    const { text_embeds } = await clip.textEncoder.run({ input_ids: new ort.Tensor("int64", ids, [rows.length, clip.maxTokens]) });
    return text_embeds!.data as Float32Array;
  });
}

/** Dot product of row i of `a` and row j of `b` (both [n × dim]): the cosine of unit vectors. */
export function rowDot(a: Float32Array, i: number, b: Float32Array, j: number, dim: number): number {
  let dot = 0;
  for (let d = 0; d < dim; d++) dot += a[i * dim + d]! * b[j * dim + d]!;
  return dot;
}

export type ClipPair = { image: RgbaImage; prompt: string };

/** The image–text agreement of each (image, prompt text) pair: the cosine of their embeddings, in [−1, 1]. */
export async function clipAgreement(clip: BoigClip, pairs: readonly ClipPair[]): Promise<number[]> {
  const images = await embedImages(clip, pairs.map((pair) => pair.image));
  const texts = await embedPrompts(clip, pairs.map((pair) => pair.prompt));
  return pairs.map((_, i) => rowDot(images, i, texts, i, clip.embedDim));
}
