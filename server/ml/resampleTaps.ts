/**
 * Image resizing shared by the ONNX wrappers that feed a fixed-size input (the COCO detector's
 * letterbox, the MobileNetV2 feature extractor's stretch): separable triangle filtering.
 */
import type { RgbaImage } from "../verbalize/types";
/** Resampling taps along one axis: for output index o, source indices start.. with weights. */
export type Taps = { start: number; weights: Float64Array }[];

/**
 * Triangle (linear) filter whose support grows with the downscale factor: plain bilinear with
 * half-pixel centers when enlarging, an antialiased average when shrinking (no aliasing on big
 * photos). Weights are renormalized at the borders.
 */
export function resampleTaps(source: number, target: number): Taps {
  const scale = source / target;
  const support = Math.max(1, scale);
  return Array.from({ length: target }, (_, o) => {
    const center = (o + 0.5) * scale;
    const start = Math.max(0, Math.floor(center - support));
    const end = Math.min(source, Math.ceil(center + support));
    const weights = new Float64Array(Math.max(0, end - start));
    let total = 0;
    for (let s = start; s < end; s++) {
      const w = Math.max(0, 1 - Math.abs((s + 0.5 - center) / support));
      weights[s - start] = w;
      total += w;
    }
    if (total === 0) {
      // Cannot happen for source >= 1 (the nearest pixel is always within support), but never divide by 0.
      const nearest = Math.min(source - 1, Math.max(0, Math.floor(center)));
      return { start: nearest, weights: Float64Array.of(1) };
    }
    // Drop zero taps at both ends (an unscaled axis becomes a plain copy).
    let first = 0, last = weights.length;
    while (weights[first] === 0) first++;
    while (weights[last - 1] === 0) last--;
    const kept = weights.slice(first, last).map((w) => w / total);
    return { start: start + first, weights: kept };
  });
}

/** Throws RangeError on a malformed image (empty, or rgba length not width * height * 4). */
export function assertRgbaImage({ rgba, width, height }: RgbaImage): void {
  if (!(width >= 1 && height >= 1) || rgba.length !== width * height * 4) {
    throw new RangeError(`image of ${width}x${height} needs ${width * height * 4} RGBA bytes, got ${rgba.length}`);
  }
}

/**
 * Resizes RGBA bytes to `outWidth` x `outHeight` RGB floats (0..255, alpha ignored) with the taps above:
 * a horizontal pass over every source row, then a vertical pass written into `out` from `offset`, output
 * rows `rowStride` values apart (a letterbox fills a rectangle inside a larger input). `Intermediate` is
 * the horizontal pass's precision; each wrapper keeps the one its golden fixtures were made with.
 */
export function resampleRgbInto(
  image: RgbaImage,
  outWidth: number,
  outHeight: number,
  out: Float32Array,
  offset: number,
  rowStride: number,
  Intermediate: Float32ArrayConstructor | Float64ArrayConstructor,
): void {
  const { rgba, width, height } = image;
  const columns = resampleTaps(width, outWidth);
  const rows = resampleTaps(height, outHeight);
  const horizontal = new Intermediate(height * outWidth * 3); // [height, outWidth, RGB]
  for (let y = 0; y < height; y++) {
    const rowBase = y * width;
    for (let ox = 0; ox < outWidth; ox++) {
      const { start, weights } = columns[ox]!;
      let r = 0, g = 0, b = 0;
      for (let i = 0; i < weights.length; i++) {
        const p = (rowBase + start + i) * 4;
        const w = weights[i]!;
        r += rgba[p]! * w;
        g += rgba[p + 1]! * w;
        b += rgba[p + 2]! * w;
      }
      const q = (y * outWidth + ox) * 3;
      horizontal[q] = r;
      horizontal[q + 1] = g;
      horizontal[q + 2] = b;
    }
  }
  for (let oy = 0; oy < outHeight; oy++) {
    const { start, weights } = rows[oy]!;
    const outRow = offset + oy * rowStride;
    for (let ox = 0; ox < outWidth; ox++) {
      let r = 0, g = 0, b = 0;
      for (let i = 0; i < weights.length; i++) {
        const q = ((start + i) * outWidth + ox) * 3;
        const w = weights[i]!;
        r += horizontal[q]! * w;
        g += horizontal[q + 1]! * w;
        b += horizontal[q + 2]! * w;
      }
      const p = outRow + ox * 3;
      out[p] = r;
      out[p + 1] = g;
      out[p + 2] = b;
    }
  }
}
