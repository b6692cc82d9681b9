/**
 * BoigLLM decoding in TypeScript (server/llm/decode.ts) on the committed tiny model:
 * the KV-cache decoder picks exactly the tokens a cache-free decoder (whole sequence re-run
 * every step) picks; left-padded batches decode like single rows; sampling is seeded; every
 * output parses strictly; teacher-forced likelihoods match a one-row computation.
 */
import path from "node:path";
import { fixtureTestRecords, LLM_FIXTURES, type FixtureRecord } from "./llmFixtures";
import { beforeAll, describe, expect, it } from "vitest";
import { emptyCache, forward, loadBoigLlm, type BoigLlm } from "@/server/ml/boigLlm";
import { generateVerbalizations } from "@/server/llm/decode";
import { targetLikelihoods } from "@/server/llm/scoreTargets";
import { END, VerbalizationGrammar } from "@/server/llm/verbalizationGrammar";
import { parseCanonicalText, toCanonicalText } from "@/server/verbalize/canonical";

const fixtures = LLM_FIXTURES;
type Rec = FixtureRecord;
const records = fixtureTestRecords()
  .filter((r) => r.variant === "behavior");
const labelsOf = (r: Rec) => (r.type >= 3 ? (r.kind === "social" ? ["high", "low"] : ["high", "medium", "low"]) : undefined);

let llm: BoigLlm;
beforeAll(async () => {
  llm = await loadBoigLlm(path.join(fixtures, "boigllm-tiny"));
});

/** Greedy, grammar-masked, with no cache: the whole sequence goes through the model every step. */
async function greedyWithoutCache(prompt: string, kpiLabels?: readonly string[]): Promise<string[]> {
  const tk = llm.tokenizer;
  const ids = [tk.bosId, ...tk.encode(prompt), tk.sepId];
  const grammar = new VerbalizationGrammar({ kpiLabels });
  const out: string[] = [];
  while (!grammar.finished && out.length < 96) {
    const { logits, seq } = await forward(llm, [ids], [ids.map(() => 1)], emptyCache(llm, 1));
    const row = logits.subarray((seq - 1) * tk.size, seq * tk.size);
    let best = "";
    let bestLogit = -Infinity;
    for (const token of grammar.allowed()) {
      const id = token === END ? tk.eosId : tk.id(token)!;
      if (row[id]! > bestLogit) [best, bestLogit] = [token, row[id]!];
    }
    grammar.accept(best);
    out.push(best);
    ids.push(best === END ? tk.eosId : tk.id(best)!);
  }
  return out.filter((t) => t !== END);
}

describe("generateVerbalizations", () => {
  it("with the KV cache picks the same tokens as decoding without it", async () => {
    const sample = records.slice(0, 4);
    const cached = await generateVerbalizations(llm, sample.map((r) => ({ prompt: r.prompt, kpiLabels: labelsOf(r) })));
    for (const [i, r] of sample.entries()) {
      expect(cached[i]!.text.split(" ")).toEqual(await greedyWithoutCache(r.prompt, labelsOf(r)));
    }
  });

  it("decodes a left-padded batch exactly like one prompt at a time", async () => {
    const sample = records.slice(0, 6);
    const batched = await generateVerbalizations(llm, sample.map((r) => ({ prompt: r.prompt })), { batchSize: 6 });
    const single = await generateVerbalizations(llm, sample.map((r) => ({ prompt: r.prompt })), { batchSize: 1 });
    expect(new Set(sample.map((r) => llm.tokenizer.encode(r.prompt).length)).size).toBeGreaterThan(1); // padding really happens
    expect(batched.map((g) => g.text)).toEqual(single.map((g) => g.text));
  });

  it("always returns a verbalization whose canonical text parses strictly, and the stated KPI label", async () => {
    const sample = records.slice(0, 10);
    const outputs = await generateVerbalizations(llm, sample.map((r) => ({ prompt: r.prompt, kpiLabels: labelsOf(r) })), { temperature: 1.5, seed: 1 });
    for (const [i, g] of outputs.entries()) {
      expect(toCanonicalText(parseCanonicalText(g.canonical))).toBe(g.canonical);
      expect(g.verbalization.colors.length).toBeLessThanOrEqual(5);
      if (labelsOf(sample[i]!)) expect(labelsOf(sample[i]!)).toContain(g.kpiLabel);
      else expect(g.kpiLabel).toBeNull();
    }
  });

  it("sampling is reproducible by seed and differs across seeds; top-p near 0 is greedy", async () => {
    const prompts = records.slice(0, 4).map((r) => ({ prompt: r.prompt }));
    const a = await generateVerbalizations(llm, prompts, { temperature: 1, topP: 0.95, seed: 11 });
    const b = await generateVerbalizations(llm, prompts, { temperature: 1, topP: 0.95, seed: 11 });
    const c = await generateVerbalizations(llm, prompts, { temperature: 1, topP: 0.95, seed: 12 });
    expect(a.map((g) => g.text)).toEqual(b.map((g) => g.text));
    expect(a.map((g) => g.text)).not.toEqual(c.map((g) => g.text));
    const nucleusOfOne = await generateVerbalizations(llm, prompts, { temperature: 1, topP: 1e-9, seed: 5 });
    const greedy = await generateVerbalizations(llm, prompts);
    expect(nucleusOfOne.map((g) => g.text)).toEqual(greedy.map((g) => g.text));
  });

  it("stops at the token budget and still returns the completed items", async () => {
    const [g] = await generateVerbalizations(llm, [{ prompt: records[0]!.prompt }], { maxNewTokens: 6 });
    expect(g!.tokens).toBe(6);
    expect(g!.truncated).toBe(true);
    expect(() => parseCanonicalText(g!.canonical)).not.toThrow();
  });

  it("refuses a prompt longer than the model's context", async () => {
    const long = `task social ; caption ${"word ".repeat(400)}; verbalize`;
    await expect(generateVerbalizations(llm, [{ prompt: long }])).rejects.toThrow(/does not fit the model's context/);
  });
});

describe("targetLikelihoods", () => {
  it("gives each target token's log-probability, batched equal to one row at a time", async () => {
    const pairs = records.slice(0, 5).map((r) => ({ prompt: r.prompt, target: r.target }));
    const batched = await targetLikelihoods(llm, pairs);
    for (const [i, pair] of pairs.entries()) {
      const [single] = await targetLikelihoods(llm, [pair]);
      expect(batched[i]!.tokens).toEqual([...pair.target.split(" "), "<eos>"]);
      batched[i]!.logProbs.forEach((lp, t) => expect(lp).toBeCloseTo(single!.logProbs[t]!, 4));
      expect(batched[i]!.logProbs.every((lp) => lp <= 0)).toBe(true);
    }
  });

  it("the greedy output is at least as likely per token as the ground truth under the same model (sanity)", async () => {
    const r = records.find((x) => x.type === 1)!;
    const [g] = await generateVerbalizations(llm, [{ prompt: r.prompt }]);
    const [mine, truth] = await targetLikelihoods(llm, [
      { prompt: r.prompt, target: g!.text },
      { prompt: r.prompt, target: r.target },
    ]);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(mean(mine!.logProbs)).toBeGreaterThan(mean(truth!.logProbs));
  });
});

describe("generateConsensus", () => {
  it("returns, per prompt, the medoid of that prompt's seeded samples", async () => {
    const { generateConsensus } = await import("@/server/llm/consensusDecode");
    const { medoidShot } = await import("@/server/llm/retrievalBaseline");
    const prompts = records.slice(0, 3).map((r) => ({ prompt: r.prompt }));
    const options = { samples: 4, temperature: 1, topP: 0.95, seed: 7 };
    const consensus = await generateConsensus(llm, prompts, options);
    expect(consensus).toHaveLength(3);
    const drawn = await generateVerbalizations(llm, prompts.flatMap((p) => [p, p, p, p]), options);
    consensus.forEach((c, r) => expect(c.canonical).toBe(medoidShot(drawn.slice(4 * r, 4 * r + 4)).canonical));
    expect((await generateConsensus(llm, prompts, options)).map((c) => c.canonical)).toEqual(consensus.map((c) => c.canonical));
  });
});

describe("generateMbr", () => {
  const v = (text: string) => parseCanonicalText(text);
  const red = v("colors red 60 white 40 ; tones warm 50 ; objects car 4 4 3 3");

  it("table1Utility is 1 for a perfect prediction and falls with each kind of error", async () => {
    const { table1Utility } = await import("@/server/llm/mbrDecode");
    expect(table1Utility(red, red)).toBeCloseTo(1, 10);
    const wrongColor = table1Utility(red, v("colors navy 60 white 40 ; tones warm 50 ; objects car 4 4 3 3"));
    const movedCar = table1Utility(red, v("colors red 60 white 40 ; tones warm 50 ; objects car 0 0 3 3"));
    const noObjects = table1Utility(red, v("colors red 60 white 40 ; tones warm 50 ; objects"));
    for (const u of [wrongColor, movedCar, noObjects]) expect(u).toBeLessThan(1);
    expect(noObjects).toBeLessThan(movedCar); // losing the car costs IoU and similarity, moving it only position
  });

  it("mbrChoice picks the candidate the others agree with most, the earliest on ties", async () => {
    const { mbrChoice } = await import("@/server/llm/mbrDecode");
    const navy = v("colors navy 90 ; tones cool 80 ; objects bag 1 1 2 2");
    const nearRed = v("colors red 50 white 30 orange 20 ; tones warm 50 ; objects car 4 4 3 3");
    expect(mbrChoice([navy, nearRed, red, red])).toBe(2);
    expect(mbrChoice([navy, navy])).toBe(0);
    expect(() => mbrChoice([])).toThrow(/at least one/);
  });

  it("mbrSectionChoice picks each section from the candidate the others agree with on that section", async () => {
    const { mbrChoice, mbrSectionChoice, METRIC_SECTIONS } = await import("@/server/llm/mbrDecode");
    const { METRIC_NAMES } = await import("@/server/eval/verbalizationMetrics");
    expect(Object.values(METRIC_SECTIONS).flat().sort()).toEqual([...METRIC_NAMES].sort());
    // Colors: red/white is shared by 0 and 1; objects: the bag is shared by 1 and 2; tones agree everywhere.
    const candidates = [
      v("colors red 60 white 40 ; tones warm 50 ; objects car 4 4 3 3"),
      v("colors red 60 white 40 ; tones warm 50 ; objects bag 1 1 2 2"),
      v("colors navy 90 ; tones warm 50 ; objects bag 1 1 2 2"),
    ];
    expect(mbrChoice(candidates)).toBe(1); // the one whole candidate that shares a section with each other one
    expect(mbrSectionChoice(candidates)).toEqual({ colors: 0, tones: 0, objects: 1 }); // ties go to the earliest
    const split = [
      v("colors red 60 white 40 ; tones warm 50 ; objects car 4 4 3 3"),
      v("colors red 60 white 40 ; tones cool 50 ; objects bag 1 1 2 2"),
      v("colors navy 90 ; tones cool 50 ; objects bag 1 1 2 2"),
      v("colors red 60 white 40 ; tones cool 50 ; objects bag 1 1 2 2"),
    ];
    expect(mbrSectionChoice(split)).toEqual({ colors: 0, tones: 1, objects: 1 }); // each section its own majority, earliest first
    expect(() => mbrSectionChoice([])).toThrow(/at least one/);
  });

  it("by section, composes the chosen sections of the greedy answer and the seeded samples", async () => {
    const { generateMbr, mbrSectionChoice } = await import("@/server/llm/mbrDecode");
    const prompts = records.slice(0, 3).map((r) => ({ prompt: r.prompt }));
    const options = { samples: 4, temperature: 1, topP: 0.95, seed: 7 };
    const chosen = await generateMbr(llm, prompts, { ...options, bySection: true });
    const greedy = await generateVerbalizations(llm, prompts, { temperature: 0 });
    const drawn = await generateVerbalizations(llm, prompts.flatMap((p) => [p, p, p, p]), options);
    chosen.forEach((c, r) => {
      const candidates = [greedy[r]!, ...drawn.slice(4 * r, 4 * r + 4)];
      const pick = mbrSectionChoice(candidates.map((x) => x.verbalization));
      expect(c.verbalization.colors).toEqual(candidates[pick.colors]!.verbalization.colors);
      expect(c.verbalization.tones).toEqual(candidates[pick.tones]!.verbalization.tones);
      expect(c.verbalization.objects).toEqual(candidates[pick.objects]!.verbalization.objects);
      expect(parseCanonicalText(c.canonical)).toEqual(parseCanonicalText(toCanonicalText(c.verbalization)));
    });
  });

  it("returns, per prompt, the MBR choice among the greedy answer and that prompt's seeded samples", async () => {
    const { generateMbr, mbrChoice } = await import("@/server/llm/mbrDecode");
    const prompts = records.slice(0, 3).map((r) => ({ prompt: r.prompt }));
    const options = { samples: 4, temperature: 1, topP: 0.95, seed: 7 };
    const chosen = await generateMbr(llm, prompts, options);
    const greedy = await generateVerbalizations(llm, prompts, { temperature: 0 });
    const drawn = await generateVerbalizations(llm, prompts.flatMap((p) => [p, p, p, p]), options);
    chosen.forEach((c, r) => {
      const candidates = [greedy[r]!, ...drawn.slice(4 * r, 4 * r + 4)];
      expect(c.canonical).toBe(candidates[mbrChoice(candidates.map((x) => x.verbalization))]!.canonical);
    });
    expect((await generateMbr(llm, prompts, options)).map((c) => c.canonical)).toEqual(chosen.map((c) => c.canonical));
  });
});
