/**
 * Hidden image preferences of an audience: additive effects on log-KPI for what an image shows
 * as a verbalization describes it (SPEC §3.1). Built from the category's hand-written likes
 * (categories.ts) plus seeded brand-specific deviations, then scaled by the category's image
 * sensitivity and IMAGE_EFFECT_SCALE (the knob that sets the image share of variance; see
 * docs/world.md for the measured share).
 */
import { z } from "zod";
import { COLOR_NAMES, OBJECT_CLASSES, TONES } from "../verbalize/vocabulary";
import { CATEGORY_PROFILES, type Category, type CategoryProfile } from "./categories";
import type { Rng } from "./random";

/** Tuned so image attributes explain ~1/3 of the variance in log-likes (docs/world.md). */
export const IMAGE_EFFECT_SCALE = 0.8;

/** Where an audience likes the hero object (largest box) to sit: its centroid, normalized. */
export const ANCHORS = {
  center: { x: 0.5, y: 0.5 },
  left: { x: 0.33, y: 0.5 },
  right: { x: 0.67, y: 0.5 },
  top: { x: 0.5, y: 0.33 },
  bottom: { x: 0.5, y: 0.67 },
} as const;
export type AnchorName = keyof typeof ANCHORS;
const ANCHOR_NAMES = Object.keys(ANCHORS) as AnchorName[];

/** Preferred hero-object area (fraction of the image): small accent, medium, or big hero shot. */
const HERO_AREAS = [0.06, 0.15, 0.32] as const;

const weights = <K extends string>(keys: readonly [K, ...K[]]) => z.record(z.enum(keys), z.number());

export const imagePreferencesSchema = z.object({
  colors: weights(COLOR_NAMES as [string, ...string[]]), // effect: sum of coverage * weight
  tones: weights(TONES), // effect: sum of coverage * weight (tones overlap, coverages can sum > 1)
  objects: weights(OBJECT_CLASSES), // effect: score-weighted mean over distinct labels
  noObjects: z.number(), // effect when the image has no detected object
  anchor: z.enum(ANCHOR_NAMES as [AnchorName, ...AnchorName[]]),
  anchorWeight: z.number(), // effect: anchorWeight * clamp(1 - 4 * distance, -1, 1)
  heroArea: z.number().positive(),
  sizeWeight: z.number(), // effect: sizeWeight * (0.5 - min(1, ln(area / heroArea)^2 / 2))
  objectCount: z.number().int().min(1).max(4),
  countWeight: z.number(), // effect: -countWeight * |distinct objects - objectCount| / 3
  agreementWeight: z.number(), // effect: agreementWeight * (2 * agreement - 1), when the text mentions anything
});
export type ImagePreferences = z.infer<typeof imagePreferencesSchema>;

const round3 = (value: number) => Math.round(value * 1000) / 1000;

/**
 * Category likes (none for `null`: a general audience) + deviations of sd `deviation`.
 * `deviation` ~0.35 gives brands of one category visibly different tastes (tests check that
 * the same pair of images can rank differently for two brands).
 */
export function buildPreferences(rng: Rng, category: Category | null, deviation: number): ImagePreferences {
  const likes: CategoryProfile["likes"] = category ? CATEGORY_PROFILES[category].likes : { colors: {}, tones: {}, objects: {} };
  const scale = (category ? CATEGORY_PROFILES[category].imageSensitivity : 1) * IMAGE_EFFECT_SCALE;
  const mix = (base: number | undefined) => round3(scale * ((base ?? 0) + rng.normal(0, deviation)));
  const colors = Object.fromEntries(COLOR_NAMES.map((c) => [c, mix(likes.colors[c])]));
  const tones = Object.fromEntries(TONES.map((t) => [t, mix(likes.tones[t])]));
  const objects = Object.fromEntries(OBJECT_CLASSES.map((o) => [o, mix(likes.objects[o])]));
  return {
    colors: colors as ImagePreferences["colors"],
    tones: tones as ImagePreferences["tones"],
    objects: objects as ImagePreferences["objects"],
    noObjects: round3(-0.4 * scale),
    anchor: rng.pick(ANCHOR_NAMES),
    anchorWeight: round3(scale * rng.uniform(0.15, 0.4)),
    heroArea: rng.pick(HERO_AREAS),
    sizeWeight: round3(scale * rng.uniform(0.2, 0.5)),
    objectCount: rng.int(1, 3),
    countWeight: round3(scale * rng.uniform(0.1, 0.3)),
    agreementWeight: round3(rng.uniform(0.1, 0.3)),
  };
}
