/**
 * Row contracts of the import format (SPEC §3.2). CSV cells arrive as strings, JSONL values
 * as JSON types: both go through the same schemas, so the rules (and messages) are one.
 */
import { z } from "zod";
import type { DatasetKind } from "../db/schema";
import { isIsoDateString, unstorableTextReason } from "../services/validation";

const isoDate = z
  .string({ error: "is required" })
  .trim()
  .refine(isIsoDateString, {
    error: (issue) => `is not an ISO 8601 date (got ${JSON.stringify(issue.input)})`,
  })
  .transform((s) => new Date(s));

/**
 * PostgreSQL cannot store U+0000 (nor, in jsonb, an unpaired surrogate): one such character in a
 * cell made the whole batch's insert fail and the import abort (found by
 * tests/unit/fuzz.importer.test.ts). Refused per cell instead.
 */
const storableText = () =>
  z.string({ error: "is required" }).check((ctx) => {
    const reason = unstorableTextReason(ctx.value);
    if (reason) ctx.issues.push({ code: "custom", message: reason, input: ctx.value });
  });

const count = z.preprocess(
  (v) => (typeof v === "string" && /^\s*-?\d+\s*$/.test(v) ? Number(v) : v),
  z
    .number({ error: (issue) => `must be a whole number ≥ 0 (got ${JSON.stringify(issue.input ?? "")})` })
    .int({ error: (issue) => `must be a whole number ≥ 0 (got ${JSON.stringify(issue.input)})` })
    .min(0, { error: (issue) => `must be ≥ 0 (got ${JSON.stringify(issue.input)})` })
    .max(2_000_000_000, { error: "is too large" }),
);

const semicolonList = z.preprocess(
  (v) => (typeof v === "string" ? v.split(";") : v),
  z.array(storableText().trim()).transform((items) => items.filter((s) => s.length > 0)),
);

const requiredText = (max: number) =>
  storableText().trim().min(1, { error: "is required" }).max(max, { error: `is longer than ${max} characters` });

const media = semicolonList.pipe(z.array(z.string()).min(1, { error: "lists no image" }).max(10, { error: "lists more than 10 images" }));

/** Optional precomputed verbalization, as JSON (in a CSV cell, a JSON string). */
const verbalizationCell = z.preprocess(
  (v) => {
    if (typeof v !== "string") return v;
    if (v.trim() === "") return undefined;
    try {
      return JSON.parse(v);
    } catch {
      return Symbol.for("invalid-json");
    }
  },
  z.unknown().refine((v) => typeof v !== "symbol", { error: "is not valid JSON" }).optional(),
);

export const socialRowSchema = z.object({
  post_id: requiredText(200),
  account: requiredText(200),
  posted_at: isoDate,
  text: storableText().max(5000, { error: "is longer than 5000 characters" }).default(""),
  keywords: semicolonList.optional().default([]),
  likes: count,
  media,
  verbalization: verbalizationCell,
});

export const stockRowSchema = z.object({
  asset_id: requiredText(200),
  caption: storableText().max(5000, { error: "is longer than 5000 characters" }).default(""),
  keywords: semicolonList.optional().default([]),
  released_at: isoDate,
  downloads: count,
  forward_actions: count,
  impressions: count,
  media,
  verbalization: verbalizationCell,
});

export type SocialRow = z.infer<typeof socialRowSchema>;
export type StockRow = z.infer<typeof stockRowSchema>;

export const REQUIRED_COLUMNS: Record<DatasetKind, string[]> = {
  social: ["post_id", "account", "posted_at", "text", "likes", "media"],
  stock: ["asset_id", "caption", "keywords", "released_at", "downloads", "forward_actions", "impressions", "media"],
};

/** The dataset kind a header names: post_id ⇒ social, asset_id ⇒ stock. */
export function detectKind(columns: string[]): DatasetKind | null {
  if (columns.includes("post_id")) return "social";
  if (columns.includes("asset_id")) return "stock";
  return null;
}

/** A validated row in the one shape the importer stores, whatever the dataset kind. */
export type NormalizedRow = {
  externalId: string;
  account: string | null;
  postedAt: Date;
  text: string;
  keywords: string[];
  likes: number | null;
  downloads: number | null;
  forwardActions: number | null;
  impressions: number | null;
  kpi: number;
  media: string[];
  verbalization: unknown;
};

export function normalizeRow(kind: DatasetKind, row: SocialRow | StockRow): NormalizedRow {
  if (kind === "social") {
    const r = row as SocialRow;
    return { externalId: r.post_id, account: r.account, postedAt: r.posted_at, text: r.text, keywords: r.keywords, likes: r.likes, downloads: null, forwardActions: null, impressions: null, kpi: r.likes, media: r.media, verbalization: r.verbalization };
  }
  const r = row as StockRow;
  return { externalId: r.asset_id, account: null, postedAt: r.released_at, text: r.caption, keywords: r.keywords, likes: null, downloads: r.downloads, forwardActions: r.forward_actions, impressions: r.impressions, kpi: r.forward_actions, media: r.media, verbalization: r.verbalization };
}
