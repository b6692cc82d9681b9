import { BOX_GRID, COLOR_NAMES, COVERAGE_STEP, OBJECT_CLASSES, TONES } from "../vocabulary";

/**
 * The canonical text of a verbalization (SPEC §3.4: compact, quantized, parses back losslessly).
 * Built for a word-level tokenizer: every word and every number is its own token, separated by
 * single spaces; no token ever contains a space, so "split on whitespace" is the tokenizer.
 *
 *   text     = "colors" { COLOR PERCENT } ";" "tones" { TONE PERCENT } ";" "objects" [ object { "," object } ]
 *   object   = CLASS X Y W H
 *   COLOR    = a PALETTE name            TONE = a TONES name            CLASS = an OBJECT_CLASSES name
 *   PERCENT  = 5 | 10 | … | 100          (coverage in percent, a multiple of COVERAGE_STEP)
 *   X, Y     = 0 … 15                    (top-left cell of the box on the BOX_GRID × BOX_GRID grid)
 *   W, H     = 1 … 16, with X + W ≤ 16 and Y + H ≤ 16
 *
 * Canonical (what toCanonicalText writes and the strict parser demands):
 *   colors:  each name at most once, at most MAX_COLORS, largest coverage first, ties in PALETTE order;
 *   tones:   each name at most once, largest coverage first, ties in TONES order;
 *   objects: at most MAX_OBJECTS, no two identical, largest area (W·H) first, then by Y, X, W, then
 *            OBJECT_CLASSES order — an order that depends on content only, never on detector scores.
 * All three section keywords are always present, so an empty section reads "colors ;".
 * Example: colors blue 45 white 20 red 10 ; tones cool 60 light 30 ; objects person 1 2 4 12 , bottle 6 3 3 9
 */
export const KEYWORDS = { colors: "colors", tones: "tones", objects: "objects" } as const;
export const SECTION_SEPARATOR = ";";
export const OBJECT_SEPARATOR = ",";

/** Coverage units per 1.0: 20 steps of 5%. */
export const COVERAGE_UNITS = Math.round(1 / COVERAGE_STEP);
export const PERCENT_PER_UNIT = Math.round(100 * COVERAGE_STEP);

export const COLOR_INDEX: ReadonlyMap<string, number> = new Map(COLOR_NAMES.map((name, i) => [name, i]));
export const TONE_INDEX: ReadonlyMap<string, number> = new Map(TONES.map((name, i) => [name, i]));
export const CLASS_INDEX: ReadonlyMap<string, number> = new Map(OBJECT_CLASSES.map((name, i) => [name, i]));

/** An object on the grid, in whole cells. */
export type GridObject = { label: (typeof OBJECT_CLASSES)[number]; x: number; y: number; w: number; h: number };

/** The canonical object order; 0 only for identical objects. */
export function compareGridObjects(a: GridObject, b: GridObject): number {
  return b.w * b.h - a.w * a.h || a.y - b.y || a.x - b.x || a.w - b.w || CLASS_INDEX.get(a.label)! - CLASS_INDEX.get(b.label)!;
}

export const GRID_CELLS = BOX_GRID;
