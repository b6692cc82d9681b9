/**
 * How sure is a Table 2 comparison? The true KPI is heavy-tailed (likes), so a mean over a few
 * dozen images moves a lot with the prompts drawn. Every model sees the same prompts and noise
 * seeds (evalSd), so the comparison is PAIRED: resample prompts with replacement, keep each
 * prompt's two numbers together, and read the 2.5th and 97.5th percentiles of
 * mean(ours) / mean(other) − 1 (percentile bootstrap, Efron & Tibshirani 1993 ch. 13).
 * Seeded, so a rerun prints the same interval.
 */
import { createRng } from "../world/random";

export type Interval = { low: number; high: number };

export const BOOTSTRAP_RESAMPLES = 2000;

/** 95% interval of mean(ours)/mean(other) − 1 over prompts; null with fewer than 2 prompts or a non-positive mean. */
export function pairedRatioInterval(ours: readonly number[], other: readonly number[], seed = 0, resamples = BOOTSTRAP_RESAMPLES): Interval | null {
  if (ours.length !== other.length) throw new Error(`paired samples differ in length: ${ours.length} vs ${other.length}`);
  const n = ours.length;
  if (n < 2) return null;
  const rng = createRng(seed, "paired-bootstrap");
  const changes: number[] = [];
  for (let r = 0; r < resamples; r++) {
    let sumOurs = 0, sumOther = 0;
    for (let i = 0; i < n; i++) {
      const pick = rng.int(0, n - 1);
      sumOurs += ours[pick]!;
      sumOther += other[pick]!;
    }
    if (sumOther > 0) changes.push(sumOurs / sumOther - 1);
  }
  if (changes.length < resamples / 2) return null;
  return percentileInterval(changes);
}

/** The 2.5th and 97.5th percentiles of bootstrap draws (nearest rank; sorts `draws` in place; at least one draw). */
export function percentileInterval(draws: number[]): Interval {
  draws.sort((a, b) => a - b);
  const at = (q: number) => draws[Math.round(q * (draws.length - 1))]!;
  return { low: at(0.025), high: at(0.975) };
}
