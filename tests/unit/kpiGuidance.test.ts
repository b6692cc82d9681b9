/**
 * KPI guidance (server/llm/kpiGuidance.ts): the formula on hand-made logits, and guided decoding
 * on the committed tiny BoigLLM against a direct computation (every label's whole sequence re-run
 * each step, no cache, no batching).
 */
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { emptyCache, forward, loadBoigLlm, type BoigLlm } from "@/server/ml/boigLlm";
import { generateVerbalizations } from "@/server/llm/decode";
import { allowedLogSoftmax, guidancePrompts, guidedScores } from "@/server/llm/kpiGuidance";
import { END, VerbalizationGrammar } from "@/server/llm/verbalizationGrammar";
import { fixtureTestRecords, LLM_FIXTURES } from "./llmFixtures";

const logits = (values: number[]) => Float32Array.from(values);

describe("guidedScores", () => {
  const ids = [0, 1, 2];
  const even = [Math.log(0.5), Math.log(0.5)];

  it("is the own label's log-probabilities at scale 0, and when the labels agree", () => {
    const own = logits([2, 1, 0]);
    const expected = Array.from(allowedLogSoftmax(own, ids));
    expect(Array.from(guidedScores([own, logits([0, 3, 1])], ids, 0, even, 0))).toEqual(expected);
    Array.from(guidedScores([own, own], ids, 0, even, 5)).forEach((s, i) => expect(s).toBeCloseTo(expected[i]!, 12));
  });

  it("moves the choice toward the token that tells the own label apart", () => {
    // Own label: token 0 likelier (0.55 vs 0.45); the other label: token 0 much likelier still.
    // Token 1 is what the own label prefers RELATIVE to the other, so enough guidance picks it.
    const own = logits([Math.log(0.55), Math.log(0.45), -30]);
    const other = logits([Math.log(0.9), Math.log(0.1), -30]);
    const at = (scale: number) => Array.from(guidedScores([own, other], ids, 0, even, scale));
    expect(at(0)[0]!).toBeGreaterThan(at(0)[1]!);
    expect(at(2)[1]!).toBeGreaterThan(at(2)[0]!);
    // The prior weighs the mixture: with the other label almost never drawn, p(t | x) ≈ p(t | x, own).
    const rare = [Math.log(1 - 1e-9), Math.log(1e-9)];
    Array.from(guidedScores([own, other], ids, 0, rare, 2)).forEach((s, i) => expect(s).toBeCloseTo(at(0)[i]!, 6));
  });

  it("uses only the allowed tokens", () => {
    const scores = guidedScores([logits([0, 50, 1]), logits([1, -50, 0])], [0, 2], 0, even, 1);
    expect(scores).toHaveLength(2);
    expect(Array.from(scores).every(Number.isFinite)).toBe(true);
  });
});

describe("guidancePrompts", () => {
  it("swaps the kpi field for every label of the dataset, in KPI_LABELS order", () => {
    const g = guidancePrompts("task stock ; date 2024 mar weekday fri ; kpi medium ; caption a red car ; keywords car ; verbalize");
    expect(g.prompts.map((p) => / kpi (\w+) /.exec(p)![1])).toEqual(["high", "medium", "low"]);
    expect(g.own).toBe(1);
    expect(g.logPrior.map(Math.exp).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
  });

  it("refuses a prompt without a kpi field, saying so", () => {
    expect(() => guidancePrompts("task social ; brand acme ; date 2024 mar weekday fri ; caption x ; keywords ; verbalize")).toThrow(/kpi <label>/);
  });
});

describe("guided decoding on the tiny BoigLLM", () => {
  let llm: BoigLlm;
  beforeAll(async () => {
    llm = await loadBoigLlm(path.join(LLM_FIXTURES, "boigllm-tiny"));
  });
  const prompts = fixtureTestRecords()
    .filter((r) => r.variant === "behavior" && r.type <= 2)
    .slice(0, 3)
    .map((r) => r.prompt);

  /** Guided greedy by hand: each label's full sequence through the model every step. */
  async function guidedWithoutCache(prompt: string, scale: number): Promise<string> {
    const tk = llm.tokenizer;
    const g = guidancePrompts(prompt);
    const sequences = g.prompts.map((p) => [tk.bosId, ...tk.encode(p), tk.sepId]);
    const grammar = new VerbalizationGrammar({});
    while (!grammar.finished) {
      const rows: Float32Array[] = [];
      for (const ids of sequences) {
        const { logits: out, seq } = await forward(llm, [ids], [ids.map(() => 1)], emptyCache(llm, 1));
        rows.push(out.slice((seq - 1) * tk.size, seq * tk.size));
      }
      const allowed = grammar.allowed();
      const ids = allowed.map((t) => (t === END ? tk.eosId : tk.id(t)!));
      const scores = guidedScores(rows, ids, g.own, g.logPrior, scale);
      const best = scores.reduce((b, s, i) => (s > scores[b]! ? i : b), 0);
      grammar.accept(allowed[best]!);
      sequences.forEach((seq) => seq.push(ids[best]!));
    }
    return grammar.canonicalText();
  }

  it("picks the tokens a direct, cache-free computation picks (batched, left-padded)", async () => {
    expect(prompts.length).toBeGreaterThan(1);
    const guided = await generateVerbalizations(llm, prompts.map((prompt) => ({ prompt })), { kpiGuidance: 3, batchSize: 2 });
    for (const [i, prompt] of prompts.entries()) expect(guided[i]!.canonical).toBe(await guidedWithoutCache(prompt, 3));
  });

  it("is plain decoding at scale 0, and changes some answer at a large scale", async () => {
    const requests = prompts.map((prompt) => ({ prompt }));
    const plain = await generateVerbalizations(llm, requests);
    expect((await generateVerbalizations(llm, requests, { kpiGuidance: 0 })).map((g) => g.canonical)).toEqual(plain.map((g) => g.canonical));
    const strong = await generateVerbalizations(llm, requests, { kpiGuidance: 20 });
    expect(strong.some((g, i) => g.canonical !== plain[i]!.canonical)).toBe(true);
  });

  it("refuses type 3–4 requests (their answer states the KPI itself)", async () => {
    await expect(generateVerbalizations(llm, [{ prompt: prompts[0]!, kpiLabels: ["high", "low"] }], { kpiGuidance: 1 })).rejects.toThrow(/type 1\/2/);
  });
});
