/**
 * The world's brand accounts (SPEC §3.1: at least 24 across categories). Names and categories
 * are fixed; everything else (followers, posting rate, palette, hidden preferences) is drawn
 * from the seed, one named stream per brand, so `--brands 12` gives the same first 12 brands
 * as the full world. The table is ordered round-robin over categories so any prefix of it
 * spans every category.
 */
import { z } from "zod";
import { COLOR_NAMES, OBJECT_CLASSES, type ColorName } from "../verbalize/vocabulary";
import { CATEGORIES, CATEGORY_PROFILES, type Category } from "./categories";
import { buildPreferences, imagePreferencesSchema } from "./preferences";
import { createRng } from "./random";

const NAMES_BY_CATEGORY: Record<Category, string[]> = {
  beverage: ["fizzwell", "brightbrew", "coolspring", "sunsip"],
  fashion: ["velvetlane", "urbanthread", "nordmode", "silkandstone"],
  tech: ["pixelforge", "nimbusgear", "quantafone", "byteline"],
  travel: ["skyward_trips", "wanderlight", "bluehorizon", "roamly"],
  food: ["grillhouse", "crunchbox", "greenbowl", "tastytown"],
  auto: ["roadster_co", "voltmotors", "ironwheel", "cruiseline_auto"],
  sports: ["peakmotion", "stridelab", "cyclecraft", "fitforge"],
  home: ["cozynest", "oakandhome", "bloomhaus", "pawsandhome"],
};

/** Every brand the world knows, round-robin over categories. */
export const BRAND_TABLE: { account: string; category: Category }[] = [0, 1, 2, 3].flatMap((slot) =>
  CATEGORIES.map((category) => ({ account: NAMES_BY_CATEGORY[category][slot]!, category })),
);
export const MAX_BRANDS = BRAND_TABLE.length;

/** Followers enter log-likes with this elasticity: big accounts have lower engagement rates. */
export const FOLLOWER_ELASTICITY = 0.45;

const colorName = z.enum(COLOR_NAMES as [ColorName, ...ColorName[]]);

export const brandProfileSchema = z.object({
  account: z.string(),
  category: z.enum(CATEGORIES),
  followers: z.number().int().positive(),
  /** FOLLOWER_ELASTICITY * ln(followers) + a brand-quality term: the brand's base log-likes. */
  baseLogLikes: z.number(),
  /** Relative posting rate (mean ~1): the brand posts round(postsPerBrand * activity) times. */
  activity: z.number().positive(),
  /** Usual posting hour (UTC); posts scatter around it. */
  postingHour: z.number().min(0).max(24),
  /** Log-likes trend per year, from mid-2023 (growing or fading accounts). */
  growthPerYear: z.number(),
  /** Signature colors and how often the art direction uses them. */
  palette: z.array(colorName).min(1),
  paletteRate: z.number().min(0).max(1),
  /** Typical products (object classes) and how often one of them is the hero. */
  products: z.array(z.enum(OBJECT_CLASSES)).min(1),
  productRate: z.number().min(0).max(1),
  /** Weights for 1, 2, 3, 4 objects per image. */
  objectCountWeights: z.array(z.number().nonnegative()).length(4),
  preferences: imagePreferencesSchema,
});
export type BrandProfile = z.infer<typeof brandProfileSchema>;

const round3 = (value: number) => Math.round(value * 1000) / 1000;

/** The brand at `index` of BRAND_TABLE with its hidden parameters for `seed`. */
export function buildBrand(seed: number, index: number): BrandProfile {
  const entry = BRAND_TABLE[index];
  if (!entry) throw new RangeError(`brand index ${index} is outside 0..${MAX_BRANDS - 1}`);
  const rng = createRng(seed, `brand:${entry.account}`);
  const category = CATEGORY_PROFILES[entry.category];
  const followers = Math.round(Math.exp(rng.uniform(Math.log(20_000), Math.log(2_000_000))));
  const signature = rng.shuffle(category.palette).slice(0, 3);
  const wildcard = rng.pick(COLOR_NAMES.filter((c) => !signature.includes(c)));
  const products = rng.shuffle(category.products).slice(0, Math.max(1, rng.int(1, category.products.length)));
  const busy = rng.uniform(0, 1);
  return {
    account: entry.account,
    category: entry.category,
    followers,
    baseLogLikes: round3(FOLLOWER_ELASTICITY * Math.log(followers) + rng.normal(0.2, 0.2)),
    activity: round3(rng.lognormal(-0.045, 0.3)),
    postingHour: round3(rng.uniform(8, 21)),
    growthPerYear: round3(rng.normal(0.05, 0.1)),
    palette: [...signature, wildcard],
    paletteRate: round3(rng.uniform(0.45, 0.75)),
    products,
    productRate: round3(rng.uniform(0.6, 0.9)),
    objectCountWeights: [1 - busy, 1, 0.4 + busy, 0.2 + busy].map(round3),
    preferences: buildPreferences(rng.fork("preferences"), entry.category, 0.35),
  };
}

/** The first `count` brands of the table for `seed`. */
export function buildBrands(seed: number, count: number): BrandProfile[] {
  if (!Number.isInteger(count) || count < 1 || count > MAX_BRANDS)
    throw new RangeError(`brand count must be an integer in 1..${MAX_BRANDS}, got ${count}`);
  return Array.from({ length: count }, (_, index) => buildBrand(seed, index));
}
