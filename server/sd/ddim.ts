/**
 * DDIM with the Gaussian log-probability of each step (SPEC §5; what DDPO needs), the TypeScript
 * twin of models/boig_trainer/sd_ddim.py (checked against PyTorch on golden_ddim.json):
 *
 *   x0_hat   = (x_t - sqrt(1 - a_t) * eps) / sqrt(a_t)
 *   sigma_t  = eta * sqrt((1 - a_prev) / (1 - a_t) * (1 - a_t / a_prev))
 *   mean     = sqrt(a_prev) * x0_hat + sqrt(1 - a_prev - sigma_t^2) * eps
 *   x_prev   = mean + sigma_t * z,   z ~ N(0, I)
 *   log_prob = Σ over latent dims of log N(x_prev; mean, sigma_t^2)   (summed, not averaged)
 *
 * a_t = alphas_cumprod[t]; a_prev = alphas_cumprod[t - stride], or the final alpha (alphas_cumprod[0])
 * past the end. Timesteps: SD's "leading" spacing with offset 1 (751, 501, 251, 1 for 4 of 1000).
 */
const HALF_LOG_TWO_PI = 0.5 * Math.log(2 * Math.PI);

export type Schedule = { alphasCumprod: Float32Array | readonly number[]; finalAlphaCumprod: number };

export function ddimTimesteps(trainTimesteps: number, steps: number, offset = 1): { t: number; prev: number }[] {
  if (!Number.isInteger(steps) || steps < 1 || steps > trainTimesteps) throw new Error(`steps must be in 1..${trainTimesteps}, got ${steps}`);
  const stride = Math.floor(trainTimesteps / steps);
  return Array.from({ length: steps }, (_, i) => {
    const t = (steps - 1 - i) * stride + offset;
    return { t, prev: t - stride };
  });
}

/**
 * One step for a batch laid out row-major [B, ...latent]. `noise` (same layout) is required when
 * eta > 0. Returns x_prev and, when eta > 0, the log-probability of each row (else null).
 */
export function ddimStep(
  schedule: Schedule,
  eps: Float32Array,
  x: Float32Array,
  t: number,
  prevT: number,
  eta: number,
  batch: number,
  noise?: Float32Array,
): { prev: Float32Array; logProbs: Float64Array | null } {
  const aT = schedule.alphasCumprod[t]!;
  const aPrev = prevT >= 0 ? schedule.alphasCumprod[prevT]! : schedule.finalAlphaCumprod;
  const std = eta * Math.sqrt(((1 - aPrev) / (1 - aT)) * (1 - aT / aPrev));
  const direction = Math.sqrt(Math.max(0, 1 - aPrev - std * std));
  if (eta > 0 && (!noise || noise.length !== x.length)) throw new Error("ddimStep with eta > 0 needs a noise array shaped like x");
  const inner = x.length / batch;
  const prev = new Float32Array(x.length);
  const logProbs = eta > 0 ? new Float64Array(batch) : null;
  const [sqrtAT, sqrt1mAT, sqrtAPrev] = [Math.sqrt(aT), Math.sqrt(1 - aT), Math.sqrt(aPrev)];
  for (let b = 0; b < batch; b++) {
    let sum = 0;
    for (let j = b * inner; j < (b + 1) * inner; j++) {
      const x0 = (x[j]! - sqrt1mAT * eps[j]!) / sqrtAT;
      const mean = sqrtAPrev * x0 + direction * eps[j]!;
      // Float32 like PyTorch's tensors; the log-density uses the stored value.
      prev[j] = eta > 0 ? mean + std * noise![j]! : mean;
      if (eta > 0) sum += -((prev[j]! - mean) ** 2) / (2 * std * std) - Math.log(std) - HALF_LOG_TWO_PI;
    }
    if (logProbs) logProbs[b] = sum;
  }
  return { prev, logProbs };
}

/** Classifier-free guidance on a UNet output laid out [uncond rows; cond rows]. */
export function guidedEps(out: Float32Array, batch: number, scale: number): Float32Array {
  const half = out.length / 2;
  if (half !== Math.floor(half) || batch <= 0) throw new Error("guidedEps needs [uncond; cond] rows");
  const eps = new Float32Array(half);
  for (let j = 0; j < half; j++) eps[j] = out[j]! + scale * (out[half + j]! - out[j]!);
  return eps;
}
