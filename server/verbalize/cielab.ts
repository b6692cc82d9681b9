/**
 * sRGB (8-bit, D65) → CIELab. Lab is close to perceptually uniform, so Euclidean distance in it
 * (CIE76 ΔE) is a reasonable "how different do these colors look" for naming pixels (SPEC §3.4).
 */
export type Lab = readonly [l: number, a: number, b: number];

/** An sRGB channel (0–255, fractional allowed) → linear light in [0, 1]. */
export const srgbToLinear = (channel: number) => {
  const c = channel / 255;
  return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
};

// D65 reference white, Y normalized to 1.
const WHITE_X = 0.95047;
const WHITE_Z = 1.08883;
const EPSILON = 216 / 24389;
const KAPPA = 24389 / 27;
const f = (t: number) => (t > EPSILON ? Math.cbrt(t) : (KAPPA * t + 16) / 116);

export const srgbToLab = (r: number, g: number, b: number): Lab => linearToLab(srgbToLinear(r), srgbToLinear(g), srgbToLinear(b));

/** Linear-light RGB (sRGB primaries) → CIELab. */
export function linearToLab(lr: number, lg: number, lb: number): Lab {
  const x = (0.4124564 * lr + 0.3575761 * lg + 0.1804375 * lb) / WHITE_X;
  const y = 0.2126729 * lr + 0.7151522 * lg + 0.072175 * lb;
  const z = (0.0193339 * lr + 0.119192 * lg + 0.9503041 * lb) / WHITE_Z;
  const fx = f(x);
  const fy = f(y);
  const fz = f(z);
  return [116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)];
}
