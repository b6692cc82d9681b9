/**
 * Image resizing shared by the ONNX wrappers that feed a fixed-size input (the COCO detector's
 * letterbox, the MobileNetV2 feature extractor's stretch): separable triangle filtering.
 */
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
