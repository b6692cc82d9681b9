/**
 * THE engagement model of the world (SPEC §3.1). For a social post:
 *   log-mean likes = brand base (followers) + date (trend, season, weekday, hour)
 *                  + campaign (from the caption) + image effect (imageEffect.ts, per brand)
 *                  + caption–image agreement
 * and sampled likes = Poisson(exp(log-mean + noise)), noise ~ N(0, 0.5²) plus, for 2% of posts,
 * a "viral" boost ~ N(1.5, 0.4²): a heavy right tail. A post with several images gives each the
 * same credit (paper §3): its image and agreement terms are the mean over its images.
 * expectedKpi works on any verbalization, so it scores generated images too (SPEC §6 true KPI).
 */
import { badInput } from "../errors";
import type { Verbalization } from "../verbalize/types";
import { captionImageAgreement, mentionsIn } from "./agreement";
import { CAMPAIGNS, type Campaign } from "./captions";
import { CATEGORY_PROFILES } from "./categories";
import { dateEffect, type DateEffect } from "./dateEffect";
import { imageEffect, type ImageEffect } from "./imageEffect";
import type { Rng } from "./random";
import { expectedStockKpi, type StockContext, type StockKpi } from "./stockEngagement";
import type { WorldModel } from "./worldModel";

export type SocialContext = { account: string; postedAt: Date; text: string; keywords: readonly string[] };
export type SocialKpi = { likes: number };

export const SOCIAL_NOISE = { sd: 0.5, viralProbability: 0.02, viralMean: 1.5, viralSd: 0.4 } as const;
/** E[exp(noise)]: turns the log-mean into expected likes. */
export const SOCIAL_NOISE_MEAN_FACTOR =
  Math.exp(SOCIAL_NOISE.sd ** 2 / 2) *
  (1 - SOCIAL_NOISE.viralProbability + SOCIAL_NOISE.viralProbability * Math.exp(SOCIAL_NOISE.viralMean + SOCIAL_NOISE.viralSd ** 2 / 2));

/** Campaign effects on log-likes; a holiday post inside the holiday season gets HOLIDAY_SEASON_BONUS more. */
export const CAMPAIGN_EFFECT: Record<Campaign, number> = { launch: 0.15, sale: 0.05, holiday: 0.05, community: -0.05 };
export const HOLIDAY_SEASON_BONUS = 0.15;

export type SocialBreakdown = {
  brand: number;
  date: DateEffect;
  campaign: number;
  /** Mean over the post's images (equal credit). */
  image: ImageEffect;
  /** Mean over the post's images of agreementWeight * (2 * agreement - 1); 0 if nothing is mentioned. */
  agreement: number;
  logMean: number;
};

/** The campaign a text belongs to: a campaign keyword, else a campaign word or hashtag in the text. */
export function detectCampaign(text: string, keywords: readonly string[]): Campaign | null {
  const fromKeywords = CAMPAIGNS.find((c) => keywords.some((k) => k.trim().toLowerCase() === c));
  if (fromKeywords) return fromKeywords;
  const words = new Set(text.toLowerCase().split(/[^a-z]+/));
  if (words.has("holidays")) words.add("holiday");
  return CAMPAIGNS.find((c) => words.has(c)) ?? null;
}

const inHolidaySeason = (date: Date) =>
  (date.getUTCMonth() === 10 && date.getUTCDate() >= 15) || date.getUTCMonth() === 11;

function averageEffects(effects: ImageEffect[]): ImageEffect {
  const keys = ["colors", "tones", "objects", "position", "size", "count", "total"] as const;
  return Object.fromEntries(keys.map((k) => [k, effects.reduce((s, e) => s + e[k], 0) / effects.length])) as ImageEffect;
}

/** Every term of the log-mean, for analysis and for showing the reasons behind a score. */
export function explainSocialKpi(world: WorldModel, context: SocialContext, images: Verbalization | readonly Verbalization[]): SocialBreakdown {
  const brand = world.brands.find((b) => b.account === context.account);
  if (!brand) throw badInput(`account: unknown brand "${context.account}" (this world has ${world.brands.map((b) => b.account).join(", ")})`);
  if (!(context.postedAt instanceof Date) || Number.isNaN(context.postedAt.getTime())) throw badInput("postedAt: not a valid date");
  const list = Array.isArray(images) ? (images as readonly Verbalization[]) : [images as Verbalization];
  if (list.length === 0) throw badInput("images: a post needs at least one image verbalization");

  const category = CATEGORY_PROFILES[brand.category];
  const date = dateEffect(context.postedAt, brand.growthPerYear, { peakDay: category.seasonPeakDay, amplitude: category.seasonAmplitude });
  const campaignName = detectCampaign(context.text, context.keywords);
  const campaign = campaignName === null ? 0
    : CAMPAIGN_EFFECT[campaignName] + (campaignName === "holiday" && inHolidaySeason(context.postedAt) ? HOLIDAY_SEASON_BONUS : 0);
  const image = averageEffects(list.map((v) => imageEffect(brand.preferences, v)));
  const mentions = mentionsIn(context.text, context.keywords);
  const agreement = list.reduce((sum, v) => {
    const share = captionImageAgreement(mentions, v);
    return sum + (share === null ? 0 : brand.preferences.agreementWeight * (2 * share - 1));
  }, 0) / list.length;
  const logMean = brand.baseLogLikes + date.total + campaign + image.total + agreement;
  return { brand: brand.baseLogLikes, date, campaign, image, agreement, logMean };
}

/** Expected KPI of an image (or a post's images) in context: likes for social, stock KPIs for stock. */
export function expectedKpi(world: WorldModel, context: SocialContext, images: Verbalization | readonly Verbalization[]): SocialKpi;
export function expectedKpi(world: WorldModel, context: StockContext, image: Verbalization): StockKpi;
export function expectedKpi(world: WorldModel, context: SocialContext | StockContext, images: Verbalization | readonly Verbalization[]): SocialKpi | StockKpi {
  if ("account" in context) return { likes: Math.exp(explainSocialKpi(world, context, images).logMean) * SOCIAL_NOISE_MEAN_FACTOR };
  if (Array.isArray(images)) throw badInput("a stock asset has exactly one image");
  return expectedStockKpi(world, context, images as Verbalization);
}

/** One draw of a post's likes around its log-mean (heavy-tailed). */
export function sampleLikes(rng: Rng, logMean: number): number {
  let noise = rng.normal(0, SOCIAL_NOISE.sd);
  if (rng.chance(SOCIAL_NOISE.viralProbability)) noise += rng.normal(SOCIAL_NOISE.viralMean, SOCIAL_NOISE.viralSd);
  return rng.poisson(Math.exp(logMean + noise));
}
