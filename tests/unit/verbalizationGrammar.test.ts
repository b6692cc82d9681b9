/**
 * The decoding grammar (server/llm/verbalizationGrammar.ts): every path it allows parses as a
 * verbalization, canonical texts are accepted token by token, and the invariants it promises
 * (no repeated names, non-increasing coverage, colors ≤ 100%, boxes on the grid) hold.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { END, VerbalizationGrammar } from "@/server/llm/verbalizationGrammar";
import { parseCanonicalText, toCanonicalText } from "@/server/verbalize/canonical";
import { createRng } from "@/server/world/random";

/** Walks the grammar choosing uniformly among allowed tokens; returns the tokens taken. */
function randomWalk(seed: number, kpiLabels?: readonly string[], maxTokens = 200) {
  const rng = createRng(seed, "grammar-walk");
  const grammar = new VerbalizationGrammar({ kpiLabels });
  const taken: string[] = [];
  while (!grammar.finished && taken.length < maxTokens) {
    const allowed = grammar.allowed();
    expect(allowed.length).toBeGreaterThan(0);
    const token = allowed[rng.int(0, allowed.length - 1)]!;
    grammar.accept(token);
    taken.push(token);
  }
  return { grammar, taken };
}

describe("VerbalizationGrammar", () => {
  it("accepts a canonical text token by token and ends where it ends", () => {
    const text = "colors blue 45 white 20 red 10 ; tones cool 60 light 30 ; objects person 1 2 4 12 , bottle 6 3 3 9";
    const grammar = new VerbalizationGrammar();
    for (const token of text.split(" ")) grammar.accept(token);
    expect(grammar.allowed()).toContain(END);
    grammar.accept(END);
    expect(grammar.finished).toBe(true);
    expect(grammar.canonicalText()).toBe(text);
  });

  it("starts with `kpi LABEL ;` for instruction types 3-4 and records the label", () => {
    const grammar = new VerbalizationGrammar({ kpiLabels: ["high", "low"] });
    expect(grammar.allowed()).toEqual(["kpi"]);
    grammar.accept("kpi");
    expect(grammar.allowed()).toEqual(["high", "low"]);
    expect(() => grammar.accept("medium")).toThrow(/not allowed/);
    grammar.accept("low");
    grammar.accept(";");
    expect(grammar.allowed()).toEqual(["colors"]);
    expect(grammar.kpiLabel).toBe("low");
  });

  it("refuses repeats, rising coverage and colors beyond 100%", () => {
    const grammar = new VerbalizationGrammar();
    for (const token of "colors blue 60".split(" ")) grammar.accept(token);
    expect(grammar.allowed()).not.toContain("blue");
    grammar.accept("red");
    // at most the previous 60 and at most the 40 left
    expect(grammar.allowed()).toEqual(["5", "10", "15", "20", "25", "30", "35", "40"]);
    grammar.accept("40");
    expect(grammar.allowed()).toEqual([";"]); // 100% used up
  });

  it("keeps boxes on the 16-cell grid, largest area first", () => {
    const grammar = new VerbalizationGrammar();
    for (const token of "colors ; tones ; objects car 12 14".split(" ")) grammar.accept(token);
    expect(grammar.allowed()).toEqual(["1", "2", "3", "4"]); // w ≤ 16 - 12
    grammar.accept("2");
    expect(grammar.allowed()).toEqual(["1", "2"]); // h ≤ 16 - 14
    grammar.accept("2");
    for (const token of ", dog 0 0".split(" ")) grammar.accept(token);
    expect(grammar.allowed()).toEqual(["1", "2", "3", "4"]); // area ≤ 4
    grammar.accept("3");
    expect(grammar.allowed()).toEqual(["1"]);
  });

  it("a text cut short still gives the verbalization of its completed items", () => {
    const grammar = new VerbalizationGrammar();
    for (const token of "colors navy 50 ; tones dark 70 ; objects person 1 2 4 12 , cup 3".split(" ")) grammar.accept(token);
    expect(grammar.finished).toBe(false);
    expect(grammar.canonicalText()).toBe("colors navy 50 ; tones dark 70 ; objects person 1 2 4 12");
  });

  it("every random walk through the grammar is a valid verbalization (strict parse of its canonical text)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1_000_000 }), fc.boolean(), (seed, check) => {
        const { grammar, taken } = randomWalk(seed, check ? ["high", "medium", "low"] : undefined);
        expect(grammar.finished).toBe(true);
        const body = check ? taken.slice(3) : taken;
        const text = body.filter((t) => t !== END).join(" ");
        // The raw text parses leniently; its canonical form parses strictly and round-trips.
        const lenient = parseCanonicalText(text, { strict: false });
        expect(toCanonicalText(lenient)).toBe(grammar.canonicalText());
        expect(toCanonicalText(parseCanonicalText(grammar.canonicalText()))).toBe(grammar.canonicalText());
        const colorSum = lenient.colors.reduce((s, c) => s + c.coverage, 0);
        expect(colorSum).toBeLessThanOrEqual(1 + 1e-9);
      }),
      { numRuns: 300 },
    );
  });
});
