import path from "node:path";
import { describe, expect, it } from "vitest";
import { AppError } from "@/server/errors";
import { evalLlm, groupTestImages, kpiLabelReport, type EvalLlmReport } from "@/server/eval/evalLlm";
import { BASELINE_IDS, countWins, isBetter, macroAverage, TABLE1_ROWS } from "@/server/eval/table1";
import { aggregateMetrics, METRIC_NAMES, verbalizationMetrics, type MetricsAggregate } from "@/server/eval/verbalizationMetrics";
import { readInstructionSplit } from "@/server/llm/readInstructionFolder";
import { parseCanonicalText } from "@/server/verbalize/canonical";

const FIXTURES = path.resolve("tests/fixtures/llm");
const DATA = path.join(FIXTURES, "instructions");
const MODELS = { boigllm: path.join(FIXTURES, "boigllm-tiny"), nokpi: path.join(FIXTURES, "boigllm-tiny-nokpi") };
const LIMIT = 2;

describe("evalLlm on the tiny fixtures", () => {
  let report: EvalLlmReport;
  const progress: number[] = [];

  it("runs and describes the models and data", async () => {
    report = await evalLlm({ dataDir: DATA, models: MODELS, limit: LIMIT, batchSize: 8, onProgress: (f) => progress.push(f) });
    expect(report.format).toBe("boig-eval-llm/1");
    expect(report.dataDir).toBe(DATA);
    expect(report.models.boigllm).toMatchObject({ name: "boigllm", variant: "behavior", dir: MODELS.boigllm, vocabMatchesData: true });
    expect(report.models.nokpi).toMatchObject({ name: "boigllm-nokpi", variant: "nokpi", dir: MODELS.nokpi, vocabMatchesData: true });
    expect(report.options).toMatchObject({ limit: LIMIT, batchSize: 8, tau: 0.5, requiredWins: 7 });
    expect(report.rows.map((r) => r.id)).toEqual(["boigllm", "nokpi", "shot3", "shot5"]);
    expect(report.metrics.map((m) => m.name)).toEqual([...METRIC_NAMES]);
    expect(JSON.parse(JSON.stringify(report))).toEqual(report);
    expect(progress.at(-1)).toBe(1);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
  }, 120_000);

  it("covers each dataset and true KPI bucket, capped by limit", () => {
    // meta.json: social high 4 / low 10 test images, stock 3 per bucket.
    expect(report.datasets.map((d) => [d.dataset, d.kind, d.testImages])).toEqual([
      ["world/social", "social", 14],
      ["world/stock", "stock", 9],
    ]);
    expect(report.datasets[0]!.buckets.map((b) => [b.bucket, b.images])).toEqual([["high", 2], ["low", 2]]);
    expect(report.datasets[1]!.buckets.map((b) => [b.bucket, b.images])).toEqual([["high", 2], ["medium", 2], ["low", 2]]);
    expect(report.counts).toEqual({ testImages: 23, images: 10, decoded: 30 });
  });

  it("has all nine metrics for every row, bucket and the all-buckets average", () => {
    for (const d of report.datasets) {
      for (const b of d.buckets)
        for (const row of TABLE1_ROWS) {
          const aggregate = b.rows[row.id];
          expect(aggregate.pairs).toBe(b.images);
          for (const name of METRIC_NAMES) {
            const { mean, count } = aggregate.metrics[name];
            expect(count).toBeGreaterThanOrEqual(0);
            expect(count).toBeLessThanOrEqual(b.images);
            if (count === 0) expect(mean).toBeNull();
            else expect(Number.isFinite(mean)).toBe(true);
          }
          // The IoUs are always defined (both empty → 1), so every pair counts.
          expect(aggregate.metrics.colorsIoU.count).toBe(b.images);
          expect(aggregate.metrics.objectsIoU.count).toBe(b.images);
        }
      for (const row of TABLE1_ROWS) {
        const all = d.allBuckets[row.id];
        expect(all.pairs).toBe(d.images);
        // Macro average: the plain mean of the bucket means.
        const bucketMeans = d.buckets.map((b) => b.rows[row.id].metrics.colorsIoU.mean!);
        expect(all.metrics.colorsIoU.mean).toBeCloseTo(bucketMeans.reduce((s, m) => s + m, 0) / bucketMeans.length, 12);
      }
    }
  });

  it("counts wins of BoigLLM over each baseline in 0..9, consistent with the metric directions", () => {
    for (const d of report.datasets) {
      for (const id of BASELINE_IDS) {
        const w = d.wins[id];
        expect(w.of).toBe(9);
        expect(w.wins).toBeGreaterThanOrEqual(0);
        expect(w.wins).toBeLessThanOrEqual(9);
        const expected = METRIC_NAMES.filter((n) => isBetter(n, d.allBuckets.boigllm.metrics[n].mean, d.allBuckets[id].metrics[n].mean));
        expect(w.metrics).toEqual(expected);
        expect(w.wins).toBe(expected.length);
      }
      expect(d.issueTarget).toEqual({ required: 7, vsNokpi: d.wins.nokpi.wins >= 7, vsShot5: d.wins.shot5.wins >= 7 });
      for (const row of ["shot3", "shot5"] as const) {
        expect(d.retrieval[row].empty).toBe(0);
        expect(d.retrieval[row].fallbacks).toBeLessThanOrEqual(d.images);
      }
    }
  });

  it("reports KPI-label accuracy of types 3/4 in [0, 1], overall = noisy + clean", () => {
    for (const r of [...report.datasets.map((d) => d.kpiLabel), report.kpiLabel]) {
      expect(r.noisy.total + r.clean.total).toBe(r.overall.total);
      expect(r.noisy.correct + r.clean.correct).toBe(r.overall.correct);
      for (const a of [r.overall, r.noisy, r.clean, r.repeatPromptLabel]) {
        expect(a.correct).toBeLessThanOrEqual(a.total);
        if (a.total === 0) expect(a.accuracy).toBeNull();
        else {
          expect(a.accuracy).toBeGreaterThanOrEqual(0);
          expect(a.accuracy).toBeLessThanOrEqual(1);
        }
      }
      // Repeating the prompt's label is right exactly on the clean prompts.
      expect(r.repeatPromptLabel.correct).toBe(r.clean.total);
    }
    expect(report.kpiLabel.overall.total).toBe(10);
  });

  it("is deterministic (greedy decoding, deterministic retrieval)", async () => {
    const again = await evalLlm({ dataDir: DATA, models: MODELS, limit: LIMIT, batchSize: 3 });
    expect(again.datasets.map((d) => [d.allBuckets, d.kpiLabel])).toEqual(report.datasets.map((d) => [d.allBuckets, d.kpiLabel]));
  }, 120_000);
});

describe("evalLlm with MBR by section and KPI weights", () => {
  const mbr = { kind: "mbr" as const, samples: 3, temperature: 1, bySection: true };

  it("weighs only BoigLLM's evidence: the no-KPI row is the unweighted decoding's", async () => {
    const plain = await evalLlm({ dataDir: DATA, models: MODELS, limit: 1, decoding: mbr });
    const weighted = await evalLlm({ dataDir: DATA, models: MODELS, rewardModel: MODELS.boigllm, limit: 1, decoding: { ...mbr, kpiWeighted: true } });
    expect(plain.options.decoding).toMatch(/^MBR by section/);
    expect(weighted.options.decoding).toMatch(/weighted by the reward checkpoint's P\(KPI \| candidate\)/);
    expect(weighted.datasets.map((d) => d.allBuckets.nokpi)).toEqual(plain.datasets.map((d) => d.allBuckets.nokpi));
  }, 120_000);

  it("names a missing reward checkpoint and refuses weights without sections", async () => {
    await expect(evalLlm({ dataDir: DATA, models: MODELS, limit: 1, decoding: { ...mbr, kpiWeighted: true } })).rejects.toThrow(/needs the reward checkpoint/);
    await expect(evalLlm({ dataDir: DATA, models: MODELS, rewardModel: MODELS.boigllm, limit: 1, decoding: { ...mbr, bySection: false, kpiWeighted: true } }))
      .rejects.toThrow(/chooses by section/);
  });
});

describe("evalLlm errors", () => {
  const code = async (promise: Promise<unknown>) => {
    const error = await promise.then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    return `${(error as AppError).code}: ${(error as AppError).message}`;
  };

  it("names a missing model folder", async () => {
    expect(await code(evalLlm({ dataDir: DATA, models: { ...MODELS, nokpi: "/nonexistent/boigllm-nokpi" } }))).toMatch(
      /^NOT_FOUND: No no-KPI baseline model at \/nonexistent\/boigllm-nokpi .*--nokpi/,
    );
  });

  it("names missing data, and refuses swapped models", async () => {
    expect(await code(evalLlm({ dataDir: "/nonexistent/instr", models: MODELS }))).toMatch(/^NOT_FOUND: No instruction data at \/nonexistent\/instr/);
    expect(await code(evalLlm({ dataDir: DATA, models: { boigllm: MODELS.nokpi, nokpi: MODELS.nokpi }, limit: 1 }))).toMatch(
      /^BAD_INPUT: --model .* is a nokpi model/,
    );
    expect(await code(evalLlm({ dataDir: DATA, models: MODELS, limit: 0 }))).toMatch(/^BAD_INPUT: limit/);
  });
});

describe("groupTestImages", () => {
  it("pairs each type 1/2 record with its nokpi and type 3/4 records, first by id per bucket", () => {
    const test = readInstructionSplit(DATA, "test");
    const groups = groupTestImages(test, 1);
    for (const g of groups)
      for (const b of g.buckets) {
        const image = b.images[0]!;
        expect([image.plain.variant, image.nokpi.variant, image.check.variant]).toEqual(["behavior", "nokpi", "behavior"]);
        expect([image.plain.type, image.check.type]).toEqual(g.kind === "social" ? [1, 3] : [2, 4]);
        expect(new Set([image.plain.imageId, image.nokpi.imageId, image.check.imageId]).size).toBe(1);
        const firstId = test.filter((r) => r.dataset === g.dataset && r.bucket === b.bucket && r.variant === "behavior" && r.type <= 2).map((r) => r.id).sort()[0];
        expect(image.plain.id).toBe(firstId);
      }
  });
});

describe("win counting and the macro average", () => {
  const truth = parseCanonicalText("colors red 50 blue 20 ; tones warm 60 ; objects person 1 2 4 12 , bottle 6 3 3 9");
  // Wrong on every metric: a color swapped and coverages off, tone coverage off, a label swapped, the person moved and shrunk.
  const wrong = parseCanonicalText("colors red 30 green 20 ; tones warm 30 ; objects person 3 2 4 8 , car 6 3 3 9");
  const perfect = aggregateMetrics([verbalizationMetrics(truth, truth)]);
  const bad = aggregateMetrics([verbalizationMetrics(truth, wrong)]);

  it("a perfect predictor beats an imperfect one on all 9 metrics, and never the reverse", () => {
    expect(countWins(perfect, bad)).toEqual({ wins: 9, of: 9, metrics: [...METRIC_NAMES] });
    expect(countWins(bad, perfect).wins).toBe(0);
  });

  it("a tie or an undefined mean is no win", () => {
    expect(countWins(perfect, perfect).wins).toBe(0);
    expect(isBetter("colorsIoU", 0.5, null)).toBe(false);
    expect(isBetter("colorsIoU", null, 0.5)).toBe(false);
    expect(isBetter("colorsIoU", 0.6, 0.5)).toBe(true);
    expect(isBetter("colorsRgbDistance", 0.6, 0.5)).toBe(false);
    expect(isBetter("colorsRgbDistance", 0.4, 0.5)).toBe(true);
  });

  it("macro-averages bucket means (not pairs), skipping undefined ones, and sums counts", () => {
    const bucket = (mean: number | null, count: number, pairs: number): MetricsAggregate => ({
      pairs,
      metrics: Object.fromEntries(METRIC_NAMES.map((n) => [n, { mean, count }])) as MetricsAggregate["metrics"],
    });
    const all = macroAverage([bucket(0.2, 1, 1), bucket(0.6, 3, 3), bucket(null, 0, 2)]);
    expect(all.pairs).toBe(6);
    expect(all.metrics.colorsIoU.mean).toBeCloseTo(0.4, 12); // the pair-weighted mean would be 0.5
    expect(all.metrics.colorsIoU.count).toBe(4);
    expect(macroAverage([bucket(null, 0, 1)]).metrics.objectAreaRmse.mean).toBeNull();
  });
});

describe("kpiLabelReport", () => {
  it("scores the stated label against the true bucket, split by noisy prompts (hand-counted)", () => {
    const check = (bucket: "high" | "low", inputKpi: "high" | "low") => ({ bucket, inputKpi, noisy: bucket !== inputKpi });
    const rows = [
      { image: { check: check("high", "high") }, out: { kpiLabel: "high" } }, // clean, right
      { image: { check: check("low", "low") }, out: { kpiLabel: "high" } }, // clean, wrong
      { image: { check: check("low", "high") }, out: { kpiLabel: "low" } }, // noisy, corrected
      { image: { check: check("high", "low") }, out: { kpiLabel: "low" } }, // noisy, repeated the wrong label
    ];
    const r = kpiLabelReport(rows as unknown as Parameters<typeof kpiLabelReport>[0]);
    expect(r.overall).toEqual({ correct: 2, total: 4, accuracy: 0.5 });
    expect(r.clean).toEqual({ correct: 1, total: 2, accuracy: 0.5 });
    expect(r.noisy).toEqual({ correct: 1, total: 2, accuracy: 0.5 });
    expect(r.repeatPromptLabel).toEqual({ correct: 2, total: 4, accuracy: 0.5 });
    expect(kpiLabelReport([]).overall).toEqual({ correct: 0, total: 0, accuracy: null });
  });
});
