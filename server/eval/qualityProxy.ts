/**
 * A no-reference image quality proxy for generated images (SPEC §6). It stands in for the aesthetic /
 * quality scores the paper could draw on (no aesthetic model, pretrained CLIP or IQA network can be
 * obtained here, SPEC §9): it measures whether an image is crisp, contrasted, colorful and clean, not
 * whether it is beautiful. Deterministic: a pure function of the pixels.
 *
 * The image is first area-resized to 64 × 64 RGB in [0, 1] (BoigSD's output size, the world's render
 * size; alpha ignored), so every measure is on the same scale whatever the input size. With L the
 * Rec. 709 luminance and med(·) a 3 × 3 median filter (edge pixels replicated), which removes pixel
 * noise but keeps step edges:
 *
 * - noise = NOISE_GAIN · median |L − med(L)|: a robust noise level, calibrated so that i.i.d.
 *   Gaussian noise of standard deviation σ on the luminance reads σ (independent noise σ on each RGB
 *   channel reads ≈ 0.75 σ, the norm of the Rec. 709 weights). The median ignores edges and thin
 *   details, which the filter also changes: piecewise-flat renders read 0. Fine texture reads as
 *   noise too, which is why this is a proxy for renders and generated images, not for photos.
 * - sharpness = Σ|∇²M| / (Σ|∇M| + ε·N) on M = med(L), with ∇² the 4-neighbour Laplacian and ∇ the
 *   Sobel gradient / 8: a contrast-free edge-steepness ratio, 2 for a one-pixel step edge and roughly
 *   inversely proportional to an edge's width, so blur lowers it; ε = GRADIENT_FLOOR keeps a nearly
 *   flat image (no edges) at ~0.
 * - contrast = standard deviation of M (RMS contrast).
 * - colorfulness = Hasler & Süsstrunk (2003): √(σ_rg² + σ_yb²) + 0.3 √(μ_rg² + μ_yb²) on the
 *   median-filtered channels in 0…255 (rg = R − G, yb = (R + G) / 2 − B); 109 is their "extremely
 *   colorful".
 *
 * Each is mapped to [0, 1] by saturating at a reference value (SATURATION), and
 *   score = (0.5 · sharpness + 0.25 · contrast + 0.25 · colorfulness) · (1 − noise penalty),
 * so a noisy image loses in proportion to its noise whatever its other merits, and a flat or blurred
 * one gets little from sharpness and contrast (blockiness is not measured: BoigSD's decoder does
 * not produce JPEG blocks). The weights are a documented choice, not learned.
 */
import { writeImageTensor } from "../ml/sceneDetector";
import type { RgbaImage } from "../verbalize/types";

export const QUALITY_SIZE = 64;
/** median |X − med3×3(X)| of i.i.d. N(0, σ²) pixels is σ / NOISE_GAIN (numerically, on 10⁶ pixels: 0.5832 σ). */
const NOISE_GAIN = 1.715;
const GRADIENT_FLOOR = 0.002;
/** Raw value at which each part reaches 1 (noise: the level at which the penalty is total). */
export const SATURATION = { sharpness: 2, contrast: 0.25, colorfulness: 109, noise: 0.06 } as const;
export const WEIGHTS = { sharpness: 0.5, contrast: 0.25, colorfulness: 0.25 } as const;

export type QualityComponents = { sharpness: number; contrast: number; colorfulness: number; noise: number };
export type QualityProxyResult = {
  /** In [0, 1]: higher is crisper, more contrasted, more colorful and cleaner. */
  score: number;
  /** The raw measures (units above). */
  components: QualityComponents;
  /** Each measure mapped to [0, 1]; `noise` is the penalty. */
  parts: QualityComponents;
};

const clamp01 = (v: number) => Math.min(1, Math.max(0, v));

function median9(values: Float64Array): number {
  // insertion sort of 9 values: the median of a 3×3 window
  for (let i = 1; i < 9; i++) {
    const v = values[i]!;
    let j = i - 1;
    while (j >= 0 && values[j]! > v) {
      values[j + 1] = values[j]!;
      j--;
    }
    values[j + 1] = v;
  }
  return values[4]!;
}

/** 3×3 median of a size × size plane; edge pixels replicated. */
function medianFilter(plane: Float64Array, size: number): Float64Array {
  const out = new Float64Array(plane.length);
  const window = new Float64Array(9);
  const at = (x: number, y: number) => plane[Math.min(size - 1, Math.max(0, y)) * size + Math.min(size - 1, Math.max(0, x))]!;
  for (let y = 0; y < size; y++)
    for (let x = 0; x < size; x++) {
      let k = 0;
      for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) window[k++] = at(x + dx, y + dy);
      out[y * size + x] = median9(window);
    }
  return out;
}

function medianOf(values: Float64Array): number {
  const sorted = Float64Array.from(values).sort();
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function standardDeviation(values: Float64Array): number {
  let sum = 0;
  for (const v of values) sum += v;
  const mean = sum / values.length;
  let squares = 0;
  for (const v of values) squares += (v - mean) ** 2; // two passes: exactly 0 for a constant image
  return Math.sqrt(squares / values.length);
}

/** Σ|Laplacian| / (Σ|Sobel gradient / 8| + floor · pixels) over the interior pixels. */
function edgeSteepness(m: Float64Array, size: number): number {
  let laplacian = 0, gradient = 0, count = 0;
  for (let y = 1; y < size - 1; y++)
    for (let x = 1; x < size - 1; x++) {
      const i = y * size + x;
      const [n, s, w, e] = [m[i - size]!, m[i + size]!, m[i - 1]!, m[i + 1]!];
      const [nw, ne, sw, se] = [m[i - size - 1]!, m[i - size + 1]!, m[i + size - 1]!, m[i + size + 1]!];
      laplacian += Math.abs(4 * m[i]! - n - s - w - e);
      const gx = (ne + 2 * e + se - nw - 2 * w - sw) / 8;
      const gy = (sw + 2 * s + se - nw - 2 * n - ne) / 8;
      gradient += Math.hypot(gx, gy);
      count++;
    }
  return count ? laplacian / (gradient + GRADIENT_FLOOR * count) : 0;
}

function hasslerSusstrunk(r: Float64Array, g: Float64Array, b: Float64Array): number {
  const n = r.length;
  let rgSum = 0, ybSum = 0, rgSq = 0, ybSq = 0;
  for (let i = 0; i < n; i++) {
    const rg = 255 * (r[i]! - g[i]!);
    const yb = 255 * (0.5 * (r[i]! + g[i]!) - b[i]!);
    rgSum += rg;
    ybSum += yb;
    rgSq += rg * rg;
    ybSq += yb * yb;
  }
  const [rgMean, ybMean] = [rgSum / n, ybSum / n];
  const rgVar = Math.max(0, rgSq / n - rgMean * rgMean);
  const ybVar = Math.max(0, ybSq / n - ybMean * ybMean);
  return Math.sqrt(rgVar + ybVar) + 0.3 * Math.hypot(rgMean, ybMean);
}

export function qualityProxy(image: RgbaImage): QualityProxyResult {
  const size = QUALITY_SIZE;
  const plane = size * size;
  const rgb = new Float32Array(3 * plane);
  writeImageTensor(image, size, rgb, 0); // [0, 1], CHW, area-resized
  const channel = (c: number) => Float64Array.from(rgb.subarray(c * plane, (c + 1) * plane));
  const [r, g, b] = [channel(0), channel(1), channel(2)];
  const luma = new Float64Array(plane);
  for (let i = 0; i < plane; i++) luma[i] = 0.2126 * r[i]! + 0.7152 * g[i]! + 0.0722 * b[i]!;
  const smooth = medianFilter(luma, size);
  const residual = new Float64Array(plane);
  for (let i = 0; i < plane; i++) residual[i] = Math.abs(luma[i]! - smooth[i]!);

  const components: QualityComponents = {
    sharpness: edgeSteepness(smooth, size),
    contrast: standardDeviation(smooth),
    colorfulness: hasslerSusstrunk(medianFilter(r, size), medianFilter(g, size), medianFilter(b, size)),
    noise: NOISE_GAIN * medianOf(residual),
  };
  const parts: QualityComponents = {
    sharpness: clamp01(components.sharpness / SATURATION.sharpness),
    contrast: clamp01(components.contrast / SATURATION.contrast),
    colorfulness: clamp01(components.colorfulness / SATURATION.colorfulness),
    noise: clamp01(components.noise / SATURATION.noise),
  };
  const merit = WEIGHTS.sharpness * parts.sharpness + WEIGHTS.contrast * parts.contrast + WEIGHTS.colorfulness * parts.colorfulness;
  return { score: clamp01(merit * (1 - parts.noise)), components, parts };
}
