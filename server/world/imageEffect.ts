/**
 * The image's effect on log-KPI for one audience (SPEC §3.1: colors, tones, objects, positions,
 * sizes, as a verbalization describes them). Works on any Verbalization: ground truth, a
 * detector's output on a generated image, or BoigLLM's text parsed back. Formulas are in
 * preferences.ts next to each weight and in docs/world.md.
 */
import type { Verbalization } from "../verbalize/types";
import type { ObjectClass } from "../verbalize/vocabulary";
import { ANCHORS, type ImagePreferences } from "./preferences";

export type ImageEffect = {
  colors: number; tones: number; objects: number; position: number; size: number; count: number; total: number;
};

const clamp = (value: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, value));

export function imageEffect(prefs: ImagePreferences, v: Verbalization): ImageEffect {
  const colors = v.colors.reduce((sum, c) => sum + c.coverage * (prefs.colors[c.name] ?? 0), 0);
  const tones = v.tones.reduce((sum, t) => sum + t.coverage * (prefs.tones[t.name] ?? 0), 0);

  // Objects: score-weighted mean preference over distinct labels (a label's best score counts).
  const bestScore = new Map<string, number>();
  for (const o of v.objects) bestScore.set(o.label, Math.max(bestScore.get(o.label) ?? 0, o.score));
  let weightSum = 0, weighted = 0;
  for (const [label, score] of bestScore) {
    const weight = prefs.objects[label as ObjectClass]; // a COCO label outside the world's classes: no opinion
    weightSum += score;
    weighted += score * (weight ?? 0);
  }
  const hero = v.objects.reduce<Verbalization["objects"][number] | null>(
    (best, o) => (!best || o.box.w * o.box.h > best.box.w * best.box.h ? o : best), null);
  if (!hero || weightSum === 0) {
    const total = colors + tones + prefs.noObjects;
    return { colors, tones, objects: prefs.noObjects, position: 0, size: 0, count: 0, total };
  }
  const objects = weighted / weightSum;

  // Position: the hero's centroid against the audience's preferred anchor.
  const anchor = ANCHORS[prefs.anchor];
  const distance = Math.hypot(hero.box.x + hero.box.w / 2 - anchor.x, hero.box.y + hero.box.h / 2 - anchor.y);
  const position = prefs.anchorWeight * clamp(1 - 4 * distance, -1, 1);

  // Size: the hero's area against the preferred area, on a log scale (2x off costs a quarter).
  const area = Math.max(1e-4, hero.box.w * hero.box.h);
  const size = prefs.sizeWeight * (0.5 - Math.min(1, Math.log(area / prefs.heroArea) ** 2 / 2));

  // Clutter: distance from the preferred number of objects.
  const count = -prefs.countWeight * Math.min(3, Math.abs(Math.min(v.objects.length, 6) - prefs.objectCount)) / 3;

  return { colors, tones, objects, position, size, count, total: colors + tones + objects + position + size + count };
}
