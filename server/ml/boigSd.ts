/**
 * BoigSD in onnxruntime-node (SPEC §5): the four graphs of Stable Diffusion's ONNX pipeline
 * (text_encoder, unet, vae_decoder, vae_encoder; models/boig_trainer/sd_export.py) plus the
 * prompt tokenizer and the noise schedule from the manifest's `sd` section.
 * Invariant: every graph is sha256-verified against the manifest (loadModel) before it runs.
 */
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";
import { modelInvalid } from "../errors";
import { Tokenizer } from "../llm/tokenizer";
import type { Schedule } from "../sd/ddim";
import { loadModel, type LoadedModel } from "./onnxSession";

const sdSectionSchema = z.object({
  tokenizer: z.object({ max_tokens: z.number().int().positive(), pad_id: z.number().int(), bos_id: z.number().int(), eos_id: z.number().int() }),
  latent: z.object({ channels: z.number().int().positive(), size: z.number().int().positive(), scale: z.number().positive() }),
  image: z.object({ size: z.number().int().positive() }),
  scheduler: z.object({
    train_timesteps: z.number().int().positive(),
    steps_offset: z.number().int().nonnegative(),
    final_alpha_cumprod: z.number().positive(),
    alphas_cumprod: z.array(z.number().positive()),
  }),
  guidance: z.object({ default_scale: z.number() }),
});

export type BoigSd = {
  artifactDir: string;
  name: string;
  version: string;
  tokenizer: Tokenizer;
  maxTokens: number;
  latent: { channels: number; size: number; scale: number };
  imageSize: number;
  schedule: Schedule & { trainTimesteps: number; stepsOffset: number };
  defaultGuidance: number;
  textEncoder: LoadedModel;
  unet: LoadedModel;
  vaeDecoder: LoadedModel;
  vaeEncoder: LoadedModel;
};

export async function loadBoigSd(artifactDir: string): Promise<BoigSd> {
  const dir = path.resolve(artifactDir);
  const [textEncoder, unet, vaeDecoder, vaeEncoder] = await Promise.all(
    ["text_encoder.onnx", "unet.onnx", "vae_decoder.onnx", "vae_encoder.onnx"].map((file) => loadModel(dir, file)),
  );
  const manifest = unet!.manifest;
  const sd = sdSectionSchema.safeParse(manifest.sd);
  if (!sd.success) throw modelInvalid(`${dir}/manifest.json has no valid "sd" section: ${sd.error.message}`, { artifactDir: dir });
  let vocabBytes: Buffer;
  try {
    vocabBytes = await readFile(path.join(dir, "vocab.json"));
  } catch (error) {
    throw modelInvalid(`cannot read ${dir}/vocab.json: ${(error as Error).message}`, { artifactDir: dir });
  }
  const vocabSha = createHash("sha256").update(vocabBytes).digest("hex");
  if (manifest.files["vocab.json"]?.sha256 !== vocabSha)
    throw modelInvalid(`${dir}/vocab.json does not match the sha256 in its manifest`, { artifactDir: dir, actualSha256: vocabSha });
  const vocab: unknown = JSON.parse(vocabBytes.toString("utf8"));
  const { tokenizer, latent, image, scheduler, guidance } = sd.data;
  return {
    artifactDir: dir,
    name: manifest.name,
    version: manifest.version,
    tokenizer: Tokenizer.fromJson(vocab),
    maxTokens: tokenizer.max_tokens,
    latent,
    imageSize: image.size,
    schedule: {
      alphasCumprod: Float32Array.from(scheduler.alphas_cumprod),
      finalAlphaCumprod: scheduler.final_alpha_cumprod,
      trainTimesteps: scheduler.train_timesteps,
      stepsOffset: scheduler.steps_offset,
    },
    defaultGuidance: guidance.default_scale,
    textEncoder: textEncoder!,
    unet: unet!,
    vaeDecoder: vaeDecoder!,
    vaeEncoder: vaeEncoder!,
  };
}
