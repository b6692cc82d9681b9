import { assertRgbaSize } from "./assertRgbaSize";
import { MIN_COLOR_COVERAGE, TONES, type Tone } from "./vocabulary";

/**
 * Tones with pixel coverage (SPEC §3.4). Each non-transparent pixel is placed in HSL
 * (lightness L, saturation S, hue H in degrees) and counts for every tone it satisfies:
 *   dark   L < 0.3
 *   light  L > 0.7
 *   warm   S > 0.25 and H in pink-red → orange → yellow: H ≥ 330° or H < 70°
 *   cool   S > 0.25 and H in teal → cyan → blue → violet: 150° ≤ H < 290°
 *   vivid  S > 0.6
 *   muted  S < 0.2
 * Greens (70°–150°) and magentas (290°–330°) are neither warm nor cool. The world's ground truth
 * (server/world/groundTruth.ts) calls this same function, so measured and true tones agree.
 * Refinement: HSL saturation explodes near black and white ((2,0,0) has S = 1), so JPEG noise in
 * shadows would read as "vivid, warm". A pixel whose chroma (max − min channel) is below
 * TONE_THRESHOLDS.achromaticChroma is treated as grey (S = 0, no hue): muted, and dark/light by L only.
 * With that, the palette reads as expected: white/silver light+muted, black dark+muted,
 * navy dark+cool+vivid, beige light+warm, teal cool+vivid, olive warm.
 * Coverage is the fraction of non-transparent pixels; tones ≥ MIN_COLOR_COVERAGE are kept,
 * largest first (ties in TONES order). Coverages need not sum to 1.
 */
export type ToneCoverage = { name: Tone; coverage: number };

export const TONE_THRESHOLDS = {
  darkBelowLightness: 0.3,
  lightAboveLightness: 0.7,
  hueToneMinSaturation: 0.25,
  vividAboveSaturation: 0.6,
  mutedBelowSaturation: 0.2,
  warmHue: { from: 330, to: 70 }, // wraps through 0°
  coolHue: { from: 150, to: 290 },
  achromaticChroma: 20, // of 255, ~8%
} as const;

const T = TONE_THRESHOLDS;
const [DARK, LIGHT, WARM, COOL, VIVID, MUTED] = [0, 1, 2, 3, 4, 5] as const;

export function measureTones(rgba: Uint8Array, width: number, height: number): ToneCoverage[] {
  assertRgbaSize(rgba, width, height);
  const counts = new Uint32Array(TONES.length);
  let opaque = 0;
  // In 8-bit units: L = (max + min) / 510; S = chroma / (255 − |max + min − 255|).
  const darkSum = T.darkBelowLightness * 510;
  const lightSum = T.lightAboveLightness * 510;
  for (let i = 0; i < rgba.length; i += 4) {
    if (rgba[i + 3] === 0) continue;
    opaque++;
    const r = rgba[i]!;
    const g = rgba[i + 1]!;
    const b = rgba[i + 2]!;
    const max = r > g ? (r > b ? r : b) : g > b ? g : b;
    const min = r < g ? (r < b ? r : b) : g < b ? g : b;
    const sum = max + min;
    if (sum < darkSum) counts[DARK]!++;
    else if (sum > lightSum) counts[LIGHT]!++;
    const chroma = max - min;
    if (chroma < T.achromaticChroma) {
      counts[MUTED]!++;
      continue;
    }
    const saturation = chroma / (255 - Math.abs(sum - 255));
    if (saturation > T.vividAboveSaturation) counts[VIVID]!++;
    else if (saturation < T.mutedBelowSaturation) counts[MUTED]!++;
    if (saturation <= T.hueToneMinSaturation) continue;
    const hue = hueDegrees(r, g, b, max, chroma);
    if (hue >= T.warmHue.from || hue < T.warmHue.to) counts[WARM]!++;
    else if (hue >= T.coolHue.from && hue < T.coolHue.to) counts[COOL]!++;
  }
  if (opaque === 0) return [];
  return TONES.map((name, i) => ({ name, coverage: counts[i]! / opaque }))
    .filter((t) => t.coverage >= MIN_COLOR_COVERAGE)
    .sort((x, y) => y.coverage - x.coverage || TONES.indexOf(x.name) - TONES.indexOf(y.name));
}

/** Standard HSL/HSV hue in [0, 360); chroma > 0. */
function hueDegrees(r: number, g: number, b: number, max: number, chroma: number): number {
  let sector: number;
  if (max === r) sector = (g - b) / chroma + (g < b ? 6 : 0);
  else if (max === g) sector = (b - r) / chroma + 2;
  else sector = (r - g) / chroma + 4;
  return sector * 60;
}
