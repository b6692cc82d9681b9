/**
 * How sure is a Table 1 win? A win is "BoigLLM's all-buckets mean is better than the baseline's",
 * and with a few hundred test images a difference of 0.001 is noise. Both rows are scored on the
 * same images, so the comparison is PAIRED: resample each bucket's images with replacement (the
 * buckets are fixed strata: "all" is their unweighted mean), keep each image's two predictions
 * together, recompute both rows' macro-averaged means, and read the 2.5th and 97.5th percentiles of
 * the advantage (percentile bootstrap, Efron & Tibshirani 1993 ch. 13). Seeded: a rerun prints the
 * same intervals.
 *
 * Advantage is oriented so that positive = BoigLLM better: ours − other for a higher-is-better
 * metric, other − ours for an error metric. A metric undefined for a pair (e.g. colors coverage
 * with no matched color) is left out of that row's mean, as in aggregateMetrics.
 */
import { createRng } from "../world/random";
import { BOOTSTRAP_RESAMPLES, percentileInterval } from "./pairedBootstrap";
import { METRIC_DIRECTION, METRIC_NAMES, type MetricName, type VerbalizationMetrics } from "./verbalizationMetrics";

export type Advantage = {
  /** On the full test set; null when a row's mean is undefined. */
  value: number | null;
  /** 95% interval; null when undefined in too many resamples. */
  low: number | null;
  high: number | null;
};
export type AdvantageSummary = {
  metrics: Record<MetricName, Advantage>;
  surelyBetter: number;
  surelyWorse: number;
  /** Some bucket has fewer than MIN_BOOTSTRAP_IMAGES images: no intervals (a resample of 2 images is not a distribution). */
  tooFewImages?: boolean;
};

/** Below this many images in a bucket the percentile bootstrap is badly overconfident; no interval is given. */
export const MIN_BOOTSTRAP_IMAGES = 10;

/** One bucket: per test image, the metrics of our prediction and of the baseline's (same order). */
export type PairedBucket = { ours: readonly VerbalizationMetrics[]; other: readonly VerbalizationMetrics[] };

const orient = (name: MetricName, ours: number, other: number) => (METRIC_DIRECTION[name] === "higher" ? ours - other : other - ours);

/** Macro-average over buckets of the per-bucket mean of defined values, for the picked images. */
function macroMean(buckets: readonly PairedBucket[], picks: readonly (readonly number[])[], side: "ours" | "other", name: MetricName): number | null {
  let total = 0;
  let defined = 0;
  buckets.forEach((bucket, b) => {
    let sum = 0;
    let n = 0;
    for (const i of picks[b]!) {
      const value = bucket[side][i]![name];
      if (value !== null) {
        sum += value;
        n++;
      }
    }
    if (n > 0) {
      total += sum / n;
      defined++;
    }
  });
  return defined === 0 ? null : total / defined;
}

export function advantageIntervals(buckets: readonly PairedBucket[], seed = 0, resamples = BOOTSTRAP_RESAMPLES): AdvantageSummary {
  for (const b of buckets) if (b.ours.length !== b.other.length) throw new Error(`paired buckets differ in length: ${b.ours.length} vs ${b.other.length}`);
  const identity = buckets.map((b) => b.ours.map((_, i) => i));
  const tooFewImages = buckets.some((b) => b.ours.length < MIN_BOOTSTRAP_IMAGES);
  const rounds = tooFewImages ? 0 : resamples;
  const rng = createRng(seed, "table1-bootstrap");
  const draws: Record<MetricName, number[]> = Object.fromEntries(METRIC_NAMES.map((name) => [name, []])) as unknown as Record<MetricName, number[]>;
  for (let r = 0; r < rounds; r++) {
    const picks = buckets.map((b) => b.ours.map(() => rng.int(0, b.ours.length - 1)));
    for (const name of METRIC_NAMES) {
      const ours = macroMean(buckets, picks, "ours", name);
      const other = macroMean(buckets, picks, "other", name);
      if (ours !== null && other !== null) draws[name].push(orient(name, ours, other));
    }
  }
  const metrics = Object.fromEntries(
    METRIC_NAMES.map((name): [MetricName, Advantage] => {
      const ours = macroMean(buckets, identity, "ours", name);
      const other = macroMean(buckets, identity, "other", name);
      const value = ours === null || other === null ? null : orient(name, ours, other);
      if (draws[name].length === 0 || draws[name].length < rounds / 2) return [name, { value, low: null, high: null }];
      return [name, { value, ...percentileInterval(draws[name]) }];
    }),
  ) as Record<MetricName, Advantage>;
  const all = Object.values(metrics);
  return {
    metrics,
    ...(tooFewImages ? { tooFewImages } : {}),
    surelyBetter: all.filter((a) => a.low !== null && a.low > 0).length,
    surelyWorse: all.filter((a) => a.high !== null && a.high < 0).length,
  };
}
