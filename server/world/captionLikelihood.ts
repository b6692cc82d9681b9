/**
 * How likely a social post's caption is under a given scene: P(product words | scene), exactly as
 * writePostCaption (captions.ts) draws them. Only the product phrase depends on the image; campaign,
 * season, line, mood and hashtags do not, so the product words carry everything the caption says
 * about the scene. Used to condition the world's scene prior on a caption (scripts/kpi-information-oracle.ts).
 *
 * productPhrase draws roll ~ U(0, 1):
 *   roll < 0.45 and a hero exists → the hero's label, with its color half the time ("truth");
 *   else roll < 0.60              → a label NOT shown (a brand product not shown w.p. 0.7 when there is
 *                                   one, else any class not shown) and a color no region uses ("mismatch");
 *   else                          → a product noun of the category ("noun").
 * With no hero the truth branch is skipped, so mismatch has probability 0.6 and noun 0.4.
 * Invariant: summed over every possible product-word list, the probabilities are 1 for any scene.
 */
import { badInput } from "../errors";
import { COLOR_NAMES, OBJECT_CLASSES } from "../verbalize/vocabulary";
import type { BrandProfile } from "./brands";
import { CAMPAIGNS, PRODUCT_PHRASE_ODDS, SEASONS } from "./captions";
import { CATEGORY_PROFILES } from "./categories";
import type { Scene } from "./scene";

const { truth: TRUTH, mismatchBelow, withColor: WITH_COLOR, absentProduct: ABSENT_PRODUCT } = PRODUCT_PHRASE_ODDS;
const MISMATCH_WITH_HERO = mismatchBelow - TRUTH;
const MISMATCH_WITHOUT_HERO = mismatchBelow;
const NOUN = 1 - mismatchBelow;

/** What the caption says about the product: one noun, or a label (the truth branch may omit the color). */
export type ProductWords = { label: string; color: string | undefined } | { noun: string };

const isLabel = (word: string) => (OBJECT_CLASSES as readonly string[]).includes(word);

/** The product words of a post's keywords: [campaign, season, category, ...product words], deduplicated. */
export function productWords(brand: BrandProfile, keywords: readonly string[]): ProductWords {
  const skip = new Set<string>([...CAMPAIGNS, ...SEASONS, brand.category]);
  const words = keywords.filter((k) => !skip.has(k));
  if (words.length === 0 || words.length > 2) {
    throw badInput(`keywords: expected the world's campaign, season, category and 1–2 product words, got [${keywords.join(", ")}]`);
  }
  if (words.length === 2 || isLabel(words[0]!)) return { label: words[0]!, color: words[1] };
  return { noun: words[0]! };
}

/** P(noun | any scene): the noun branch does not look at the image. */
function nounProbability(brand: BrandProfile, noun: string): number {
  const nouns = CATEGORY_PROFILES[brand.category].productNouns;
  return (NOUN * nouns.filter((n) => n === noun).length) / nouns.length;
}

/** P(these product words | scene) under writePostCaption, exactly. */
export function productWordsLikelihood(brand: BrandProfile, words: ProductWords, scene: Scene): number {
  if ("noun" in words) return nounProbability(brand, words.noun);
  const { label, color } = words;
  const hero = scene.objects[0]; // sampleScene sorts objects largest first; productPhrase reads objects[0]
  let p = color === undefined ? nounProbability(brand, label) : 0;
  if (hero && hero.label === label) p += TRUTH * (color === undefined ? 1 - WITH_COLOR : hero.color === color ? WITH_COLOR : 0);
  if (color === undefined) return p;
  const shown = new Set<string>(scene.objects.map((o) => o.label));
  const used = new Set<string>([scene.background.color, ...scene.objects.map((o) => o.color)]);
  if (shown.has(label) || used.has(color)) return p;
  const absentProducts = brand.products.filter((c) => !shown.has(c));
  const notShown = OBJECT_CLASSES.filter((c) => !shown.has(c)).length;
  const pLabel = absentProducts.length > 0
    ? (ABSENT_PRODUCT * (absentProducts.includes(label as never) ? 1 : 0)) / absentProducts.length + (1 - ABSENT_PRODUCT) / notShown
    : 1 / notShown;
  return p + (hero ? MISMATCH_WITH_HERO : MISMATCH_WITHOUT_HERO) * pLabel / (COLOR_NAMES.length - used.size);
}

/** An upper bound of productWordsLikelihood over all scenes (the denominator of a rejection sampler). */
export function productWordsBound(brand: BrandProfile, words: ProductWords): number {
  if ("noun" in words) return nounProbability(brand, words.noun);
  if (words.color === undefined) return nounProbability(brand, words.label) + TRUTH * (1 - WITH_COLOR);
  // Truth and mismatch exclude each other (mismatch needs the label not shown); mismatch ≤ 0.6 / (colors − 1).
  return Math.max(TRUTH * WITH_COLOR, MISMATCH_WITHOUT_HERO / (COLOR_NAMES.length - 1));
}
