/**
 * BoigLLM's tokenizer: the TS side reproduces models/llm_tokenizer_golden.json (which the Python
 * side reproduces too, models/tests/test_llm_tokenizer.py), so both encode identically.
 */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { reservedTokens } from "@/server/llm/instructions";
import { buildVocab, freeTextPieces, normalizeFreeText, SPECIALS, Tokenizer } from "@/server/llm/tokenizer";
import { canonicalVocabulary } from "@/server/verbalize/canonical";

const repoRoot = fileURLToPath(new URL("../..", import.meta.url));
type Golden = {
  reserved: string[];
  minCount: number;
  maxSize: number;
  corpus: string[];
  vocab: string[];
  samples: { text: string; ids: number[] }[];
  examples: { prompt: string; target: string; ids: number[]; targetStart: number }[];
};
const golden = JSON.parse(fs.readFileSync(path.join(repoRoot, "models/llm_tokenizer_golden.json"), "utf8")) as Golden;

describe("BoigLLM tokenizer (TS side of the shared golden)", () => {
  it("uses today's reserved tokens: the canonical vocabulary and the field words", () => {
    expect(golden.reserved).toEqual(reservedTokens());
    for (const token of canonicalVocabulary()) expect(golden.reserved).toContain(token);
  });

  it("builds the golden vocabulary from the golden corpus (cap reached)", () => {
    const vocab = buildVocab(golden.corpus, golden.reserved, golden.minCount, golden.maxSize);
    expect(vocab).toEqual(golden.vocab);
    expect(vocab.length).toBe(golden.maxSize);
    expect(vocab.slice(0, SPECIALS.length)).toEqual([...SPECIALS]);
  });

  it("encodes every golden sample to the same ids", () => {
    const tokenizer = new Tokenizer(golden.vocab);
    expect(golden.samples.length).toBeGreaterThan(300);
    const mismatches = golden.samples.filter((s) => JSON.stringify(tokenizer.encode(s.text)) !== JSON.stringify(s.ids));
    expect(mismatches.map((s) => s.text)).toEqual([]);
    for (const e of golden.examples) expect(tokenizer.encodeExample(e.prompt, e.target)).toEqual({ ids: e.ids, targetStart: e.targetStart });
  });

  it("keeps every canonical token whole and round-trips canonical text", () => {
    const tokenizer = new Tokenizer(golden.vocab);
    for (const token of golden.reserved) expect(tokenizer.encode(token)).toEqual([tokenizer.id(token)]);
    const text = "kpi high ; colors blue 45 white 20 ; tones cool 60 ; objects person 1 2 4 12 , car 6 3 3 9";
    expect(tokenizer.decode(tokenizer.encode(text))).toBe(text);
  });

  it("normalizes free text to ASCII lowercase alphanumeric pieces", () => {
    expect(normalizeFreeText("Hello, WORLD!! it's 2024-03-09 café")).toBe("hello world it s 2024 03 09 caf");
    expect(freeTextPieces("İstanbul")).toEqual(["stanbul"]);
    expect(normalizeFreeText("a\u00a0b")).toBe("a b");
    const tokenizer = new Tokenizer(golden.vocab);
    expect(tokenizer.encode("zzqx-unknownword")).toEqual([tokenizer.unkId, tokenizer.unkId]);
  });

  it("rejects a vocabulary without the specials first or with duplicates", () => {
    expect(() => new Tokenizer(["a", ...SPECIALS])).toThrow(/must start/);
    expect(() => new Tokenizer([...SPECIALS, "a", "a"])).toThrow(/duplicate/);
  });
});
