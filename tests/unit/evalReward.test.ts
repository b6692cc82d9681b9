/**
 * `boig eval reward` (server/eval/evalReward.ts) on the fixture instructions and the world they
 * were built from (seed 3, 3 brands × 60 posts, docs/boigllm.md): every test image is scored and
 * matched to its post; AUC and Spearman equal a by-hand computation; the world's own expected
 * KPI separates the buckets. Plus the rank statistics on known values.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { evalReward, type RewardEvalReport } from "@/server/eval/evalReward";
import { averageRanks, rocAuc, spearman } from "@/server/eval/rankStatistics";
import { computeRewards, withKpi } from "@/server/llm/reward";
import { loadBoigLlm, type BoigLlm } from "@/server/ml/boigLlm";
import { parseCanonicalText } from "@/server/verbalize/canonical";
import { generateWorld } from "@/server/world/generateWorld";

const fixtures = fileURLToPath(new URL("../fixtures/llm", import.meta.url));
const data = path.join(fixtures, "instructions");
type Rec = { dataset: string; kind: "social" | "stock"; bucket: string; prompt: string; verbalization: string; type: number; variant: string };
const testRecords = fs
  .readFileSync(path.join(data, "test.jsonl"), "utf8")
  .trim()
  .split("\n")
  .map((l) => JSON.parse(l) as Rec)
  .filter((r) => r.variant === "behavior" && r.type <= 2);

describe("rank statistics", () => {
  it("AUC counts pairs won, ties as one half", () => {
    expect(rocAuc([3, 4], [1, 2])).toBe(1);
    expect(rocAuc([1, 2], [3, 4])).toBe(0);
    expect(rocAuc([1, 3], [2, 2])).toBe(0.5);
    expect(rocAuc([2], [2, 1])).toBe(0.75);
    expect(rocAuc([], [1])).toBeNull();
  });

  it("Spearman is the correlation of average ranks", () => {
    expect(averageRanks([10, 30, 20, 20])).toEqual([1, 4, 2.5, 2.5]);
    expect(spearman([1, 2, 3, 4], [10, 100, 1000, 10000])).toBeCloseTo(1, 12);
    expect(spearman([1, 2, 3, 4], [4, 3, 2, 1])).toBeCloseTo(-1, 12);
    expect(spearman([1, 2, 3], [5, 5, 5])).toBeNull();
  });
});

describe("evalReward", () => {
  let world: string;
  let llm: BoigLlm;
  let report: RewardEvalReport;
  beforeAll(async () => {
    world = fs.mkdtempSync(path.join(os.tmpdir(), "boig-eval-reward-"));
    await generateWorld({ seed: 3, brands: 3, postsPerBrand: 60, outDir: world });
    llm = await loadBoigLlm(path.join(fixtures, "boigllm-tiny"));
    report = await evalReward(llm, { data, world });
  });
  afterAll(() => fs.rmSync(world, { recursive: true, force: true }));

  it("scores every type 1/2 test image and finds its post in the world", () => {
    expect(report.datasets.map((d) => [d.dataset, d.kind, d.images])).toEqual([
      ["world/social", "social", testRecords.filter((r) => r.kind === "social").length],
      ["world/stock", "stock", testRecords.filter((r) => r.kind === "stock").length],
    ]);
    for (const d of report.datasets) expect(d.trueKpi!.matched).toBe(d.images);
    expect(report.datasets[0]!.trueKpi!.name).toBe("likes");
    expect(report.datasets[1]!.auc.highVsMedium).toBeDefined();
    expect(report.datasets[0]!.auc.highVsMedium).toBeUndefined();
  });

  it("reports AUC of the rewards computed by hand", async () => {
    const social = testRecords.filter((r) => r.kind === "social");
    const scored = await computeRewards(llm, social.map((r) => ({
      kind: r.kind, promptHigh: withKpi(r.prompt, "high"), promptLow: withKpi(r.prompt, "low"), verbalization: parseCanonicalText(r.verbalization),
    })));
    const of = (bucket: string) => scored.filter((_, i) => social[i]!.bucket === bucket).map((s) => s.reward.calibrated);
    expect(report.datasets[0]!.auc.highVsLow.calibrated).toBeCloseTo(rocAuc(of("high"), of("low"))!, 9);
    const high = report.datasets[0]!.buckets.find((b) => b.bucket === "high")!;
    expect(high.mean.calibrated).toBeCloseTo(of("high").reduce((s, x) => s + x, 0) / of("high").length, 6);
  });

  it("the world's expected KPI separates its own buckets (the reference the rewards are judged against)", () => {
    for (const d of report.datasets) {
      expect(d.trueKpi!.aucHighVsLow!).toBeGreaterThan(0.7);
      for (const value of Object.values(d.trueKpi!.spearman)) expect(Math.abs(value!)).toBeLessThanOrEqual(1);
      expect(d.tracksBest).not.toBeNull();
    }
  });

  it("without a world reports AUC only, and --limit keeps both buckets", async () => {
    const small = await evalReward(llm, { data, limit: 4 });
    expect(small.world).toBeNull();
    const social = small.datasets[0]!;
    expect(social.images).toBe(4);
    expect(social.trueKpi).toBeNull();
    expect(social.buckets.map((b) => [b.bucket, b.images])).toEqual([["high", 2], ["low", 2]]);
    expect(social.auc.highVsLow.paper).not.toBeNull();
  });
  it("ranks an SD model's own samples of high-KPI test prompts: per-prompt and pooled Spearman, reproducible", async () => {
    const { rewardOnSamples } = await import("@/server/eval/rewardOnSamples");
    const sdModelDir = fileURLToPath(new URL("../fixtures/sd/boigsd-tiny", import.meta.url));
    const options = { data, world, sdModelDir, boigllmDir: path.join(fixtures, "boigllm-tiny"), prompts: 2, samplesPerPrompt: 3 };
    const reports = await rewardOnSamples(options);
    expect(reports.map((r) => [r.dataset, r.prompts, r.images])).toEqual([
      ["world/social", 2, 6],
      ["world/stock", 2, 6],
    ]);
    for (const r of reports) {
      expect(r.meanTrueKpi).toBeGreaterThan(0);
      // The two rewards and the ceiling (the world's expected KPI of the reward's own verbalization).
      expect(Object.keys(r.withinPrompt)).toEqual(["calibrated", "paper", "ceiling"]);
      for (const value of Object.values(r.bestOfN)) expect(value).toBeGreaterThan(0);
      // Each best-of-N change carries its paired interval over prompts, around the point change.
      for (const ranker of ["calibrated", "paper", "ceiling"] as const) {
        const change = r.bestOfN[ranker] / r.meanTrueKpi - 1;
        const interval = r.bestOfNChange[ranker]!;
        expect(interval.low).toBeLessThanOrEqual(change + 1e-12);
        expect(interval.high).toBeGreaterThanOrEqual(change - 1e-12);
      }
      for (const value of [...Object.values(r.withinPrompt), ...Object.values(r.pooled)])
        if (value !== null) expect(Math.abs(value)).toBeLessThanOrEqual(1 + 1e-12);
    }
    expect(await rewardOnSamples(options)).toEqual(reports);
    await expect(rewardOnSamples({ ...options, samplesPerPrompt: 2 })).rejects.toThrow(/at least 3/);
  });
});
