/**
 * The world's hidden parameters: everything the engagement model needs, written to
 * `world.json` so expected KPIs can be evaluated later from that file alone (SPEC §3.1, §6
 * "true KPI"). buildWorldModel recreates the same parameters from the seed.
 */
import fs from "node:fs";
import { z } from "zod";
import { badInput } from "../errors";
import { brandProfileSchema, buildBrands, MAX_BRANDS } from "./brands";
import { CATEGORIES } from "./categories";
import { buildPreferences, imagePreferencesSchema } from "./preferences";
import { createRng } from "./random";

export const STOCK_TOPICS = [...CATEGORIES, "general"] as const;
export type StockTopic = (typeof STOCK_TOPICS)[number];

/** Posts and releases span 2021-01-01 to 2025-12-31 (UTC): five full years. */
export const WORLD_SPAN = { start: "2021-01-01T00:00:00.000Z", end: "2026-01-01T00:00:00.000Z" } as const;

const stockProfileSchema = z.object({
  baseLogImpressions: z.number(),
  growthPerYear: z.number(),
  topicPopularity: z.record(z.enum(STOCK_TOPICS), z.number()),
  topics: z.record(z.enum(STOCK_TOPICS), imagePreferencesSchema),
});
export type StockProfile = z.infer<typeof stockProfileSchema>;

export const worldModelSchema = z.object({
  format: z.literal("boig-world/1"),
  seed: z.number().int().min(0),
  imageSize: z.number().int().positive(),
  postsPerBrand: z.number().int().positive(),
  stockAssets: z.number().int().nonnegative(),
  span: z.object({ start: z.string(), end: z.string() }),
  brands: z.array(brandProfileSchema).min(1),
  stock: stockProfileSchema,
});
export type WorldModel = z.infer<typeof worldModelSchema>;

export type WorldOptions = { seed: number; brands: number; postsPerBrand: number; stockAssets: number; imageSize: number };

const round3 = (value: number) => Math.round(value * 1000) / 1000;

function buildStockProfile(seed: number): StockProfile {
  const rng = createRng(seed, "stock-market");
  const topics = Object.fromEntries(STOCK_TOPICS.map((topic) =>
    [topic, buildPreferences(rng.fork(`topic:${topic}`), topic === "general" ? null : topic, topic === "general" ? 0.45 : 0.3)]));
  const topicPopularity = Object.fromEntries(STOCK_TOPICS.map((topic) => [topic, round3(rng.normal(0, 0.3))]));
  return {
    baseLogImpressions: 7,
    growthPerYear: round3(rng.uniform(0.05, 0.2)),
    topicPopularity: topicPopularity as StockProfile["topicPopularity"],
    topics: topics as StockProfile["topics"],
  };
}

export function buildWorldModel(options: WorldOptions): WorldModel {
  if (options.brands > MAX_BRANDS) throw badInput(`brands: at most ${MAX_BRANDS} brands exist in the world's table`);
  return {
    format: "boig-world/1",
    seed: options.seed,
    imageSize: options.imageSize,
    postsPerBrand: options.postsPerBrand,
    stockAssets: options.stockAssets,
    span: { ...WORLD_SPAN },
    brands: buildBrands(options.seed, options.brands),
    stock: buildStockProfile(options.seed),
  };
}

/** Reads and validates a `world.json` written by generateWorld. */
export function loadWorldModel(file: string): WorldModel {
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (err) {
    throw badInput(`cannot read world file ${file}: ${err instanceof Error ? err.message : String(err)}`);
  }
  const parsed = worldModelSchema.safeParse(raw);
  if (!parsed.success) throw badInput(`${file} is not a boig world file: ${parsed.error.issues[0]?.message ?? "invalid"}`);
  return parsed.data;
}
