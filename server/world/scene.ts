/**
 * The scene graph the renderer draws and the ground truth knows (SPEC §3.1): a background color
 * and tone, and 1–4 objects, each a class, a color and a box (normalized x, y, w, h).
 */
import { z } from "zod";
import { COLOR_NAMES, OBJECT_CLASSES, PALETTE, type ColorName, type ObjectClass } from "../verbalize/vocabulary";
import { NATURAL_COLORS } from "./categories";
import type { Rng } from "./random";
import { SILHOUETTES } from "./silhouettes";

/** How the background shade departs from its palette color (render.ts keeps the color's name). */
export const BACKGROUND_TONES = ["plain", "dark", "light", "muted", "vivid"] as const;
export type BackgroundTone = (typeof BACKGROUND_TONES)[number];

const boxSchema = z.object({
  x: z.number().min(0).max(1), y: z.number().min(0).max(1), w: z.number().gt(0).max(1), h: z.number().gt(0).max(1),
});
export const sceneSchema = z.object({
  background: z.object({ color: z.enum(COLOR_NAMES as [ColorName, ...ColorName[]]), tone: z.enum(BACKGROUND_TONES) }),
  objects: z.array(z.object({ label: z.enum(OBJECT_CLASSES), color: z.enum(COLOR_NAMES as [ColorName, ...ColorName[]]), box: boxSchema })).max(4),
});
export type Scene = z.infer<typeof sceneSchema>;
export type SceneObject = Scene["objects"][number];

/** What a scene generator leans toward (a brand's art direction, or a stock topic's). */
export type SceneTendencies = {
  palette: readonly ColorName[];
  paletteRate: number; // probability a background / object color comes from the palette
  products: readonly ObjectClass[];
  productRate: number; // probability the hero (first, largest) object is a product
  props: readonly ObjectClass[]; // supporting objects, used for 60% of the non-hero objects
  objectCountWeights: readonly number[]; // weights for 1..4 objects
};

const BACKGROUND_TONE_WEIGHTS = [0.4, 0.15, 0.2, 0.15, 0.1];
const MIN_COLOR_DISTANCE = 90; // RGB distance between an object's color and the background's

const colorDistance = (a: ColorName, b: ColorName) =>
  Math.hypot(PALETTE[a][0] - PALETTE[b][0], PALETTE[a][1] - PALETTE[b][1], PALETTE[a][2] - PALETTE[b][2]);

const round4 = (value: number) => Math.round(value * 10_000) / 10_000;

function pickObjectColor(rng: Rng, label: ObjectClass, t: SceneTendencies, background: ColorName): ColorName {
  for (let attempt = 0; attempt < 20; attempt++) {
    const natural = NATURAL_COLORS[label];
    const color = natural && rng.chance(0.4) ? rng.pick(natural)
      : rng.chance(t.paletteRate) ? rng.pick(t.palette) : rng.pick(COLOR_NAMES);
    if (colorDistance(color, background) >= MIN_COLOR_DISTANCE) return color;
  }
  return COLOR_NAMES.reduce((best, c) => (colorDistance(c, background) > colorDistance(best, background) ? c : best));
}

/** A box of the given area and the class's natural aspect (±10%), inside the image. */
function placeBox(rng: Rng, label: ObjectClass, area: number) {
  const aspect = SILHOUETTES[label].aspect * rng.uniform(0.9, 1.1);
  let w = Math.sqrt(area * aspect), h = Math.sqrt(area / aspect);
  const shrink = Math.min(1, 0.96 / w, 0.96 / h);
  w *= shrink; h *= shrink;
  return { x: rng.uniform(0.02, 0.98 - w), y: rng.uniform(0.02, 0.98 - h), w, h };
}

type Box = SceneObject["box"];
const overlap = (a: Box, b: Box) => {
  const ix = Math.max(0, Math.min(a.x + a.w, b.x + b.w) - Math.max(a.x, b.x));
  const iy = Math.max(0, Math.min(a.y + a.h, b.y + b.h) - Math.max(a.y, b.y));
  return (ix * iy) / Math.min(a.w * a.h, b.w * b.h); // share of the smaller box that is covered
};

/** Samples a scene; objects come largest first (the renderer paints them in this order). */
export function sampleScene(rng: Rng, t: SceneTendencies): Scene {
  const count = rng.weightedPick([1, 2, 3, 4], t.objectCountWeights);
  const background = rng.chance(t.paletteRate) ? rng.pick(t.palette) : rng.pick(COLOR_NAMES);
  const tone = rng.weightedPick(BACKGROUND_TONES, BACKGROUND_TONE_WEIGHTS);
  const objects: SceneObject[] = [];
  for (let i = 0; i < count; i++) {
    const hero = i === 0;
    const label = hero
      ? (rng.chance(t.productRate) ? rng.pick(t.products) : rng.pick(OBJECT_CLASSES))
      : (rng.chance(0.6) ? rng.pick(t.props) : rng.pick(OBJECT_CLASSES));
    const area = hero ? Math.exp(rng.uniform(Math.log(0.04), Math.log(0.45))) : Math.exp(rng.uniform(Math.log(0.015), Math.log(0.1)));
    let box = placeBox(rng, label, area);
    for (let attempt = 0; attempt < 30 && objects.some((o) => overlap(o.box, box) > 0.25); attempt++)
      box = placeBox(rng, label, area);
    if (objects.some((o) => overlap(o.box, box) > 0.25)) continue; // no room: fewer objects
    const color = pickObjectColor(rng, label, t, background);
    objects.push({ label, color, box: { x: round4(box.x), y: round4(box.y), w: round4(box.w), h: round4(box.h) } });
  }
  objects.sort((a, b) => b.box.w * b.box.h - a.box.w * a.box.h);
  return { background: { color: background, tone }, objects };
}
