/**
 * Generates image variants for a marketer's prompt with the served BoigSD (SPEC §5): the prompt
 * fields become the diffusion prompt (sdPrompt.ts, as the trainer builds it), then DDIM with
 * classifier-free guidance over the ONNX UNet and the VAE decoder. Variant i uses seed + i, so a
 * generation is reproducible and a single variant can be regenerated alone.
 *
 * Defaults are the sampler DDPO trained (ddpo_config.py default preset): 10 DDIM steps, eta 1,
 * guidance 3 — the aligned policy is the stochastic one (Black et al. 2023 sample with eta 1).
 */
import { z } from "zod";
import { sampleLatents } from "../sd/sampleLatents";
import { sdPromptIds, sdPromptText } from "../sd/sdPrompt";
import { encodePng, toRgbaImages } from "../sd/toPng";
import type { RgbaImage } from "../verbalize/types";
import { loadServedBoigSd } from "./loadServedBoigSd";
import { checkBrand, promptFieldsShape, resolveKind } from "./promptFieldsInput";
import { parseInput } from "./validation";

export const DEFAULT_GENERATION = { variants: 4, steps: 10, eta: 1, guidance: 3 } as const;

export const generateImagesInput = z
  .object({
    ...promptFieldsShape,
    variants: z.number().int().min(1, { error: "must be at least 1" }).max(8, { error: "must be at most 8" }).default(DEFAULT_GENERATION.variants),
    seed: z.number().int().min(0).max(2 ** 31 - 1).default(0),
    steps: z.number().int().min(1).max(100).default(DEFAULT_GENERATION.steps),
    eta: z.number().min(0).max(1).default(DEFAULT_GENERATION.eta),
    guidance: z.number().min(0).max(20).default(DEFAULT_GENERATION.guidance),
  })
  .superRefine(checkBrand);
export type GenerateImagesInput = z.input<typeof generateImagesInput>;

export type GeneratedImage = { seed: number; png: Uint8Array; image: RgbaImage };
export type Generation = {
  promptText: string;
  promptTruncated: boolean;
  images: GeneratedImage[];
  model: { name: string; version: string; dir: string };
  settings: { steps: number; eta: number; guidance: number };
};

export async function generateImages(input: GenerateImagesInput, options: { modelDir?: string; onImage?: (i: number) => void } = {}): Promise<Generation> {
  const valid = parseInput(generateImagesInput, input);
  const sd = await loadServedBoigSd(options.modelDir);
  const kind = resolveKind(valid);
  const promptText = sdPromptText({ kind, brand: kind === "social" ? valid.brand! : null, caption: valid.prompt, keywords: valid.keywords });
  const { ids, truncated } = sdPromptIds(sd.tokenizer, promptText, sd.maxTokens);
  const images: GeneratedImage[] = [];
  // One sampler call per variant: variant i depends on seed + i only (not on how many were asked
  // for), and each finished variant can be reported while the next one runs.
  for (let i = 0; i < valid.variants; i++) {
    const seed = valid.seed + i;
    const result = await sampleLatents(sd, { inputIds: [ids], steps: valid.steps, eta: valid.eta, guidanceScale: valid.guidance, seed });
    const [image] = toRgbaImages(result.images, 1, sd.imageSize);
    images.push({ seed, png: encodePng(image!), image: image! });
    options.onImage?.(i);
  }
  return {
    promptText,
    promptTruncated: truncated,
    images,
    model: { name: sd.name, version: sd.version, dir: sd.artifactDir },
    settings: { steps: valid.steps, eta: valid.eta, guidance: valid.guidance },
  };
}
