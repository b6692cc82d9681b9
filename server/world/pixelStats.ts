/**
 * A simple pixel verbalizer for the world's own ground truth (SPEC §3.4 colors and tones):
 * every pixel counts toward its nearest PALETTE color (Euclidean RGB) and toward each tone
 * its HSL satisfies. The thresholds follow the project verbalizer's brief (dark L < 0.3,
 * light L > 0.7, vivid S > 0.6, muted S < 0.2, warm/cool by hue when S > 0.25); the hue
 * ranges are this module's choice (docs/world.md), so server/verbalize may differ slightly.
 */
import {
  COLOR_NAMES, MAX_COLORS, MIN_COLOR_COVERAGE, PALETTE, TONES, type ColorName, type Tone,
} from "../verbalize/vocabulary";

export type Rgb = readonly [number, number, number];

export function nearestPaletteColor([r, g, b]: Rgb): ColorName {
  let best: ColorName = "black";
  let bestDistance = Infinity;
  for (const name of COLOR_NAMES) {
    const [pr, pg, pb] = PALETTE[name];
    const distance = (r - pr) ** 2 + (g - pg) ** 2 + (b - pb) ** 2;
    if (distance < bestDistance) [best, bestDistance] = [name, distance];
  }
  return best;
}

/** Hue in degrees [0, 360), saturation and lightness in [0, 1] (HSL). */
export function toHsl([r, g, b]: Rgb): { h: number; s: number; l: number } {
  const [rn, gn, bn] = [r / 255, g / 255, b / 255];
  const max = Math.max(rn, gn, bn), min = Math.min(rn, gn, bn);
  const l = (max + min) / 2;
  const delta = max - min;
  if (delta === 0) return { h: 0, s: 0, l };
  const s = delta / (1 - Math.abs(2 * l - 1));
  let h = max === rn ? ((gn - bn) / delta) % 6 : max === gn ? (bn - rn) / delta + 2 : (rn - gn) / delta + 4;
  h = (h * 60 + 360) % 360;
  return { h, s, l };
}

/** Warm: reds, oranges, yellows, pinks (hue < 70 or >= 330). Cool: teal to violet (150..290). */
export function tonesOf(rgb: Rgb): Tone[] {
  const { h, s, l } = toHsl(rgb);
  const tones: Tone[] = [];
  if (l < 0.3) tones.push("dark");
  if (l > 0.7) tones.push("light");
  if (s > 0.25 && (h < 70 || h >= 330)) tones.push("warm");
  if (s > 0.25 && h >= 150 && h < 290) tones.push("cool");
  if (s > 0.6) tones.push("vivid");
  if (s < 0.2) tones.push("muted");
  return tones;
}

const round4 = (value: number) => Math.round(value * 10_000) / 10_000;

/** Colors (>= 5%, at most 5, largest first) and tones (>= 5%, largest first) of an RGBA image. */
export function colorAndToneCoverage(rgba: Uint8Array): {
  colors: { name: ColorName; coverage: number }[];
  tones: { name: Tone; coverage: number }[];
} {
  const pixels = rgba.length / 4;
  const byRgb = new Map<number, number>(); // flat scenes have few distinct colors: count, then classify once
  for (let i = 0; i < rgba.length; i += 4) {
    const key = (rgba[i]! << 16) | (rgba[i + 1]! << 8) | rgba[i + 2]!;
    byRgb.set(key, (byRgb.get(key) ?? 0) + 1);
  }
  const colorCounts = new Map<ColorName, number>();
  const toneCounts = new Map<Tone, number>();
  for (const [key, count] of byRgb) {
    const rgb: Rgb = [(key >> 16) & 255, (key >> 8) & 255, key & 255];
    const name = nearestPaletteColor(rgb);
    colorCounts.set(name, (colorCounts.get(name) ?? 0) + count);
    for (const tone of tonesOf(rgb)) toneCounts.set(tone, (toneCounts.get(tone) ?? 0) + count);
  }
  const colors = [...colorCounts]
    .map(([name, count]) => ({ name, coverage: round4(count / pixels) }))
    .filter((c) => c.coverage >= MIN_COLOR_COVERAGE)
    .sort((a, b) => b.coverage - a.coverage || COLOR_NAMES.indexOf(a.name) - COLOR_NAMES.indexOf(b.name))
    .slice(0, MAX_COLORS);
  const tones = TONES.map((name) => ({ name, coverage: round4((toneCounts.get(name) ?? 0) / pixels) }))
    .filter((t) => t.coverage >= MIN_COLOR_COVERAGE)
    .sort((a, b) => b.coverage - a.coverage);
  return { colors, tones };
}
