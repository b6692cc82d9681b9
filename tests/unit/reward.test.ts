/**
 * The BoigLLM reward (server/llm/reward.ts, SPEC §4) on the committed tiny behavior model:
 * both variants equal a by-hand sum over targetLikelihoods; a batch gives the numbers of one
 * request at a time; the breakdown has one item per color, tone and object and each
 * contribution is the difference of two scorings; the prompts differ only in the KPI label.
 */
import path from "node:path";
import { fixtureTestRecords, LLM_FIXTURES, type FixtureRecord } from "./llmFixtures";
import { beforeAll, describe, expect, it } from "vitest";
import { AppError } from "@/server/errors";
import { loadBoigLlm, type BoigLlm } from "@/server/ml/boigLlm";
import { buildPrompt } from "@/server/llm/instructions";
import { computeRewards, PRIOR_LOG_ODDS, rewardRequest, withKpi, type RewardRequest } from "@/server/llm/reward";
import { targetLikelihoods } from "@/server/llm/scoreTargets";
import { parseCanonicalText } from "@/server/verbalize/canonical";

const fixtures = LLM_FIXTURES;
type Rec = FixtureRecord;
const allRecords = fixtureTestRecords();
const records = allRecords.filter((r) => r.variant === "behavior" && r.type <= 2);
// Two social and two stock images, at least one with objects.
const sample = [...records.filter((r) => r.kind === "social").slice(0, 2), ...records.filter((r) => r.kind === "stock").slice(0, 2)];

const requestOf = (r: Rec): RewardRequest => ({
  kind: r.kind,
  promptHigh: withKpi(r.prompt, "high"),
  promptLow: withKpi(r.prompt, "low"),
  verbalization: parseCanonicalText(r.verbalization),
});
const sum = (xs: readonly number[]) => xs.reduce((s, x) => s + x, 0);

let llm: BoigLlm;
beforeAll(async () => {
  llm = await loadBoigLlm(path.join(fixtures, "boigllm-tiny"));
});

describe("reward prompts", () => {
  it("replace only the KPI label of an instruction prompt", () => {
    const prompt = records.find((r) => r.prompt.includes(" ; kpi low ; "))!.prompt;
    const high = withKpi(prompt, "high");
    expect(high).toBe(prompt.replace(" ; kpi low ; ", " ; kpi high ; "));
    expect(withKpi(high, "low")).toBe(prompt);
    const nokpi = allRecords.find((r) => r.variant === "nokpi")!.prompt;
    expect(() => withKpi(nokpi, "high")).toThrow(/exactly one "kpi LABEL" field, found 0/);
  });

  it("are the type 1 / type 2 instruction prompts with kpi high and kpi low", () => {
    const postedAt = new Date("2024-03-15T10:00:00Z");
    const social = rewardRequest({ kind: "social", brand: "Fizzwell", postedAt, caption: "Spring sale!", keywords: ["sale"] }, parseCanonicalText("colors red 50 ; tones ; objects"));
    expect(social.promptHigh).toBe("task social ; brand fizzwell ; date 2024 mar weekday fri ; kpi high ; caption spring sale ; keywords sale ; verbalize");
    expect(social.promptLow).toBe(buildPrompt({ kind: "social", brand: "Fizzwell", postedAt, caption: "Spring sale!", keywords: ["sale"], kpi: "low" }));
    const stock = rewardRequest({ kind: "stock", postedAt, caption: "a watch", keywords: [] }, parseCanonicalText("colors ; tones ; objects"));
    expect(stock.promptHigh).toBe("task stock ; date 2024 mar weekday fri ; kpi high ; caption a watch ; keywords ; verbalize");
  });
});

describe("computeRewards", () => {
  it("paper = Σ exp(log p(v | high)), calibrated = Σ log p(v | high) − Σ log p(v | low) + prior log-odds", async () => {
    const results = await computeRewards(llm, sample.map(requestOf));
    for (const [i, r] of sample.entries()) {
      const [high, low] = await targetLikelihoods(llm, [
        { prompt: withKpi(r.prompt, "high"), target: r.verbalization },
        { prompt: withKpi(r.prompt, "low"), target: r.verbalization },
      ]);
      const reward = results[i]!.reward;
      expect(results[i]!.canonical).toBe(r.verbalization);
      expect(high!.tokens.at(-1)).toBe("<eos>");
      expect(reward.tokens).toBe(high!.tokens.length);
      expect(reward.tokens).toBe(r.verbalization.split(" ").length + 1);
      expect(reward.paper).toBeCloseTo(sum(high!.logProbs.map(Math.exp)), 5);
      expect(reward.paperMean).toBeCloseTo(reward.paper / reward.tokens, 6);
      expect(reward.logLikelihood.high).toBeCloseTo(sum(high!.logProbs), 4);
      expect(reward.logLikelihood.low).toBeCloseTo(sum(low!.logProbs), 4);
      expect(reward.priorLogOdds).toBe(PRIOR_LOG_ODDS[r.kind]);
      expect(reward.calibrated).toBeCloseTo(sum(high!.logProbs) - sum(low!.logProbs) + PRIOR_LOG_ODDS[r.kind], 4);
      expect(reward.probabilityHigh).toBeCloseTo(1 / (1 + Math.exp(-reward.calibrated)), 9);
      expect(reward.paper).toBeGreaterThan(0);
      expect(reward.paper).toBeLessThan(reward.tokens);
    }
    expect(PRIOR_LOG_ODDS.social).toBeCloseTo(Math.log(1 / 6), 12);
    expect(PRIOR_LOG_ODDS.stock).toBe(0);
  });

  it("gives the same numbers in one batch as one request at a time", async () => {
    const requests = records.slice(0, 6).map(requestOf);
    const batched = await computeRewards(llm, requests, { batchSize: 64, breakdown: true });
    for (const [i, request] of requests.entries()) {
      const [alone] = await computeRewards(llm, [request], { batchSize: 1, breakdown: true });
      expect(batched[i]!.canonical).toBe(alone!.canonical);
      for (const key of ["paper", "paperMean", "calibrated"] as const) expect(batched[i]!.reward[key]).toBeCloseTo(alone!.reward[key], 4);
      expect(batched[i]!.breakdown!.map((b) => b.label)).toEqual(alone!.breakdown!.map((b) => b.label));
      batched[i]!.breakdown!.forEach((b, j) => expect(b.calibrated).toBeCloseTo(alone!.breakdown![j]!.calibrated, 4));
    }
  });

  it("breaks the reward down: one item per attribute, contribution = reward(v) − reward(v without it)", async () => {
    const record = sample.find((r) => r.verbalization.includes(" , "))!; // several objects
    const v = parseCanonicalText(record.verbalization);
    const [result] = await computeRewards(llm, [requestOf(record)], { breakdown: true });
    const breakdown = result!.breakdown!;
    expect(breakdown).toHaveLength(v.colors.length + v.tones.length + v.objects.length);
    expect(breakdown.map((b) => b.kind)).toEqual([...v.colors.map(() => "color"), ...v.tones.map(() => "tone"), ...v.objects.map(() => "object")]);
    expect(breakdown[0]!.label).toBe(`color ${v.colors[0]!.name} ${Math.round(v.colors[0]!.coverage * 100)}%`);
    expect(breakdown.at(-1)!.label).toMatch(new RegExp(`^object ${v.objects.at(-1)!.label} (at|on|filling) `));

    // Scored by hand: the canonical text with the attribute's tokens cut out.
    const cut = (text: string) => {
      const [high, low] = [withKpi(record.prompt, "high"), withKpi(record.prompt, "low")];
      return targetLikelihoods(llm, [{ prompt: high, target: text }, { prompt: low, target: text }]).then(([h, l]) => ({
        paper: sum(h!.logProbs.map(Math.exp)),
        calibrated: sum(h!.logProbs) - sum(l!.logProbs),
      }));
    };
    const full = await cut(record.verbalization);
    const firstColor = `${v.colors[0]!.name} ${Math.round(v.colors[0]!.coverage * 100)} `;
    const withoutColor = await cut(record.verbalization.replace(firstColor, ""));
    expect(breakdown[0]!.paper).toBeCloseTo(full.paper - withoutColor.paper, 4);
    expect(breakdown[0]!.calibrated).toBeCloseTo(full.calibrated - withoutColor.calibrated, 4);

    const objects = record.verbalization.split(" ; objects ")[1]!.split(" , ");
    const withoutFirstObject = await cut(record.verbalization.replace(`${objects[0]} , `, ""));
    const firstObject = breakdown[v.colors.length + v.tones.length]!;
    expect(firstObject.label.startsWith(`object ${objects[0]!.split(" ")[0]} `)).toBe(true);
    expect(firstObject.paper).toBeCloseTo(full.paper - withoutFirstObject.paper, 4);
    expect(firstObject.calibrated).toBeCloseTo(full.calibrated - withoutFirstObject.calibrated, 4);
    expect(breakdown.some((b) => Math.abs(b.calibrated) > 1e-6)).toBe(true);
  });

  it("leaves the breakdown out unless asked", async () => {
    const [result] = await computeRewards(llm, [requestOf(sample[0]!)]);
    expect(result!.breakdown).toBeNull();
  });

  it("refuses the no-KPI model, which never saw a KPI label", async () => {
    const nokpi = await loadBoigLlm(path.join(fixtures, "boigllm-tiny-nokpi"));
    await expect(computeRewards(nokpi, [requestOf(sample[0]!)])).rejects.toSatisfy(
      (e) => e instanceof AppError && e.code === "BAD_INPUT" && /behavior model/.test(e.message),
    );
  });
});
