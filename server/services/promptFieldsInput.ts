/**
 * The prompt a marketer gives BoigLLM (SPEC §4 instruction types 1–2): kind, brand, date, the
 * caption text and keywords. One zod shape shared by llm.verbalize, llm.score and `boig score`,
 * so the rules and messages are one. Kind defaults to social when a brand is given (type 1),
 * else stock (type 2, which has no brand: a brand given with kind stock is ignored).
 */
import { z } from "zod";
import { DATASET_KINDS, type Bucket, type DatasetKind } from "../db/schema";
import { KPI_LABELS } from "../llm/instructions";
import type { RewardPromptFields } from "../llm/reward";
import { isIsoDateString } from "./validation";

export const isoDateString = z
  .string({ error: "is required" })
  .trim()
  .refine(isIsoDateString, {
    error: (issue) => `is not an ISO 8601 date such as 2024-03-15 (got ${JSON.stringify(issue.input)})`,
  });

export const promptFieldsShape = {
  kind: z.enum(DATASET_KINDS).optional(),
  brand: z.string().trim().max(200, { error: "is longer than 200 characters" }).optional(),
  date: isoDateString,
  prompt: z.string({ error: "is required" }).max(5000, { error: "is longer than 5000 characters" }),
  keywords: z.array(z.string().max(200, { error: "is longer than 200 characters" })).max(50, { error: "lists more than 50 keywords" }).default([]),
};

type PromptFieldsInput = { kind?: DatasetKind; brand?: string; date: string; prompt: string; keywords: string[] };

/** A social prompt needs its brand (type 1 always names one): report it at `brand`. */
export function checkBrand(input: PromptFieldsInput, ctx: z.RefinementCtx) {
  if (resolveKind(input) === "social" && !input.brand)
    ctx.addIssue({ code: "custom", path: ["brand"], message: "is required for a social prompt (or set kind to stock)" });
}

/** checkBrand, and the target KPI must be one the kind has (social: high/low; stock: terciles). */
export function checkBrandAndTargetKpi(input: PromptFieldsInput & { targetKpi: Bucket }, ctx: z.RefinementCtx) {
  checkBrand(input, ctx);
  const kind = resolveKind(input);
  if (!KPI_LABELS[kind].includes(input.targetKpi))
    ctx.addIssue({ code: "custom", path: ["targetKpi"], message: `a ${kind} prompt takes ${KPI_LABELS[kind].join(" or ")}, not ${input.targetKpi}` });
}

export const resolveKind = (input: Pick<PromptFieldsInput, "kind" | "brand">): DatasetKind => input.kind ?? (input.brand ? "social" : "stock");

export function toRewardPromptFields(input: PromptFieldsInput): RewardPromptFields {
  const kind = resolveKind(input);
  return { kind, brand: kind === "social" ? input.brand! : null, postedAt: new Date(input.date), caption: input.prompt, keywords: input.keywords };
}
