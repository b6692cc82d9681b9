/**
 * The Evaluation page's tables, rendered statically from small fake reports: each of our numbers
 * shows the previous evaluation's value and the change, green when it improved and red when it
 * got worse IN THAT METRIC'S DIRECTION (a lower RMSE / distance / FID-like is better); win counts
 * carry ✓/✗ against the 7-of-9 target; the paper's table sits beside ours with the caveat.
 * Also: the paper's numbers in server/eval/paperTables.ts are exactly docs/results.md's.
 */
import fs from "node:fs";
import path from "node:path";
import { createElement } from "react";
import { renderToString } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { deltaTone, formatDelta } from "@/components/evals/delta";
import { NOT_COMPARABLE } from "@/components/evals/notComparable";
import { Table1View } from "@/components/evals/Table1View";
import { Table2View } from "@/components/evals/Table2View";
import type { DatasetReport, EvalLlmReport } from "@/server/eval/evalLlm";
import { compareSd } from "@/server/eval/compareSd";
import type { SdEvalReport, SdRow } from "@/server/eval/evalSd";
import { pairedRatioInterval } from "@/server/eval/pairedBootstrap";
import { PAPER_TABLE1, PAPER_TABLE2, paperTable1Mean, type PaperDataset } from "@/server/eval/paperTables";
import { TABLE1_ROWS } from "@/server/eval/table1";
import { METRIC_DIRECTION, METRIC_NAMES, type MetricName, type MetricsAggregate } from "@/server/eval/verbalizationMetrics";

const html = (element: React.ReactElement) => renderToString(element).replaceAll("<!-- -->", "");
/** The delta span ValueWithDelta renders for a change. */
const delta = (tone: "better" | "worse" | "same", text: string) =>
  `<span class="ml-1 font-medium ${{ better: "text-green-700", worse: "text-red-700", same: "text-slate-500" }[tone]}" data-delta="${tone}">${text}</span>`;

function aggregate(values: Partial<Record<MetricName, number>>, base = 0.5): MetricsAggregate {
  return { pairs: 4, metrics: Object.fromEntries(METRIC_NAMES.map((n) => [n, { mean: values[n] ?? base, count: 4 }])) as MetricsAggregate["metrics"] };
}
const accuracy = (correct: number, total: number) => ({ correct, total, accuracy: correct / total });

function llmReport(boigllm: Partial<Record<MetricName, number>>, winsVsNokpi: number): EvalLlmReport {
  const rows = { boigllm: aggregate(boigllm), nokpi: aggregate({}, 0.4), shot3: aggregate({}, 0.45), shot5: aggregate({}, 0.3) };
  const wins = (n: number) => ({ wins: n, of: 9, metrics: METRIC_NAMES.slice(0, n) });
  // The first n metrics surely better, the rest undecided.
  const advantages = (n: number) => ({
    metrics: Object.fromEntries(METRIC_NAMES.map((m, i) => [m, i < n ? { value: 0.05, low: 0.01, high: 0.09 } : { value: 0, low: -0.02, high: 0.02 }])) as DatasetReport["advantages"]["nokpi"]["metrics"],
    surelyBetter: n, surelyWorse: 0,
  });
  const dataset: DatasetReport = {
    dataset: "world/social", kind: "social", labels: ["high", "low"], testImages: 40, images: 8,
    buckets: [{ bucket: "high", images: 4, rows }, { bucket: "low", images: 4, rows }],
    allBuckets: rows,
    wins: { nokpi: wins(winsVsNokpi), shot3: wins(5), shot5: wins(8) },
    advantages: { nokpi: advantages(winsVsNokpi), shot3: advantages(5), shot5: advantages(8) },
    issueTarget: { required: 7, vsNokpi: winsVsNokpi >= 7, vsShot5: true },
    retrieval: { shot3: { fallbacks: 0, empty: 0 }, shot5: { fallbacks: 0, empty: 0 } },
    truncated: { boigllm: 0, nokpi: 0, kpiLabel: 0 },
    kpiLabel: { overall: accuracy(7, 8), noisy: accuracy(1, 2), clean: accuracy(6, 6), repeatPromptLabel: accuracy(6, 8) },
  };
  return {
    format: "boig-eval-llm/1", dataDir: "/data", rows: TABLE1_ROWS,
    models: {
      boigllm: { name: "boigllm", version: "v2", dir: "/m/a", variant: "behavior", parameters: 1, trainedOn: "w7", vocabMatchesData: true },
      nokpi: { name: "boigllm-nokpi", version: "v1", dir: "/m/b", variant: "nokpi", parameters: 1, trainedOn: "w7", vocabMatchesData: true },
    },
    options: { limit: 4, batchSize: 16, decoding: "greedy", tau: 0.5, requiredWins: 7 },
    metrics: METRIC_NAMES.map((name) => ({ name, direction: METRIC_DIRECTION[name] })),
    datasets: [dataset], kpiLabel: dataset.kpiLabel,
    counts: { testImages: 40, images: 8, decoded: 24 },
    seconds: { total: 1, load: 0, boigllm: 0, nokpi: 0, kpiLabel: 0, retrieval: 0, metrics: 0 },
  };
}

function sdReport(boigsd: Partial<SdRow> & { fidLike: number }): SdEvalReport {
  const row = (model: string, over: Partial<SdRow> = {}, fidLike = 60): SdRow => ({
    dataset: "world/stock", kind: "stock", bucket: "high", model, prompts: 1, images: 2,
    rewardCalibrated: 0.02, rewardPaper: 8, trueKpi: 180, extra: { fidLike, agreement: 0.3, quality: 0.35 }, ...over,
  });
  return {
    data: "/d", world: "/w", models: [], settings: { promptsPerBucket: 1, samplesPerPrompt: 2, steps: 10, guidance: 3, eta: 1 },
    trueKpiName: { social: "expected likes", stock: "expected forward actions" },
    rows: [row("base"), row("SFT"), row("BoigSD", boigsd, boigsd.fidLike)],
    seconds: 1,
  };
}

describe("delta colours follow each metric's direction", () => {
  it("deltaTone", () => {
    expect(deltaTone(0.6, 0.5, "higher")).toBe("better");
    expect(deltaTone(0.4, 0.5, "higher")).toBe("worse");
    expect(deltaTone(0.4, 0.5, "lower")).toBe("better");
    expect(deltaTone(0.6, 0.5, "lower")).toBe("worse");
    expect(deltaTone(0.5, 0.5, "lower")).toBe("same");
    expect(deltaTone(null, 0.5, "higher")).toBeNull();
    expect(deltaTone(0.5, undefined, "higher")).toBeNull();
    expect(deltaTone(Number.NaN, 0.5, "higher")).toBeNull();
    expect(formatDelta(0.6, 0.5, 4)).toBe("+0.1000");
    expect(formatDelta(0.4, 0.5, 4)).toBe("−0.1000");
    expect(formatDelta(0.5, 0.5, 1)).toBe("±0");
  });
});

describe("Table1View", () => {
  // Now vs before: colours IoU 0.60 (was 0.50, higher is better), colours RGB distance 0.60 (was
  // 0.50, lower is better), objects area RMSE 0.30 (was 0.50, lower is better).
  const now = llmReport({ colorsIoU: 0.6, colorsRgbDistance: 0.6, objectAreaRmse: 0.3 }, 7);
  const before = llmReport({}, 6);

  it("shows the previous value and the change, coloured by direction", () => {
    const out = html(createElement(Table1View, { report: now, previous: before }));
    expect(out).toContain('aria-label="Table 1, world/social, all buckets"');
    expect(out).toContain("Colours IoU ↑");
    expect(out).toContain("Colours RGB dist ↓");
    expect(out).toContain(`prev 0.5000${delta("better", "+0.1000")}`); // colours IoU up
    expect(out).toContain(`prev 0.5000${delta("worse", "+0.1000")}`); // RGB distance up
    expect(out).toContain(`prev 0.5000${delta("better", "−0.2000")}`); // area RMSE down
    expect(out).toContain(`prev 0.4000${delta("same", "±0")}`); // the no-KPI row did not move
    // Wins: 7/9 vs no-KPI meets the target now (was 6), 8/9 vs 5-shot; 3-shot has no target.
    expect(out).toContain(`prev 6${delta("better", "+1")}`);
    expect(out).toMatch(/No-KPI fine-tuned<\/span><div class="whitespace-nowrap"><span class="font-mono">7<\/span>.*?\/9<\/span><span class="text-green-700"[^>]*>✓<\/span>/);
    expect(out).toContain("0.875"); // KPI-label accuracy
    expect(out).toContain("The paper&#x27;s Table 1 — BoigBench (social; KPI = likes)");
    expect(out).toContain(NOT_COMPARABLE);
    expect(out).toContain("In the paper, BoigLLM is better (means over buckets) than: Finetuned Llama 9/9");
  });

  it("without a previous evaluation shows no deltas, and ✗ below the target", () => {
    const out = html(createElement(Table1View, { report: before, previous: null }));
    expect(out).not.toContain("data-delta");
    expect(out).not.toContain("prev ");
    expect(out).toContain("✗ (needs 7)");
  });

  it("says how many differences are beyond noise, and nothing for reports from before the intervals", () => {
    const out = html(createElement(Table1View, { report: before, previous: null }));
    const sure = /data-testid="how-sure">(.*?)<\/div>/.exec(out)![1]!.replace(/<[^>]+>/g, "");
    expect(sure).toContain(`vs No-KPI fine-tuned: better on ${before.datasets[0]!.advantages.nokpi.surelyBetter}, worse on 0, undecided ${9 - before.datasets[0]!.advantages.nokpi.surelyBetter}`);
    expect(sure).toContain("vs 5-shot retrieval: better on 8, worse on 0, undecided 1");
    const few = { ...before, datasets: before.datasets.map((d) => ({ ...d, advantages: { ...d.advantages, nokpi: { ...d.advantages.nokpi, tooFewImages: true } } })) };
    expect(html(createElement(Table1View, { report: few, previous: null }))).toContain("vs No-KPI fine-tuned: too few images per bucket for an interval (at least 10)");
    const old = { ...before, datasets: before.datasets.map(({ advantages: _a, ...d }) => d as DatasetReport) };
    expect(html(createElement(Table1View, { report: old, previous: null }))).not.toContain("how-sure");
  });
});

describe("Table2View", () => {
  it("colours a lower FID-like green and a lower true KPI red", () => {
    const now = sdReport({ trueKpi: 150, rewardPaper: 9, fidLike: 55 });
    const before = sdReport({ trueKpi: 200, rewardPaper: 8, fidLike: 60 });
    const out = html(createElement(Table2View, { report: now, previous: before }));
    expect(out).toContain('aria-label="Table 2, world/stock"');
    expect(out).toContain("FID-like ↓");
    expect(out).toContain(`prev 200.0${delta("worse", "−50.0")}`); // true KPI down
    expect(out).toContain(`prev 60.0${delta("better", "−5.0")}`); // FID-like down
    expect(out).toContain(`prev 8.000${delta("better", "+1.000")}`); // paper reward up
    expect(out).toContain("The paper&#x27;s Table 2 — Stock");
    expect(out).toContain("226.131"); // the paper's BoigSD stock high reward
    expect(out).toContain(NOT_COMPARABLE);
    // No per-prompt numbers (a report stored before they existed): the change without an interval.
    expect(out).toContain("high: BoigSD vs SFT true KPI <span class=\"font-medium tabular-nums text-slate-800\">−16.7%</span></li>");
  });

  it("shows BoigSD's true-KPI change against each model with its paired bootstrap interval", () => {
    const report = sdReport({ trueKpi: 200, fidLike: 55, trueKpiPerPrompt: [100, 300, 200, 200] });
    for (const row of report.rows) if (row.model !== "BoigSD") row.trueKpiPerPrompt = [100, 200, 200, 220];
    const [vsBase] = compareSd(report);
    expect(vsBase!.versus).toBe("base");
    expect(vsBase!.trueKpiChange).toBeCloseTo(200 / 180 - 1, 12);
    expect(vsBase!.trueKpiChangeInterval).toEqual(pairedRatioInterval([100, 300, 200, 200], [100, 200, 200, 220]));
    const out = html(createElement(Table2View, { report, previous: null }));
    const { low, high } = vsBase!.trueKpiChangeInterval!;
    const pct = (x: number) => `${x >= 0 ? "+" : "−"}${Math.abs(100 * x).toFixed(1)}%`;
    expect(out).toContain(`high: BoigSD vs base true KPI <span class="font-medium tabular-nums text-slate-800">+11.1%</span>`);
    expect(out).toContain(`(95% interval ${pct(low)} to ${pct(high)})`);
  });
});

describe("pairedRatioInterval", () => {
  it("is a point when every prompt changes by the same factor, and null when it cannot be computed", () => {
    expect(pairedRatioInterval([2, 4, 6], [1, 2, 3])).toEqual({ low: 1, high: 1 });
    const same = pairedRatioInterval([5, 1, 9], [5, 1, 9])!;
    expect([same.low, same.high]).toEqual([0, 0]);
    expect(pairedRatioInterval([1], [2])).toBeNull();
    expect(pairedRatioInterval([1, 2], [0, 0])).toBeNull();
    expect(() => pairedRatioInterval([1, 2], [1])).toThrow(/differ in length/);
  });

  it("is seeded, brackets the estimate, and widens with heavier tails", () => {
    const other = Array.from({ length: 40 }, (_, i) => 100 + (i % 7) * 10);
    const mild = other.map((x, i) => x * (1.1 + 0.05 * Math.sin(i)));
    const heavy = other.map((x, i) => (i % 10 === 0 ? x * 8 : x * 0.9));
    const a = pairedRatioInterval(mild, other)!, b = pairedRatioInterval(mild, other)!;
    expect(a).toEqual(b);
    const estimate = mild.reduce((s, x) => s + x, 0) / other.reduce((s, x) => s + x, 0) - 1;
    expect(a.low).toBeLessThan(estimate);
    expect(a.high).toBeGreaterThan(estimate);
    const wide = pairedRatioInterval(heavy, other)!;
    expect(wide.high - wide.low).toBeGreaterThan(5 * (a.high - a.low));
    expect(pairedRatioInterval(mild, other, 1)).not.toEqual(a); // another seed, another (close) interval
  });
});

describe("the paper's tables as data", () => {
  const doc = fs.readFileSync(path.resolve("docs/results.md"), "utf8");
  /** The numeric cells of the markdown table rows in a section of docs/results.md. */
  function docRows(heading: string): number[][] {
    const start = doc.indexOf(heading);
    const section = doc.slice(start, doc.indexOf("\n## ", start) > 0 ? doc.indexOf("\n## ", start) : undefined);
    return section
      .split("\n")
      .filter((l) => l.startsWith("|") && /\d/.test(l) && !l.includes("---"))
      .map((l) => l.split("|").map((c) => c.trim()).filter((c) => /^-?\d+(\.\d+)?$/.test(c)).map(Number))
      .filter((cells) => cells.length > 0);
  }

  it("Table 1 equals docs/results.md", () => {
    const rows = docRows("### The paper's Table 1");
    const ours = (["BoigBench", "Stock"] as PaperDataset[]).flatMap((d) =>
      PAPER_TABLE1.filter((r) => r.dataset === d).map((r) => METRIC_NAMES.map((n) => r.metrics[n])),
    );
    expect(ours).toEqual(rows.slice(0, ours.length));
    expect(PAPER_TABLE1).toHaveLength(6 * 2 + 6 * 3);
  });

  it("Table 2 equals docs/results.md", () => {
    expect(PAPER_TABLE2.map((r) => [r.reward, r.fid, r.aesthetic, r.clip])).toEqual(docRows("### The paper's Table 2"));
  });

  it("gives the win counts docs/results.md reads from it", () => {
    const wins = (dataset: PaperDataset, versus: string) => {
      const a = paperTable1Mean(dataset, "Finetuned Llama (BoigLLM)"), b = paperTable1Mean(dataset, versus);
      return METRIC_NAMES.filter((n) => (METRIC_DIRECTION[n] === "higher" ? a[n] > b[n] : a[n] < b[n]));
    };
    expect(wins("BoigBench", "Finetuned Llama")).toHaveLength(9);
    expect(wins("Stock", "Finetuned Llama")).toHaveLength(7);
    expect(METRIC_NAMES.filter((n) => !wins("Stock", "Finetuned Llama").includes(n))).toEqual(["objectsSimilarity", "relativePositionError"]);
    for (const d of ["BoigBench", "Stock"] as const)
      for (const gpt of ["3-shot GPT-3.5", "5-shot GPT-3.5", "3-shot GPT-4", "5-shot GPT-4"]) expect(wins(d, gpt)).toHaveLength(9);
  });
});
