/**
 * Scores images for a prompt with the BoigLLM reward (SPEC §4): decode → verbalize (colors, tones,
 * objects; SPEC §3.4) → both reward variants and the per-attribute breakdown (server/llm/reward.ts),
 * all images of a call in one batched scoring.
 *
 * Detector "auto": the scene detector for world-like renders, COCO for photos. The rule is the
 * image's shape: `boig world` renders are square PNGs of `imageSize` pixels (default 64, at most
 * 512), photos are rarely square and never that small, so a square image of at most
 * AUTO_SCENE_MAX_SIDE (128) pixels gets the scene detector, anything else COCO. Pass a detector
 * explicitly for square photo crops or large renders. A missing detector artifact is not an
 * error: objects are left out and a note says so (loadDetector).
 */
import { z } from "zod";
import { AppError, badInput } from "../errors";
import { computeRewards, rewardRequest, type AttributeContribution, type Reward } from "../llm/reward";
import { decodeImage, type DecodedImage } from "../verbalize/decodeImage";
import { droppedObjectLabels, parseCanonicalText, toCanonicalText } from "../verbalize/canonical";
import type { Verbalization } from "../verbalize/types";
import { verbalizeImage } from "../verbalize/verbalizeImage";
import { loadServedReward, modelInfo } from "./loadServedBoigLlm";
import { DETECTOR_CHOICES, loadDetector, type DetectorChoice } from "./loadDetector";
import { checkBrand, promptFieldsShape, toRewardPromptFields } from "./promptFieldsInput";
import { parseInput } from "./validation";

export const DETECTOR_MODES = ["auto", ...DETECTOR_CHOICES] as const;
export type DetectorMode = (typeof DETECTOR_MODES)[number];
/** Largest side of a square image "auto" treats as a world render (see the header). */
export const AUTO_SCENE_MAX_SIDE = 128;

export const scoreImageInput = z
  .object({
    ...promptFieldsShape,
    image: z.custom<Uint8Array>((v) => v instanceof Uint8Array, { error: "must be the bytes of a PNG or JPEG file" }),
    detector: z.enum(DETECTOR_MODES).default("auto"),
  })
  .superRefine(checkBrand);
export type ScoreImageInput = z.input<typeof scoreImageInput>;
type ValidInput = z.output<typeof scoreImageInput>;

export type ScoreOptions = {
  /** BoigLLM artifact folder that scores (default: the served reward model, servedRewardDir). */
  modelDir?: string;
  batchSize?: number;
  /** Per-attribute contributions (default true; 1 + attributes scorings per image). */
  breakdown?: boolean;
};

export type ScoredImage = {
  /** What BoigLLM read: the quantized verbalization of the image (caption rebuilt from it). */
  verbalization: Verbalization;
  canonical: string;
  detector: { choice: DetectorChoice; model: { name: string; version: string } | null };
  reward: Reward;
  breakdown: AttributeContribution[] | null;
  /** E.g. a missing detector artifact, or detected labels the canonical vocabulary cannot name. */
  notes: string[];
  model: { name: string; version: string };
};

export function autoDetector(image: Pick<DecodedImage, "width" | "height">): DetectorChoice {
  return image.width === image.height && image.width <= AUTO_SCENE_MAX_SIDE ? "scene" : "coco";
}

export async function scoreImage(input: ScoreImageInput, options: ScoreOptions = {}): Promise<ScoredImage> {
  const valid = parseInput(scoreImageInput, input);
  return (await scoreValid([valid], options, () => "image"))[0]!;
}

export async function scoreImages(inputs: readonly ScoreImageInput[], options: ScoreOptions = {}): Promise<ScoredImage[]> {
  const valid = parseInput(z.array(scoreImageInput).min(1, { error: "needs at least one image" }), inputs);
  return scoreValid(valid, options, (i) => `${i}.image`);
}

async function scoreValid(inputs: readonly ValidInput[], options: ScoreOptions, imagePath: (i: number) => string): Promise<ScoredImage[]> {
  const images = inputs.map((input, i) => decodeAt(input.image, imagePath(i)));
  const llm = await loadServedReward(options.modelDir);
  const verbalized = await Promise.all(inputs.map((input, i) => verbalizeWith(images[i]!, input.detector)));
  const requests = inputs.map((input, i) => rewardRequest(toRewardPromptFields(input), verbalized[i]!.verbalization));
  const rewards = await computeRewards(llm, requests, { batchSize: options.batchSize, breakdown: options.breakdown ?? true });
  return rewards.map((scored, i) => ({
    verbalization: parseCanonicalText(scored.canonical),
    canonical: scored.canonical,
    detector: verbalized[i]!.detector,
    reward: scored.reward,
    breakdown: scored.breakdown,
    notes: verbalized[i]!.notes,
    model: modelInfo(llm),
  }));
}

/** decodeImage's errors, with the field they belong to (so forms and the CLI can point at it). */
function decodeAt(bytes: Uint8Array, field: string): DecodedImage {
  try {
    return decodeImage(bytes);
  } catch (error) {
    if (!(error instanceof AppError) || error.code !== "BAD_INPUT") throw error;
    throw badInput(`${field}: ${error.message}`, { ...error.details, fields: [{ path: field, message: error.message }] });
  }
}

async function verbalizeWith(image: DecodedImage, mode: DetectorMode) {
  const choice = mode === "auto" ? autoDetector(image) : mode;
  const { detector, note } = await loadDetector(choice);
  const verbalization = await verbalizeImage(image, detector);
  const notes = note ? [note] : [];
  const dropped = droppedObjectLabels(verbalization);
  if (dropped.length > 0) notes.push(`Detected objects the verbalization cannot name were left out: ${[...new Set(dropped)].join(", ")}`);
  // Round-trip through the canonical text here too, so the verbalization is exactly what is scored.
  return {
    verbalization: parseCanonicalText(toCanonicalText(verbalization)),
    detector: { choice, model: detector ? { name: detector.name, version: detector.version } : null },
    notes,
  };
}
