/**
 * Post captions and keywords (SPEC §3.1: templated but varied — product, campaign type, season,
 * hashtags). A caption mentions what the image shows about half the time, something it does
 * not show sometimes, and nothing visual otherwise, so caption–image agreement varies.
 * Captions contain commas, quotes and the odd line break (real posts do; CSV must quote them).
 */
import { COLOR_NAMES, OBJECT_CLASSES, type ObjectClass } from "../verbalize/vocabulary";
import type { BrandProfile } from "./brands";
import { CATEGORY_PROFILES } from "./categories";
import type { Rng } from "./random";
import type { Scene } from "./scene";

export const CAMPAIGNS = ["launch", "sale", "holiday", "community"] as const;
export type Campaign = (typeof CAMPAIGNS)[number];
export const SEASONS = ["winter", "spring", "summer", "fall"] as const;
export type Season = (typeof SEASONS)[number];

export const seasonOf = (date: Date): Season => SEASONS[Math.floor(((date.getUTCMonth() + 1) % 12) / 3)]!;

const LINES = ["Aurora", "Nova", "Zest", "Pulse", "Echo", "Drift", "Summit", "Ember", "Lumen", "Vale", "Orbit", "Tide"];
const MOODS = ["fresh", "bold", "easy", "bright", "made to last", "simply good"];
const QUOTES = ["best purchase of the year", "obsessed, honestly", "10/10 would recommend", "can't stop smiling"];

const TEMPLATES: Record<Campaign, ((p: Fill) => string)[]> = {
  launch: [
    (p) => `Meet ${p.product}: the new "${p.line}" from ${p.brand}. ${p.mood}, for ${p.season} and beyond.`,
    (p) => `It's here. ${p.product}, "${p.line}" edition, ${p.mood}.`,
    (p) => `New drop: ${p.product} lands today.\nFind your "${p.line}" now.`,
  ],
  sale: [
    (p) => `${p.pct}% off ${p.product} this week only, while it lasts!`,
    (p) => `Sale alert: ${p.product}, now ${p.pct}% off. Don't wait, ${p.season} deals end soon.`,
    (p) => `Two words: ${p.season} sale. Grab ${p.product} for ${p.pct}% less.`,
  ],
  holiday: [
    (p) => `Happy holidays from all of us at ${p.brand}! ${p.product}, wrapped with love.`,
    (p) => `Season's greetings: give ${p.product} this year, "${p.line}" makes it special.`,
    (p) => `Holiday countdown, day ${p.day}: ${p.product} for everyone on your list.`,
  ],
  community: [
    (p) => `You said it best: "${p.quote}" Thanks for sharing ${p.product} with us!`,
    (p) => `Tag a friend who needs ${p.product} today.`,
    (p) => `Behind the scenes with our team, and ${p.product}, of course.`,
  ],
};
type Fill = { product: string; brand: string; line: string; mood: string; season: Season; pct: number; day: number; quote: string };

function pickCampaign(rng: Rng, date: Date): Campaign {
  const month = date.getUTCMonth(), day = date.getUTCDate();
  const holidaySeason = (month === 10 && day >= 15) || month === 11;
  return rng.weightedPick(CAMPAIGNS, holidaySeason ? [0.2, 0.25, 0.45, 0.1] : [0.35, 0.3, 0.02, 0.33]);
}

/**
 * productPhrase's odds (captionLikelihood.ts inverts them): roll < truth → the hero as it is (with its
 * color w.p. withColor); else roll < mismatchBelow → a label not shown (a brand product w.p.
 * absentProduct when one is absent) with an unused color; else a product noun.
 */
export const PRODUCT_PHRASE_ODDS = { truth: 0.45, mismatchBelow: 0.6, withColor: 0.5, absentProduct: 0.7 } as const;

/** What the caption says the product looks like: the image's truth, a mismatch, or nothing visual. */
function productPhrase(rng: Rng, brand: BrandProfile, scene: Scene): { phrase: string; words: string[] } {
  const odds = PRODUCT_PHRASE_ODDS;
  const hero = scene.objects[0];
  const roll = rng.next();
  if (hero && roll < odds.truth) {
    const withColor = rng.chance(odds.withColor);
    return { phrase: withColor ? `the ${hero.color} ${hero.label}` : `our ${hero.label}`, words: withColor ? [hero.label, hero.color] : [hero.label] };
  }
  if (roll < odds.mismatchBelow) {
    const shown = new Set<string>(scene.objects.map((o) => o.label));
    const absentProducts = brand.products.filter((c) => !shown.has(c));
    const label: ObjectClass = absentProducts.length > 0 && rng.chance(odds.absentProduct)
      ? rng.pick(absentProducts) : rng.pick(OBJECT_CLASSES.filter((c) => !shown.has(c)));
    const used = new Set<string>([scene.background.color, ...scene.objects.map((o) => o.color)]);
    const color = rng.pick(COLOR_NAMES.filter((c) => !used.has(c)));
    return { phrase: `the ${color} ${label}`, words: [label, color] };
  }
  const noun = rng.pick(CATEGORY_PROFILES[brand.category].productNouns);
  return { phrase: `our ${noun}`, words: [noun] };
}

/** Caption text (with hashtags) and keywords for a brand post. */
export function writePostCaption(rng: Rng, brand: BrandProfile, scene: Scene, postedAt: Date): { text: string; keywords: string[]; campaign: Campaign } {
  const campaign = pickCampaign(rng, postedAt);
  const season = seasonOf(postedAt);
  const product = productPhrase(rng, brand, scene);
  const fill: Fill = {
    product: product.phrase, brand: brand.account, line: rng.pick(LINES), mood: rng.pick(MOODS), season,
    pct: rng.pick([10, 15, 20, 25, 30, 40, 50]), day: rng.int(1, 24), quote: rng.pick(QUOTES),
  };
  const body = rng.pick(TEMPLATES[campaign])(fill);
  const sentence = body.charAt(0).toUpperCase() + body.slice(1);
  const tags = [`#${brand.account.replace(/_/g, "")}`, `#${campaign}`, `#${season}${postedAt.getUTCFullYear()}`];
  if (rng.chance(0.4)) tags.push(`#${brand.category}`);
  const keywords = [campaign, season, brand.category, ...product.words];
  return { text: `${sentence} ${rng.shuffle(tags).join(" ")}`, keywords: [...new Set(keywords)], campaign };
}
