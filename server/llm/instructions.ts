/**
 * BoigLLM's behavior fine-tuning instructions (SPEC §4, the paper's Listings 1–4, reconstructed).
 * One sample per image (every image of a post gets equal credit), built from a post's fields:
 *   type 1 (social): brand, date, caption, keywords, target KPI → verbalization
 *   type 2 (stock):  caption, keywords, date, target KPI → verbalization
 *   type 3 / 4:      as 1 / 2 with a `check` task; for NOISE_RATE of the samples the input KPI label
 *                    is wrong, and the target first states the corrected (true) label, always.
 *   nokpi:           types 1 / 2 with the KPI removed (baseline a, the paper's "Finetuned Llama").
 * Prompts are plain-text fields separated by " ; " — e.g.
 *   task social ; brand acme ; date 2024 mar weekday sat ; kpi high ; caption ... ; keywords a , b ; verbalize
 * and the target is the canonical text (types 3–4: "kpi high ; " + canonical text).
 * Free text is normalized (ASCII-lowercased, split on non-alphanumerics) so that the tokenizer
 * (./tokenizer.ts) reads it word by word. Noise is deterministic: a hash of (seed, type, dataset,
 * post external id, image position), never a random draw.
 */
import { createHash } from "node:crypto";
import type { Bucket, DatasetKind } from "../db/schema";
import { canonicalVocabulary } from "../verbalize/canonical";
import { normalizeFreeText } from "./tokenizer";

export const NOISE_RATE = 0.2;
export const MAX_CAPTION_WORDS = 32;
export const MAX_KEYWORDS = 8;
export const MAX_KEYWORD_WORDS = 3;
export const MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"] as const;
export const WEEKDAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"] as const;
/** KPI labels a dataset kind uses (social leaves the middle out; SPEC §3.3). */
export const KPI_LABELS: Record<DatasetKind, readonly Bucket[]> = { social: ["high", "low"], stock: ["high", "medium", "low"] };
/**
 * The share of posts each label stands for, by the bucket definition (SPEC §3.3: social high = an
 * account's top 10%, low = its bottom 60%, the middle left out; stock terciles): the prior P(k) of
 * the reward's posterior (reward.ts, kpiPosterior.ts). Unnormalized for social (0.1 + 0.6).
 */
export const BUCKET_SHARE: Record<DatasetKind, Partial<Record<Bucket, number>>> = {
  social: { high: 0.1, low: 0.6 },
  stock: { high: 1 / 3, medium: 1 / 3, low: 1 / 3 },
};

/** Words of the prompt/target structure: each is a single reserved token of the tokenizer. */
export const FIELD_WORDS = [
  "task", "social", "stock", "check", "brand", "date", "weekday", "kpi", "caption", "keywords", "verbalize",
  "high", "medium", "low", ...MONTHS, ...WEEKDAYS,
] as const;

/** Tokens the vocabulary always holds (after the specials): the canonical vocabulary, then the field words. */
export function reservedTokens(): string[] {
  return [...new Set([...canonicalVocabulary(), ...FIELD_WORDS])];
}

export type InstructionType = 1 | 2 | 3 | 4;
export type InstructionVariant = "behavior" | "nokpi";

/** One verbalized image of a bucketed post: what an instruction is built from. */
export type InstructionSource = {
  dataset: string;
  kind: DatasetKind;
  externalId: string;
  position: number;
  postId: string;
  imageId: string;
  account: string | null;
  postedAt: Date;
  text: string;
  keywords: string[];
  bucket: Bucket;
  split: "train" | "test";
  canonicalText: string;
};

export type InstructionRecord = {
  /** dataset/externalId/position#type[-nokpi]: stable across re-imports. */
  id: string;
  type: InstructionType;
  variant: InstructionVariant;
  kind: DatasetKind;
  dataset: string;
  postId: string;
  imageId: string;
  split: "train" | "test";
  /** The true KPI bucket of the post. */
  bucket: Bucket;
  /** The KPI label the prompt states (null for nokpi); differs from bucket when noisy. */
  inputKpi: Bucket | null;
  noisy: boolean;
  prompt: string;
  target: string;
  /** The image's canonical verbalization (the target without the KPI prefix). */
  verbalization: string;
};

export type PromptFields = {
  kind: DatasetKind;
  check?: boolean;
  brand?: string | null;
  postedAt: Date;
  kpi: Bucket | null;
  caption: string;
  keywords: readonly string[];
};

export function dateField(date: Date): string {
  return `date ${date.getUTCFullYear()} ${MONTHS[date.getUTCMonth()]} weekday ${WEEKDAYS[date.getUTCDay()]}`;
}

function captionField(text: string): string {
  return normalizeFreeText(text).split(" ").filter(Boolean).slice(0, MAX_CAPTION_WORDS).join(" ");
}

function keywordsField(keywords: readonly string[]): string {
  return keywords
    .map((k) => normalizeFreeText(k).split(" ").filter(Boolean).slice(0, MAX_KEYWORD_WORDS).join(" "))
    .filter(Boolean)
    .slice(0, MAX_KEYWORDS)
    .join(" , ");
}

/** The prompt text (also what the decoder and the reward will build at run time). */
export function buildPrompt(fields: PromptFields): string {
  const parts = [`task ${fields.kind}${fields.check ? " check" : ""}`];
  if (fields.kind === "social") parts.push(`brand ${captionField(fields.brand ?? "") || "unknown"}`);
  parts.push(dateField(fields.postedAt));
  if (fields.kpi) parts.push(`kpi ${fields.kpi}`);
  parts.push(`caption ${captionField(fields.caption)}`.trimEnd());
  parts.push(`keywords ${keywordsField(fields.keywords)}`.trimEnd());
  parts.push("verbalize");
  return parts.join(" ; ");
}

/** A uniform number in [0, 1) from a string: the deterministic "random" draw of the noise. */
export function unitHash(key: string): number {
  return createHash("sha256").update(key).digest().readUInt32BE(0) / 2 ** 32;
}

/** The label the prompt of a type 3/4 sample states: the true one, or (NOISE_RATE of the time) another. */
export function noisyKpi(source: InstructionSource, type: 3 | 4, seed: number): { label: Bucket; noisy: boolean } {
  const key = `${seed}:${type}:${source.dataset}/${source.externalId}/${source.position}`;
  if (unitHash(key) >= NOISE_RATE) return { label: source.bucket, noisy: false };
  const others = KPI_LABELS[source.kind].filter((label) => label !== source.bucket);
  const label = others[Math.floor(unitHash(`${key}:label`) * others.length)] ?? source.bucket;
  return { label, noisy: label !== source.bucket };
}

/** All instruction records of one image: behavior type 1|2, type 3|4, and the nokpi variant. */
export function instructionsFor(source: InstructionSource, seed: number): InstructionRecord[] {
  const social = source.kind === "social";
  const base = {
    kind: source.kind,
    dataset: source.dataset,
    postId: source.postId,
    imageId: source.imageId,
    split: source.split,
    bucket: source.bucket,
    verbalization: source.canonicalText,
  };
  const key = `${source.dataset}/${source.externalId}/${source.position}`;
  const fields = { kind: source.kind, brand: social ? source.account : null, postedAt: source.postedAt, caption: source.text, keywords: source.keywords };
  const plainType: InstructionType = social ? 1 : 2;
  const checkType: 3 | 4 = social ? 3 : 4;
  const noise = noisyKpi(source, checkType, seed);
  return [
    { ...base, id: `${key}#${plainType}`, type: plainType, variant: "behavior", inputKpi: source.bucket, noisy: false,
      prompt: buildPrompt({ ...fields, kpi: source.bucket }), target: source.canonicalText },
    { ...base, id: `${key}#${checkType}`, type: checkType, variant: "behavior", inputKpi: noise.label, noisy: noise.noisy,
      prompt: buildPrompt({ ...fields, check: true, kpi: noise.label }), target: `kpi ${source.bucket} ; ${source.canonicalText}` },
    { ...base, id: `${key}#${plainType}-nokpi`, type: plainType, variant: "nokpi", inputKpi: null, noisy: false,
      prompt: buildPrompt({ ...fields, kpi: null }), target: source.canonicalText },
  ];
}

export function compareSources(a: InstructionSource, b: InstructionSource): number {
  const key = (s: InstructionSource) => [s.dataset, s.externalId] as const;
  const [da, ea] = key(a);
  const [db, eb] = key(b);
  return da < db ? -1 : da > db ? 1 : ea < eb ? -1 : ea > eb ? 1 : a.position - b.position;
}

export function buildInstructions(sources: readonly InstructionSource[], seed = 0): InstructionRecord[] {
  return [...sources].sort(compareSources).flatMap((source) => instructionsFor(source, seed));
}
