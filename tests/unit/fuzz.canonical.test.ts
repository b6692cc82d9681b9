/**
 * Bad-input campaign (issue 8), the canonical verbalization parser: arbitrary strings, token soups
 * of the grammar's own words, and valid canonical texts mutated token- and character-wise go
 * through parseCanonicalText in both modes. Each either returns a verbalization that round-trips
 * (its canonical text parses back to the same record, and that text is a fixed point) or throws
 * AppError BAD_INPUT whose message names where and what was expected — never another error, and
 * never slowly (the lenient mode has no entry limit, so its cost must stay linear-ish).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { AppError } from "@/server/errors";
import { canonicalVocabulary, parseCanonicalText, toCanonicalText } from "@/server/verbalize/canonical";
import type { Verbalization } from "@/server/verbalize/types";
import { COLOR_NAMES, OBJECT_CLASSES, TONES } from "@/server/verbalize/vocabulary";
import { fuzzRuns } from "./fuzzRuns";

const RUNS = { numRuns: fuzzRuns() };
const MODES = [{ strict: true }, { strict: false }] as const;

/** The contract, for one input in one mode. Returns what happened, for the distribution check. */
function checkParse(text: string, opts: { strict: boolean }): "parsed" | "refused" {
  let parsed: Verbalization;
  try {
    parsed = parseCanonicalText(text, opts);
  } catch (error) {
    if (!(error instanceof AppError)) throw new Error(`non-AppError for ${JSON.stringify(text.slice(0, 300))} (${JSON.stringify(opts)}): ${String(error)}`, { cause: error });
    expect(error.code).toBe("BAD_INPUT");
    expect(error.message).toMatch(/^canonical text.*expected .+/s);
    expect(typeof error.details?.tokenNumber).toBe("number");
    return "refused";
  }
  const canonical = toCanonicalText(parsed);
  // Round trip: the record's canonical text parses (strictly) back to the same record…
  expect(parseCanonicalText(canonical)).toEqual(parsed);
  // …and in strict mode the input was already that text, up to whitespace.
  if (opts.strict) expect(canonical).toBe(text.trim().split(/\s+/).join(" "));
  for (const c of [...parsed.colors, ...parsed.tones]) expect(c.coverage > 0 && c.coverage <= 1).toBe(true);
  return "parsed";
}

const vocabulary = canonicalVocabulary();
const JUNK_TOKENS = ["-5", "005", "1e2", "NaN", "Infinity", "100000000", "0", "17", "101", "5.0", "Colors", "RED", "__proto__", "constructor", "toString", "hasOwnProperty", ";;", ",,", "😀", "\u0000", "٣", "ｒｅｄ"];
const WHITESPACE = [" ", "  ", "\t", "\n", "\r\n", "\u00a0", "\u2028", "\ufeff", "\u3000"];

const tokenSoup = fc
  .array(fc.tuple(fc.oneof(fc.constantFrom(...vocabulary), fc.constantFrom(...JUNK_TOKENS)), fc.constantFrom(...WHITESPACE)), { maxLength: 40 })
  .map((parts) => parts.map(([token, space]) => token + space).join(""));

// Valid records, to start mutations from (deliberately messy: quantization cleans them up).
const arbVerbalization: fc.Arbitrary<Verbalization> = fc.record({
  colors: fc.array(fc.record({ name: fc.constantFrom(...COLOR_NAMES), coverage: fc.double({ min: 0, max: 1, noNaN: true }) }), { maxLength: 8 }),
  tones: fc.array(fc.record({ name: fc.constantFrom(...TONES), coverage: fc.double({ min: 0, max: 1, noNaN: true }) }), { maxLength: 6 }),
  objects: fc.array(
    fc.record({
      label: fc.constantFrom(...OBJECT_CLASSES),
      box: fc.record({ x: fc.double({ min: 0, max: 1, noNaN: true }), y: fc.double({ min: 0, max: 1, noNaN: true }), w: fc.double({ min: 0, max: 1, noNaN: true }), h: fc.double({ min: 0, max: 1, noNaN: true }) }),
      score: fc.double({ min: 0, max: 1, noNaN: true }),
    }),
    { maxLength: 12 },
  ),
  caption: fc.constant(""),
});

type Edit = { at: number; other: number; op: number; word: string; char: string };
const editArb = fc.record({
  at: fc.nat(),
  other: fc.nat(),
  op: fc.nat(9),
  word: fc.oneof(fc.constantFrom(...vocabulary), fc.constantFrom(...JUNK_TOKENS)),
  char: fc.oneof(fc.string({ unit: "binary", minLength: 1, maxLength: 2 }), fc.constantFrom(...WHITESPACE), fc.constantFrom("0", "5", "9", ";", ",", "-")),
});

/** Token edits (drop, swap, replace, duplicate, insert) and character edits (insert, delete, replace). */
function mutate(text: string, edits: Edit[]): string {
  let out = text;
  for (const { at, other, op, word, char } of edits) {
    const tokens = out.split(" ");
    const a = at % tokens.length;
    const b = other % tokens.length;
    const c = at % (out.length + 1);
    switch (op) {
      case 0:
        tokens.splice(a, 1);
        break;
      case 1:
        [tokens[a], tokens[b]] = [tokens[b]!, tokens[a]!];
        break;
      case 2:
        tokens[a] = word;
        break;
      case 3:
        tokens.splice(a, 0, tokens[b]!);
        break;
      case 4:
        tokens.splice(a, 0, word);
        break;
      case 5:
        tokens.splice(a, 0, ...tokens.slice(b, b + 5)); // a repeated run, e.g. a second "colors … ;" section
        break;
      case 6:
        out = out.slice(0, c) + char + out.slice(c);
        continue;
      case 7:
        out = out.slice(0, c) + out.slice(c + 1 + (other % 3));
        continue;
      default:
        out = out.slice(0, c) + char + out.slice(c + 1);
        continue;
    }
    out = tokens.join(" ");
  }
  return out;
}

const mutatedText = fc.tuple(arbVerbalization, fc.array(editArb, { maxLength: 4 })).map(([v, edits]) => mutate(toCanonicalText(v), edits));

describe("canonical parser fuzz: round-trips or BAD_INPUT, nothing else", () => {
  it.each(MODES)(`arbitrary strings (%o, ${RUNS.numRuns} cases)`, (opts) => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: "binary", maxLength: 200 }), fc.string({ maxLength: 200 }), tokenSoup), (text) => {
        checkParse(text, opts);
      }),
      RUNS,
    );
  });

  it.each(MODES)(`mutated canonical texts (%o, ${RUNS.numRuns} cases), many of them still parsing`, (opts) => {
    const outcomes = { parsed: 0, refused: 0 };
    fc.assert(
      fc.property(mutatedText, (text) => {
        outcomes[checkParse(text, opts)]++;
      }),
      RUNS,
    );
    // The mutations must reach deep into the grammar, not only fail on the first token.
    expect(outcomes.parsed).toBeGreaterThan(RUNS.numRuns * 0.05);
    expect(outcomes.refused).toBeGreaterThan(RUNS.numRuns * 0.3);
  });

  it("valid canonical texts with any whitespace between tokens parse to the same record", () => {
    fc.assert(
      fc.property(arbVerbalization, fc.array(fc.constantFrom(...WHITESPACE), { minLength: 1 }), (v, spaces) => {
        const text = toCanonicalText(v);
        const spaced = text.split(" ").map((token, i) => token + spaces[i % spaces.length]).join("");
        expect(parseCanonicalText(spaced)).toEqual(parseCanonicalText(text));
      }),
      RUNS,
    );
  });

  it("long inputs are read in linear-ish time: 50,000 lenient entries, or junk, well under a second each", () => {
    const colors = Array.from({ length: 50_000 }, (_, i) => `${COLOR_NAMES[i % COLOR_NAMES.length]} 5`).join(" ");
    const inputs = [
      `colors ${colors} ; tones ; objects`,
      `colors ; tones ; objects ${Array.from({ length: 20_000 }, () => "person 0 0 1 1").join(" , ")}`,
      "x".repeat(1_000_000),
      " ".repeat(1_000_000),
      "colors ".repeat(100_000),
    ];
    for (const text of inputs)
      for (const opts of MODES) {
        const started = performance.now();
        checkParse(text, opts);
        expect(performance.now() - started, `${text.slice(0, 40)}… ${JSON.stringify(opts)}`).toBeLessThan(2000);
      }
  });
});
