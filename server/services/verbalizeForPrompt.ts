/**
 * BoigLLM's behavior-conditioned verbalization (SPEC §4, instruction types 1–2): for a brand,
 * date, caption and keywords and the KPI the marketer wants, the image description the model
 * associates with that KPI — colors, tones, object layout — with an SVG preview of the layout.
 *
 * Decoding (docs/results.md, Table 1): "mbr" (default) is minimum Bayes risk by section over the
 * greedy answer and DEFAULT_MBR's seeded samples (mbrDecode.ts): on held-out fresh draws of the
 * demo world it predicted the real image better than greedy on all nine Table 1 metrics, on both
 * datasets. "greedy" is the single likeliest answer token by token; "sample" is one seeded draw at
 * `temperature` / `topP`.
 */
import { z } from "zod";
import { BUCKETS } from "../db/schema";
import { generateVerbalizations } from "../llm/decode";
import { DEFAULT_MBR, generateMbr } from "../llm/mbrDecode";
import { buildPrompt } from "../llm/instructions";
import { layoutPreviewSvg } from "../llm/layoutPreview";
import type { Verbalization } from "../verbalize/types";
import { loadServedBoigLlm, modelInfo } from "./loadServedBoigLlm";
import { checkBrandAndTargetKpi, promptFieldsShape, toRewardPromptFields } from "./promptFieldsInput";
import { parseInput } from "./validation";

export const VERBALIZE_DECODINGS = ["mbr", "greedy", "sample"] as const;

export const verbalizeForPromptInput = z
  .object({
    ...promptFieldsShape,
    targetKpi: z.enum(BUCKETS, { error: `must be one of ${BUCKETS.join(", ")}` }),
    decoding: z.enum(VERBALIZE_DECODINGS, { error: `must be one of ${VERBALIZE_DECODINGS.join(", ")}` }).default("mbr"),
    /** Only with decoding "sample". */
    temperature: z.number().gt(0, { error: "must be > 0" }).max(2, { error: "must be ≤ 2" }).optional(),
    topP: z.number().gt(0, { error: "must be > 0" }).max(1, { error: "must be ≤ 1" }).optional(),
    seed: z.number().int().min(0).max(2 ** 31 - 1).default(0),
  })
  .superRefine((input, ctx) => {
    checkBrandAndTargetKpi(input, ctx);
    for (const field of ["temperature", "topP"] as const)
      if (input[field] !== undefined && input.decoding !== "sample")
        ctx.addIssue({ code: "custom", path: [field], message: `applies to decoding "sample" only (this request's decoding is "${input.decoding}")` });
  });
export type VerbalizeForPromptInput = z.input<typeof verbalizeForPromptInput>;

export type PromptVerbalization = {
  canonical: string;
  verbalization: Verbalization;
  /** The instruction prompt the model read (buildPrompt). */
  instruction: string;
  /** The token budget ran out before the model ended its answer (completed items are kept). */
  truncated: boolean;
  decoding: (typeof VERBALIZE_DECODINGS)[number];
  preview: string;
  model: { name: string; version: string };
};

export async function verbalizeForPrompt(input: VerbalizeForPromptInput, options: { modelDir?: string } = {}): Promise<PromptVerbalization> {
  const valid = parseInput(verbalizeForPromptInput, input);
  const llm = await loadServedBoigLlm(options.modelDir);
  const instruction = buildPrompt({ ...toRewardPromptFields(valid), kpi: valid.targetKpi });
  const request = [{ prompt: instruction }];
  const [generated] =
    valid.decoding === "mbr"
      ? await generateMbr(llm, request, { ...DEFAULT_MBR, seed: valid.seed, bySection: true })
      : await generateVerbalizations(llm, request, valid.decoding === "greedy"
        ? { temperature: 0 }
        : { temperature: valid.temperature ?? DEFAULT_MBR.temperature, topP: valid.topP ?? 1, seed: valid.seed });
  const { canonical, verbalization, truncated } = generated!;
  return {
    canonical,
    verbalization,
    instruction,
    truncated,
    decoding: valid.decoding,
    preview: layoutPreviewSvg(verbalization, `BoigLLM layout for kpi ${valid.targetKpi}: ${canonical}`),
    model: modelInfo(llm),
  };
}
