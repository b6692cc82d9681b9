/**
 * P(KPI | verbalization, prompt) (server/llm/kpiPosterior.ts) on the committed tiny behavior model:
 * for social "high" it is the calibrated reward's probabilityHigh; over a dataset's labels the
 * posteriors sum to 1; the prior tilts it as the bucket shares say; a prompt without a KPI label
 * is refused; behavior-weighted MBR by section puts all the evidence on the weighted candidates.
 */
import path from "node:path";
import { fixtureTestRecords, LLM_FIXTURES } from "./llmFixtures";
import { beforeAll, describe, expect, it } from "vitest";
import { loadBoigLlm, type BoigLlm } from "@/server/ml/boigLlm";
import { KPI_LABELS } from "@/server/llm/instructions";
import { kpiPosteriors, promptKpi } from "@/server/llm/kpiPosterior";
import { mbrSectionChoice } from "@/server/llm/mbrDecode";
import { computeRewards, withKpi } from "@/server/llm/reward";
import { parseCanonicalText } from "@/server/verbalize/canonical";

const fixtures = LLM_FIXTURES;
const allRecords = fixtureTestRecords();
const records = allRecords.filter((r) => r.variant === "behavior" && r.type <= 2);
const social = records.filter((r) => r.kind === "social").slice(0, 3);
const stock = records.filter((r) => r.kind === "stock").slice(0, 3);

let llm: BoigLlm;
beforeAll(async () => {
  llm = await loadBoigLlm(path.join(fixtures, "boigllm-tiny"));
});

describe("promptKpi", () => {
  it("reads the kind and label of a behavior prompt and refuses one without a KPI", () => {
    const r = social[0]!;
    expect(promptKpi(withKpi(r.prompt, "high"))).toEqual({ kind: "social", label: "high" });
    expect(promptKpi(withKpi(stock[0]!.prompt, "medium"))).toEqual({ kind: "stock", label: "medium" });
    const nokpi = allRecords.find((x) => x.variant === "nokpi")!.prompt;
    expect(() => promptKpi(nokpi)).toThrow(/not a behavior verbalization prompt/);
    expect(() => promptKpi(withKpi(r.prompt, "medium"))).toThrow(/kpi medium is not a social label/);
  });
});

describe("kpiPosteriors", () => {
  const verbalizations = [...social, ...stock].map((r) => parseCanonicalText(r.verbalization));

  it("for social high is the calibrated reward's probabilityHigh", async () => {
    const prompt = withKpi(social[0]!.prompt, "high");
    const [posteriors] = await kpiPosteriors(llm, [{ prompt, verbalizations }]);
    const rewards = await computeRewards(llm, verbalizations.map((verbalization) => ({
      kind: "social" as const, promptHigh: prompt, promptLow: withKpi(prompt, "low"), verbalization,
    })));
    posteriors!.forEach((p, i) => expect(p).toBeCloseTo(rewards[i]!.reward.probabilityHigh, 10));
  });

  it("sums to 1 over a dataset's labels, for every candidate", async () => {
    for (const r of [social[1]!, stock[1]!]) {
      const labels = KPI_LABELS[r.kind];
      const rows = await kpiPosteriors(llm, labels.map((l) => ({ prompt: withKpi(r.prompt, l), verbalizations })));
      verbalizations.forEach((_, c) => {
        const total = rows.reduce((s, row) => s + row[c]!, 0);
        expect(total).toBeCloseTo(1, 10);
        for (const row of rows) expect(row[c]).toBeGreaterThan(0);
      });
    }
  });

  it("the social prior (10% high vs 60% low) pulls the average posterior of high below one half", async () => {
    const [high] = await kpiPosteriors(llm, [{ prompt: withKpi(social[2]!.prompt, "high"), verbalizations }]);
    const mean = high!.reduce((a, b) => a + b, 0) / high!.length;
    expect(mean).toBeLessThan(0.5); // the tiny model's likelihood ratio is near 1: the prior's 1/6 dominates
  });
});

describe("weighted MBR by section", () => {
  it("follows the weighted evidence: zero weight on the majority lets the minority win", () => {
    const v = (text: string) => parseCanonicalText(text);
    const red = v("colors red 60 white 40 ; tones warm 50 ; objects car 4 4 3 3");
    const navy = v("colors navy 90 ; tones cool 80 ; objects bag 1 1 2 2");
    const candidates = [red, red, navy, navy, navy];
    expect(mbrSectionChoice(candidates)).toEqual({ colors: 2, tones: 2, objects: 2 });
    expect(mbrSectionChoice(candidates, [1, 1, 0, 0, 0.1])).toEqual({ colors: 0, tones: 0, objects: 0 });
    expect(() => mbrSectionChoice(candidates, [1, 1])).toThrow(/one weight/);
    expect(() => mbrSectionChoice(candidates, [1, 1, -1, 0, 0])).toThrow(/one weight/);
  });
});
