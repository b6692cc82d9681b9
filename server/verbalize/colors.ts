import { assertRgbaSize } from "./assertRgbaSize";
import { linearToLab, srgbToLab, srgbToLinear, type Lab } from "./cielab";
import { COLOR_NAMES, MAX_COLORS, MIN_COLOR_COVERAGE, PALETTE, type ColorName } from "./vocabulary";

/**
 * Named colors with pixel coverage (SPEC §3.4): each pixel takes the name of its nearest PALETTE
 * entry; coverage = fraction of the non-transparent pixels; only names ≥ MIN_COLOR_COVERAGE, at
 * most MAX_COLORS, largest first (ties in palette order, so the result is deterministic).
 *
 * Distance: CIE76 ΔE (Euclidean in CIELab). Lab is built so that equal distances look roughly
 * equally different; Euclidean RGB is not (it spreads greens wide and crushes darks together),
 * and "redmean" only patches RGB. With Lab, a JPEG's shaded or compressed pixels go to the name
 * a person would give them. CIEDE2000 would refine this, but the palette is coarse (closest
 * pair white/silver at ΔE 19), so it would rarely change a name and costs ~10× more per color.
 */
export type ColorCoverage = { name: ColorName; coverage: number };

// Flat [L, a, b, L, a, b, ...] in COLOR_NAMES order, for a tight nearest-entry loop.
const PALETTE_LAB = Float64Array.from(
  COLOR_NAMES.flatMap((name) => {
    const [r, g, b] = PALETTE[name];
    return [...srgbToLab(r, g, b)];
  }),
);

/** Index into COLOR_NAMES of the palette entry nearest (ΔE76) to a Lab color; first one on a tie. */
function nearestToLab([l, a, b]: Lab): number {
  let best = 0;
  let bestDistance = Infinity;
  for (let i = 0; i < PALETTE_LAB.length; i += 3) {
    const dl = l - PALETTE_LAB[i]!;
    const da = a - PALETTE_LAB[i + 1]!;
    const db = b - PALETTE_LAB[i + 2]!;
    const distance = dl * dl + da * da + db * db;
    if (distance < bestDistance) {
      best = i / 3;
      bestDistance = distance;
    }
  }
  return best;
}

export const nearestPaletteColor = (r: number, g: number, b: number): ColorName => COLOR_NAMES[nearestToLab(srgbToLab(r, g, b))]!;

/*
 * Speed: a lookup table over RGB quantized to 6 bits per channel (2^18 cells, 256 KiB per
 * process), each cell holding the nearest name of the cell's *center* — so the answer never
 * depends on which pixel filled it first. Cells are filled on first use (a render with a few
 * hundred colors fills a few hundred; a photo tens of thousands, ~0.25 µs each; all of them
 * would take ~65 ms). A cell is 4 levels wide, so a pixel is classified as if it were at most
 * 2 levels away per channel — far below the palette's spacing (closest pair: white/silver,
 * ΔE 19) — and every PALETTE color still maps to itself (tested).
 */
const BITS = 6;
const SHIFT = 8 - BITS;
const LEVELS = 1 << BITS;
const CELL_CENTER = ((1 << SHIFT) - 1) / 2;
const UNSET = 255;
const LINEAR = Float64Array.from({ length: LEVELS }, (_, q) => srgbToLinear((q << SHIFT) + CELL_CENTER));
const lookup = new Uint8Array(LEVELS ** 3).fill(UNSET);

function fillCell(cell: number): number {
  const r = cell >> (2 * BITS);
  const g = (cell >> BITS) & (LEVELS - 1);
  const b = cell & (LEVELS - 1);
  return (lookup[cell] = nearestToLab(linearToLab(LINEAR[r]!, LINEAR[g]!, LINEAR[b]!)));
}

/** Fully transparent pixels (alpha 0) carry no color and are ignored; all others count. */
export function measureColors(rgba: Uint8Array, width: number, height: number): ColorCoverage[] {
  assertRgbaSize(rgba, width, height);
  const counts = new Uint32Array(COLOR_NAMES.length);
  let opaque = 0;
  for (let i = 0; i < rgba.length; i += 4) {
    if (rgba[i + 3] === 0) continue;
    opaque++;
    const cell = ((rgba[i]! >> SHIFT) << (2 * BITS)) | ((rgba[i + 1]! >> SHIFT) << BITS) | (rgba[i + 2]! >> SHIFT);
    const known = lookup[cell]!;
    counts[known === UNSET ? fillCell(cell) : known]!++;
  }
  if (opaque === 0) return [];
  return COLOR_NAMES.map((name, i) => ({ name, coverage: counts[i]! / opaque }))
    .filter((c) => c.coverage >= MIN_COLOR_COVERAGE)
    .sort((x, y) => y.coverage - x.coverage || COLOR_NAMES.indexOf(x.name) - COLOR_NAMES.indexOf(y.name))
    .slice(0, MAX_COLORS);
}
