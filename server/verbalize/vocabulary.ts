/**
 * The fixed vocabularies of a verbalization (SPEC §3.4), shared by the world's renderer, the
 * verbalizer, the engagement model, BoigLLM's tokenizer and the evaluation metrics.
 * Invariant: names are single lowercase words (one token each in the canonical text).
 */

/** Named palette: every pixel maps to its nearest entry; RGB is what the renderer paints. */
export const PALETTE = {
  black: [20, 20, 24],
  white: [245, 245, 240],
  gray: [128, 128, 128],
  silver: [192, 192, 196],
  red: [214, 40, 40],
  maroon: [120, 24, 32],
  orange: [240, 130, 30],
  brown: [130, 82, 45],
  yellow: [245, 215, 50],
  gold: [200, 160, 50],
  beige: [225, 205, 165],
  green: [50, 160, 70],
  olive: [110, 120, 40],
  teal: [30, 128, 128],
  cyan: [60, 200, 220],
  blue: [40, 90, 210],
  navy: [20, 35, 100],
  purple: [120, 60, 170],
  magenta: [210, 50, 170],
  pink: [245, 160, 190],
} as const satisfies Record<string, readonly [number, number, number]>;

export type ColorName = keyof typeof PALETTE;
export const COLOR_NAMES = Object.keys(PALETTE) as ColorName[];

/** Tones describe the image as a whole; each has a coverage (fraction of pixels). */
export const TONES = ["dark", "light", "warm", "cool", "vivid", "muted"] as const;
export type Tone = (typeof TONES)[number];

/** Object classes the world draws as distinct silhouettes and the scene detector predicts. */
export const OBJECT_CLASSES = [
  "person",
  "bottle",
  "cup",
  "car",
  "shoe",
  "phone",
  "laptop",
  "tree",
  "sun",
  "house",
  "dog",
  "bag",
  "watch",
  "plane",
  "bicycle",
  "chair",
  "flower",
  "burger",
] as const;
export type ObjectClass = (typeof OBJECT_CLASSES)[number];

/** Verbalization limits (SPEC §3.4). */
export const MIN_COLOR_COVERAGE = 0.05;
export const MAX_COLORS = 5;
export const COVERAGE_STEP = 0.05; // coverages are quantized to multiples of this
export const BOX_GRID = 16; // boxes are quantized to a 1/16 grid
/** At most this many objects in a canonical verbalization (SPEC §3.4: compact); ~6 tokens each. */
export const MAX_OBJECTS = 10;
