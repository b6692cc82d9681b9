/**
 * Paired, bucket-stratified bootstrap intervals of BoigLLM's advantage (server/eval/table1Intervals.ts):
 * oriented so + = better for every metric, 0 for identical rows, surely better for a consistent
 * margin, undecided for noise around 0, undefined values left out, and seeded.
 */
import { describe, expect, it } from "vitest";
import { advantageIntervals } from "@/server/eval/table1Intervals";
import { METRIC_DIRECTION, METRIC_NAMES, type VerbalizationMetrics } from "@/server/eval/verbalizationMetrics";
import { createRng } from "@/server/world/random";

/** Metrics whose "goodness" is g in [0, 1] on every metric: g for ↑ metrics, 1 − g for error metrics. */
const withGoodness = (g: number, overrides: Partial<VerbalizationMetrics> = {}): VerbalizationMetrics =>
  ({ ...Object.fromEntries(METRIC_NAMES.map((n) => [n, METRIC_DIRECTION[n] === "higher" ? g : 1 - g])), ...overrides }) as VerbalizationMetrics;

describe("advantageIntervals", () => {
  const rng = createRng(3, "test");
  const noisy = (n: number, center: number) => Array.from({ length: n }, () => withGoodness(Math.min(1, Math.max(0, center + 0.2 * (rng.next() - 0.5)))));

  it("is exactly 0 for identical rows, with no sure win or loss", () => {
    const rows = noisy(30, 0.5);
    const a = advantageIntervals([{ ours: rows, other: rows }], 0, 200);
    expect(a.tooFewImages).toBeUndefined();
    for (const n of METRIC_NAMES) expect(a.metrics[n]).toEqual({ value: 0, low: 0, high: 0 });
    expect([a.surelyBetter, a.surelyWorse]).toEqual([0, 0]);
  });

  it("counts a consistent margin as surely better on every metric, error metrics included", () => {
    const other = noisy(40, 0.4);
    const ours = other.map((m) => withGoodness(0, Object.fromEntries(METRIC_NAMES.map((n) => [n, METRIC_DIRECTION[n] === "higher" ? m[n]! + 0.1 : m[n]! - 0.1]))));
    const a = advantageIntervals([{ ours, other }, { ours: ours.slice(0, 10), other: other.slice(0, 10) }], 0, 200);
    for (const n of METRIC_NAMES) {
      expect(a.metrics[n].value).toBeCloseTo(0.1, 10);
      expect(a.metrics[n].low).toBeGreaterThan(0);
    }
    expect([a.surelyBetter, a.surelyWorse]).toEqual([9, 0]);
    const reversed = advantageIntervals([{ ours: other, other: ours }], 0, 200);
    expect([reversed.surelyBetter, reversed.surelyWorse]).toEqual([0, 9]);
  });

  it("leaves a tiny difference under noise undecided: the interval spans 0", () => {
    const other = noisy(60, 0.5);
    const ours = noisy(60, 0.505);
    const a = advantageIntervals([{ ours, other }], 0, 500);
    for (const n of METRIC_NAMES) {
      expect(a.metrics[n].low!).toBeLessThan(0);
      expect(a.metrics[n].high!).toBeGreaterThan(0);
    }
    expect(advantageIntervals([{ ours, other }], 0, 500)).toEqual(a); // seeded
  });

  it("macro-averages buckets and leaves undefined values out", () => {
    // Colors IoU: bucket 1 ours 1 vs 0; bucket 2 ours undefined vs 1. Each row averages the buckets where
    // it is defined (as the "all" means do): ours 1, other (0 + 1) / 2.
    const a = advantageIntervals([
      { ours: [withGoodness(1), withGoodness(1)], other: [withGoodness(0), withGoodness(0)] },
      { ours: [withGoodness(0, { colorsIoU: null })], other: [withGoodness(1)] },
    ], 0, 100);
    expect(a.metrics.colorsIoU.value).toBeCloseTo(0.5, 10); // a null counted as 0 would give 0
    expect(a.metrics.objectsIoU.value).toBeCloseTo(0, 10); // buckets: +1 and −1, averaged
    // 2 and 1 images per bucket: values, but no intervals and no sure wins.
    expect(a.tooFewImages).toBe(true);
    expect([a.metrics.objectsIoU.low, a.metrics.objectsIoU.high, a.surelyBetter, a.surelyWorse]).toEqual([null, null, 0, 0]);
    expect(() => advantageIntervals([{ ours: [withGoodness(1)], other: [] }])).toThrow(/differ in length/);
  });
});
