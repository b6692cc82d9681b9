import { badInput } from "../../errors";
import { describeVerbalization } from "../caption";
import { toSceneClass } from "../cocoLabels";
import type { DetectedObject, Verbalization } from "../types";
import { MAX_COLORS, MAX_OBJECTS, type ColorName, type Tone } from "../vocabulary";
import { COLOR_INDEX, COVERAGE_UNITS, GRID_CELLS, TONE_INDEX, compareGridObjects, type GridObject } from "./grammar";

/**
 * The verbalization the canonical text stands for: exactly what parseCanonicalText returns for
 * toCanonicalText(v) (SPEC §3.4: parses back losslessly — lossless *after* quantization).
 * - coverage: clamped into [0, 1], rounded to a multiple of COVERAGE_STEP; 0 drops the entry;
 *   a repeated name keeps its largest coverage; canonical order; colors capped at MAX_COLORS.
 * - objects: labels mapped to OBJECT_CLASSES (cocoLabels.ts; unmappable ones dropped — list them
 *   with droppedObjectLabels); each box edge clamped into [0, 1] and rounded to the 1/BOX_GRID
 *   grid independently (≤ half a cell of error per edge), a box thinner than a cell widened to
 *   one cell (a small detection is still an object); identical quantized objects merged; the
 *   MAX_OBJECTS most confident kept (then largest); canonical order (grammar.ts).
 * - score: the text does not carry it (BoigLLM writes no confidences), so every quantized
 *   object has score 1 — "this object is in the verbalization".
 * - caption: rebuilt from the quantized record by describeVerbalization, so it is derivable
 *   and never stored in the text.
 * Idempotent: quantizeVerbalization(quantizeVerbalization(v)) deep-equals quantizeVerbalization(v).
 * Non-finite numbers are a caller bug and throw badInput naming the field.
 */
export function quantizeVerbalization(v: Pick<Verbalization, "colors" | "tones" | "objects">): Verbalization {
  const colors = quantizeCoverages(v.colors, "colors", COLOR_INDEX).slice(0, MAX_COLORS) as { name: ColorName; coverage: number }[];
  const tones = quantizeCoverages(v.tones, "tones", TONE_INDEX) as { name: Tone; coverage: number }[];
  const objects = quantizeObjects(v.objects).map(({ label, x, y, w, h }) => ({
    label,
    box: { x: x / GRID_CELLS, y: y / GRID_CELLS, w: w / GRID_CELLS, h: h / GRID_CELLS },
    score: 1,
  }));
  return { colors, tones, objects, caption: describeVerbalization({ colors, tones, objects }) };
}

/** Detector labels the canonical text cannot name (neither a scene class nor a mapped COCO label). */
export function droppedObjectLabels(v: Pick<Verbalization, "objects">): string[] {
  return v.objects.filter((o) => toSceneClass(o.label) === null).map((o) => o.label);
}

const clamp01 = (value: number) => Math.min(1, Math.max(0, value));

function finite(value: number, field: string): number {
  if (!Number.isFinite(value)) throw badInput(`verbalization ${field} is not a finite number (${value})`, { field, value });
  return value;
}

/** Coverage as whole COVERAGE_STEP units, zero dropped, repeats merged, canonical order. */
function quantizeCoverages(
  entries: readonly { name: string; coverage: number }[],
  section: string,
  vocabularyIndex: ReadonlyMap<string, number>,
): { name: string; coverage: number }[] {
  const units = new Map<string, number>();
  entries.forEach(({ name, coverage }, i) => {
    if (!vocabularyIndex.has(name)) throw badInput(`verbalization ${section}[${i}] has an unknown name "${name}"`, { field: `${section}[${i}].name`, name });
    const u = Math.round(clamp01(finite(coverage, `${section}[${i}].coverage`)) * COVERAGE_UNITS);
    if (u > 0) units.set(name, Math.max(u, units.get(name) ?? 0));
  });
  return [...units]
    .sort(([a, ua], [b, ub]) => ub - ua || vocabularyIndex.get(a)! - vocabularyIndex.get(b)!)
    .map(([name, u]) => ({ name, coverage: u / COVERAGE_UNITS }));
}

/** One box edge pair on the grid: [start cell, cell count ≥ 1], inside the grid. */
function gridSpan(start: number, length: number, field: string): [number, number] {
  const from = clamp01(finite(start, `${field} start`));
  const to = clamp01(start + Math.max(0, finite(length, `${field} length`)));
  let first = Math.round(from * GRID_CELLS);
  const last = Math.round(to * GRID_CELLS);
  if (last - first >= 1) return [first, last - first];
  first = Math.min(first, GRID_CELLS - 1);
  return [first, 1];
}

function quantizeObjects(objects: readonly DetectedObject[]): GridObject[] {
  const byKey = new Map<string, { object: GridObject; score: number; area: number }>();
  objects.forEach((o, i) => {
    const label = toSceneClass(o.label);
    if (label === null) return;
    const score = finite(o.score, `objects[${i}].score`);
    const [x, w] = gridSpan(o.box.x, o.box.w, `objects[${i}].box x`);
    const [y, h] = gridSpan(o.box.y, o.box.h, `objects[${i}].box y`);
    const object = { label, x, y, w, h };
    const key = `${label} ${x} ${y} ${w} ${h}`;
    const kept = byKey.get(key);
    if (!kept || score > kept.score) byKey.set(key, { object, score, area: w * h });
  });
  // Which objects survive the cap: the most confident, then the largest, then canonical order
  // (so the choice never depends on input order); the survivors are then listed canonically.
  return [...byKey.values()]
    .sort((a, b) => b.score - a.score || b.area - a.area || compareGridObjects(a.object, b.object))
    .slice(0, MAX_OBJECTS)
    .map((kept) => kept.object)
    .sort(compareGridObjects);
}
