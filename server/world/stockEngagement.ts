/**
 * The stock-style engagement model (SPEC §3.1 second dataset; paper §3: impressions >> forward
 * actions >> downloads). The topic is read from caption + keywords; its audience's preferences
 * give the image effect I (imageEffect.ts). On the log scale:
 *   impressions   = base + topic popularity + trend + season + keywords + 0.3 I   + N(0, 0.6²)
 *   forward rate  = ln 0.06 + 0.5 I + agreement                                  + N(0, 0.35²)
 *   download rate = ln 0.10 + 0.4 I                                              + N(0, 0.4²)
 * forward actions = impressions × forward rate, downloads = forward actions × download rate.
 */
import { badInput } from "../errors";
import type { Verbalization } from "../verbalize/types";
import { captionImageAgreement, mentionsIn } from "./agreement";
import { CATEGORIES, CATEGORY_PROFILES } from "./categories";
import { dateEffect } from "./dateEffect";
import { imageEffect, type ImageEffect } from "./imageEffect";
import type { Rng } from "./random";
import type { StockTopic, WorldModel } from "./worldModel";

export type StockContext = { releasedAt: Date; caption: string; keywords: readonly string[] };
export type StockKpi = { downloads: number; forwardActions: number; impressions: number };

export const STOCK_NOISE = { impressions: 0.6, forwardRate: 0.35, downloadRate: 0.4 } as const;
const LOG_FORWARD_RATE = Math.log(0.06);
const LOG_DOWNLOAD_RATE = Math.log(0.1);
const STOCK_AGREEMENT_WEIGHT = 0.2;
/** How strongly the image term I moves each stage of the funnel (log scale). */
export const IMPRESSIONS_IMAGE_WEIGHT = 0.3;
export const FORWARD_RATE_IMAGE_WEIGHT = 0.5;
export const DOWNLOAD_RATE_IMAGE_WEIGHT = 0.4;
const KEYWORD_EFFECT_PER_WORD = 0.03; // up to 15 keywords: richer tagging is found more often

export type StockBreakdown = {
  topic: StockTopic;
  image: ImageEffect;
  agreement: number;
  logImpressions: number;
  logForwardRate: number;
  logDownloadRate: number;
};

/** The topic whose words (name, topic words, product nouns) the text mentions most; "general" if none. */
export function detectTopic(caption: string, keywords: readonly string[]): StockTopic {
  const text = ` ${[caption, ...keywords].join(" ").toLowerCase().replace(/[^a-z]+/g, " ")} `;
  let best: StockTopic = "general", bestHits = 0;
  for (const category of CATEGORIES) {
    const profile = CATEGORY_PROFILES[category];
    const hits = [category, ...profile.topicWords, ...profile.productNouns].filter((w) => text.includes(` ${w} `)).length;
    if (hits > bestHits) [best, bestHits] = [category, hits];
  }
  return best;
}

export function explainStockKpi(world: WorldModel, context: StockContext, v: Verbalization): StockBreakdown {
  if (!(context.releasedAt instanceof Date) || Number.isNaN(context.releasedAt.getTime())) throw badInput("releasedAt: not a valid date");
  const topic = detectTopic(context.caption, context.keywords);
  const stock = world.stock;
  const season = topic === "general" ? { peakDay: 1, amplitude: 0 }
    : { peakDay: CATEGORY_PROFILES[topic].seasonPeakDay, amplitude: CATEGORY_PROFILES[topic].seasonAmplitude };
  const date = dateEffect(context.releasedAt, stock.growthPerYear, season);
  const image = imageEffect(stock.topics[topic], v);
  const share = captionImageAgreement(mentionsIn(context.caption, context.keywords), v);
  const agreement = share === null ? 0 : STOCK_AGREEMENT_WEIGHT * (2 * share - 1);
  const keywordEffect = KEYWORD_EFFECT_PER_WORD * Math.min(15, context.keywords.length);
  return {
    topic,
    image,
    agreement,
    logImpressions: stock.baseLogImpressions + stock.topicPopularity[topic] + date.trend + date.season + keywordEffect + IMPRESSIONS_IMAGE_WEIGHT * image.total,
    logForwardRate: LOG_FORWARD_RATE + FORWARD_RATE_IMAGE_WEIGHT * image.total + agreement,
    logDownloadRate: LOG_DOWNLOAD_RATE + DOWNLOAD_RATE_IMAGE_WEIGHT * image.total,
  };
}

const halfVar = (...sds: number[]) => sds.reduce((s, sd) => s + sd * sd, 0) / 2;

export function expectedStockKpi(world: WorldModel, context: StockContext, v: Verbalization): StockKpi {
  const b = explainStockKpi(world, context, v);
  const { impressions: si, forwardRate: sf, downloadRate: sd } = STOCK_NOISE;
  const logForward = b.logImpressions + b.logForwardRate;
  return {
    impressions: Math.exp(b.logImpressions + halfVar(si)),
    forwardActions: Math.exp(logForward + halfVar(si, sf)),
    downloads: Math.exp(logForward + b.logDownloadRate + halfVar(si, sf, sd)),
  };
}

/** One draw of an asset's KPIs: downloads <= forward actions <= impressions. */
export function sampleStockKpi(rng: Rng, b: StockBreakdown): StockKpi {
  const impressions = rng.poisson(Math.exp(b.logImpressions + rng.normal(0, STOCK_NOISE.impressions)));
  const forwardRate = Math.min(0.9, Math.exp(b.logForwardRate + rng.normal(0, STOCK_NOISE.forwardRate)));
  const forwardActions = Math.min(impressions, rng.poisson(impressions * forwardRate));
  const downloadRate = Math.min(0.9, Math.exp(b.logDownloadRate + rng.normal(0, STOCK_NOISE.downloadRate)));
  const downloads = Math.min(forwardActions, rng.poisson(forwardActions * downloadRate));
  return { downloads, forwardActions, impressions };
}
