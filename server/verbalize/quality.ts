/**
 * A no-reference image quality proxy (SPEC §6: no aesthetic model can be obtained here).
 * Three measurable properties, each mapped to [0, 1] and averaged:
 * - sharpness: mean |Laplacian| of luminance (blurry or flat images score low), saturating at 0.12;
 * - colorfulness: Hasler & Süsstrunk (2003) M = σ_rgyb + 0.3 μ_rgyb on 0..255 channels, saturating at 100;
 * - contrast: standard deviation of luminance in [0, 1], saturating at 0.3.
 * It is a proxy for "a clear, vivid, well-contrasted image", not a judgement of beauty.
 */
export type QualityProxy = { sharpness: number; colorfulness: number; contrast: number; score: number };

const clamp01 = (v: number) => Math.min(1, Math.max(0, v));

export function qualityProxy(rgba: Uint8Array, width: number, height: number): QualityProxy {
  const n = width * height;
  const luma = new Float32Array(n);
  let rgSum = 0, ybSum = 0, rgSq = 0, ybSq = 0, lSum = 0, lSq = 0;
  for (let i = 0; i < n; i++) {
    const r = rgba[i * 4]!, g = rgba[i * 4 + 1]!, b = rgba[i * 4 + 2]!;
    const l = (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255;
    luma[i] = l;
    lSum += l;
    lSq += l * l;
    const rg = r - g, yb = 0.5 * (r + g) - b;
    rgSum += rg; ybSum += yb; rgSq += rg * rg; ybSq += yb * yb;
  }
  const mean = (s: number) => s / n;
  const sd = (s: number, sq: number) => Math.sqrt(Math.max(0, sq / n - (s / n) ** 2));
  const colorfulness = Math.hypot(sd(rgSum, rgSq), sd(ybSum, ybSq)) + 0.3 * Math.hypot(mean(rgSum), mean(ybSum));
  const contrast = sd(lSum, lSq);
  let lap = 0;
  let count = 0;
  for (let y = 1; y < height - 1; y++)
    for (let x = 1; x < width - 1; x++) {
      const i = y * width + x;
      lap += Math.abs(4 * luma[i]! - luma[i - 1]! - luma[i + 1]! - luma[i - width]! - luma[i + width]!);
      count++;
    }
  const sharpness = count ? lap / count : 0;
  const score = (clamp01(sharpness / 0.12) + clamp01(colorfulness / 100) + clamp01(contrast / 0.3)) / 3;
  return { sharpness, colorfulness, contrast, score };
}
