/**
 * BoigLLM's behavior-conditioned verbalization (SPEC §4, instruction types 1–2): for a brand,
 * date, caption and keywords and the KPI the marketer wants, the image description the model
 * associates with that KPI — colors, tones, object layout — with an SVG preview of the layout.
 * Greedy by default (the model's single most likely answer); temperature > 0 samples, seeded.
 */
import { z } from "zod";
import { BUCKETS } from "../db/schema";
import { generateVerbalizations } from "../llm/decode";
import { buildPrompt } from "../llm/instructions";
import { layoutPreviewSvg } from "../llm/layoutPreview";
import type { Verbalization } from "../verbalize/types";
import { loadServedBoigLlm, modelInfo } from "./loadServedBoigLlm";
import { checkBrandAndTargetKpi, promptFieldsShape, toRewardPromptFields } from "./promptFieldsInput";
import { parseInput } from "./validation";

export const verbalizeForPromptInput = z
  .object({
    ...promptFieldsShape,
    targetKpi: z.enum(BUCKETS, { error: `must be one of ${BUCKETS.join(", ")}` }),
    temperature: z.number().min(0, { error: "must be ≥ 0" }).max(2, { error: "must be ≤ 2" }).default(0),
    topP: z.number().gt(0, { error: "must be > 0" }).max(1, { error: "must be ≤ 1" }).default(1),
    seed: z.number().int().min(0).max(2 ** 31 - 1).default(0),
  })
  .superRefine((input, ctx) => checkBrandAndTargetKpi(input, ctx));
export type VerbalizeForPromptInput = z.input<typeof verbalizeForPromptInput>;

export type PromptVerbalization = {
  canonical: string;
  verbalization: Verbalization;
  /** The instruction prompt the model read (buildPrompt). */
  instruction: string;
  /** The token budget ran out before the model ended its answer (completed items are kept). */
  truncated: boolean;
  preview: string;
  model: { name: string; version: string };
};

export async function verbalizeForPrompt(input: VerbalizeForPromptInput, options: { modelDir?: string } = {}): Promise<PromptVerbalization> {
  const valid = parseInput(verbalizeForPromptInput, input);
  const llm = await loadServedBoigLlm(options.modelDir);
  const instruction = buildPrompt({ ...toRewardPromptFields(valid), kpi: valid.targetKpi });
  const [generated] = await generateVerbalizations(llm, [{ prompt: instruction }], {
    temperature: valid.temperature,
    topP: valid.topP,
    seed: valid.seed,
  });
  const { canonical, verbalization, truncated } = generated!;
  return {
    canonical,
    verbalization,
    instruction,
    truncated,
    preview: layoutPreviewSvg(verbalization, `BoigLLM layout for kpi ${valid.targetKpi}: ${canonical}`),
    model: modelInfo(llm),
  };
}
