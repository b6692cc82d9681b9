import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { AppError } from "@/server/errors";
import {
  canonicalVocabulary,
  droppedObjectLabels,
  parseCanonicalText,
  quantizeVerbalization,
  toCanonicalText,
} from "@/server/verbalize/canonical";
import { COCO_LABELS } from "@/server/verbalize/cocoLabels";
import type { DetectedObject, Verbalization } from "@/server/verbalize/types";
import { COLOR_NAMES, MAX_COLORS, MAX_OBJECTS, OBJECT_CLASSES, TONES } from "@/server/verbalize/vocabulary";

const RUNS = { numRuns: 400 };

// Arbitrary verbalizations, deliberately messy: out-of-range and repeated entries, COCO and
// unknown labels, boxes hanging off the image, any order.
const coverage = fc.double({ min: -0.2, max: 1.2, noNaN: true });
const unit = (min: number, max: number) => fc.double({ min, max, noNaN: true });
const arbObject: fc.Arbitrary<DetectedObject> = fc.record({
  label: fc.oneof(fc.constantFrom(...OBJECT_CLASSES), fc.constantFrom(...COCO_LABELS), fc.constantFrom("cat", "unicorn", "Person")),
  box: fc.record({ x: unit(-0.3, 1.3), y: unit(-0.3, 1.3), w: unit(-0.1, 1.5), h: unit(-0.1, 1.5) }),
  score: unit(0, 1),
});
const arbVerbalization: fc.Arbitrary<Verbalization> = fc.record({
  colors: fc.array(fc.record({ name: fc.constantFrom(...COLOR_NAMES), coverage }), { maxLength: 25 }),
  tones: fc.array(fc.record({ name: fc.constantFrom(...TONES), coverage }), { maxLength: 10 }),
  objects: fc.array(arbObject, { maxLength: 2 * MAX_OBJECTS }),
  caption: fc.string(),
});

describe("canonical text: invariants (SPEC §3.4: parses back losslessly)", () => {
  it("parseCanonicalText(toCanonicalText(v)) deep-equals quantizeVerbalization(v), caption included", () => {
    fc.assert(
      fc.property(arbVerbalization, (v) => {
        expect(parseCanonicalText(toCanonicalText(v))).toEqual(quantizeVerbalization(v));
      }),
      RUNS,
    );
  });

  it("toCanonicalText(parseCanonicalText(t)) === t for canonical t", () => {
    fc.assert(
      fc.property(arbVerbalization, (v) => {
        const t = toCanonicalText(v);
        expect(toCanonicalText(parseCanonicalText(t))).toBe(t);
      }),
      RUNS,
    );
  });

  it("quantization is idempotent, and text of v and of its quantization agree", () => {
    fc.assert(
      fc.property(arbVerbalization, (v) => {
        const q = quantizeVerbalization(v);
        expect(quantizeVerbalization(q)).toEqual(q);
        expect(toCanonicalText(q)).toBe(toCanonicalText(v));
      }),
      RUNS,
    );
  });

  it("a quantized record keeps the limits: coverage on 5% steps, boxes on the 16-grid inside [0,1]", () => {
    fc.assert(
      fc.property(arbVerbalization, (v) => {
        const q = quantizeVerbalization(v);
        expect(q.colors.length).toBeLessThanOrEqual(MAX_COLORS);
        expect(q.objects.length).toBeLessThanOrEqual(MAX_OBJECTS);
        for (const { coverage: c } of [...q.colors, ...q.tones]) {
          expect(Number.isInteger(Math.round(c * 20)) && Math.abs(c * 20 - Math.round(c * 20)) < 1e-9).toBe(true);
          expect(c).toBeGreaterThanOrEqual(0.05);
          expect(c).toBeLessThanOrEqual(1);
        }
        for (const { label, box, score } of q.objects) {
          expect(OBJECT_CLASSES).toContain(label);
          expect(score).toBe(1);
          for (const n of [box.x, box.y, box.w, box.h]) expect(Number.isInteger(n * 16)).toBe(true);
          expect(box.w).toBeGreaterThanOrEqual(1 / 16);
          expect(box.h).toBeGreaterThanOrEqual(1 / 16);
          expect(box.x + box.w).toBeLessThanOrEqual(1);
          expect(box.y + box.h).toBeLessThanOrEqual(1);
        }
      }),
      RUNS,
    );
  });

  it("every token of the text is in canonicalVocabulary()", () => {
    const vocabulary = new Set(canonicalVocabulary());
    fc.assert(
      fc.property(arbVerbalization, (v) => {
        for (const token of toCanonicalText(v).split(" ")) expect(vocabulary.has(token)).toBe(true);
      }),
      RUNS,
    );
  });

  it("the strict parser accepts exactly the canonical texts: mutated texts either fail with BAD_INPUT (and are not canonical) or are canonical", () => {
    const vocabulary = canonicalVocabulary();
    // Start from real texts and mutate them (drop / swap / replace tokens) so many samples get deep into the grammar.
    const mutated = fc
      .tuple(arbVerbalization, fc.array(fc.tuple(fc.nat(), fc.nat(), fc.constantFrom(...vocabulary)), { maxLength: 3 }))
      .map(([v, edits]) => {
        const tokens = toCanonicalText(v).split(" ");
        for (const [i, j, word] of edits) {
          const a = i % tokens.length;
          const b = j % tokens.length;
          if ((i + j) % 3 === 0) tokens.splice(a, 1);
          else if ((i + j) % 3 === 1) [tokens[a], tokens[b]] = [tokens[b]!, tokens[a]!];
          else tokens[a] = word;
        }
        return tokens.join(" ");
      });
    fc.assert(
      fc.property(mutated, (text) => {
        let parsed: Verbalization;
        try {
          parsed = parseCanonicalText(text);
        } catch (error) {
          expect(error).toBeInstanceOf(AppError);
          expect((error as AppError).code).toBe("BAD_INPUT");
          // ...and strict is not over-strict: if the lenient parser reads it, it was not canonical.
          let lenient: Verbalization | undefined;
          try {
            lenient = parseCanonicalText(text, { strict: false });
          } catch {
            return;
          }
          expect(toCanonicalText(lenient)).not.toBe(text);
          return;
        }
        expect(toCanonicalText(parsed)).toBe(text);
      }),
      { numRuns: 1000 },
    );
  });

  it("the lenient parser normalizes order and repeats, and agrees with the strict one on canonical text", () => {
    const shuffled = "colors white 20 blue 45 white 10 ; tones light 30 cool 60 ; objects bottle 6 3 3 9 , person 1 2 4 12";
    const canonical = "colors blue 45 white 20 ; tones cool 60 light 30 ; objects person 1 2 4 12 , bottle 6 3 3 9";
    expect(() => parseCanonicalText(shuffled)).toThrow(AppError);
    expect(toCanonicalText(parseCanonicalText(shuffled, { strict: false }))).toBe(canonical);
    fc.assert(
      fc.property(arbVerbalization, (v) => {
        const t = toCanonicalText(v);
        expect(parseCanonicalText(t, { strict: false })).toEqual(parseCanonicalText(t));
      }),
      { numRuns: 200 },
    );
  });

  it("treats any run of whitespace as one separator", () => {
    const t = "colors blue 45 ; tones ; objects cup 0 0 1 1";
    expect(parseCanonicalText(`  colors\tblue  45\n;tones ;\n objects cup 0 0 1 1 \n`.replace(";tones", "; tones"))).toEqual(parseCanonicalText(t));
  });
});

describe("canonical text: format and quantization details", () => {
  const v: Verbalization = {
    colors: [
      { name: "blue", coverage: 0.46 },
      { name: "white", coverage: 0.2 },
      { name: "red", coverage: 0.1 },
      { name: "gold", coverage: 0.024 }, // rounds to 0: dropped
    ],
    tones: [
      { name: "light", coverage: 0.3 },
      { name: "cool", coverage: 0.6 },
    ],
    objects: [
      { label: "bottle", box: { x: 6 / 16, y: 3 / 16, w: 3 / 16, h: 9 / 16 }, score: 0.9 },
      { label: "person", box: { x: 0.06, y: 0.13, w: 0.25, h: 0.76 }, score: 0.7 },
      { label: "cell phone", box: { x: 0.97, y: 0.5, w: 0.2, h: 0.001 }, score: 0.6 }, // off the edge, paper-thin
      { label: "traffic light", box: { x: 0, y: 0, w: 0.5, h: 0.5 }, score: 0.99 }, // no scene class
    ],
    caption: "ignored",
  };

  it("writes the documented form: every word and number its own token, objects largest first", () => {
    expect(toCanonicalText(v)).toBe(
      "colors blue 45 white 20 red 10 ; tones cool 60 light 30 ; objects person 1 2 4 12 , bottle 6 3 3 9 , phone 15 8 1 1",
    );
    expect(toCanonicalText({ colors: [], tones: [], objects: [] })).toBe("colors ; tones ; objects");
  });

  it("omits score and caption: parsed objects have score 1 and the caption is rebuilt", () => {
    const parsed = parseCanonicalText(toCanonicalText(v));
    expect(parsed.objects.map((o) => o.score)).toEqual([1, 1, 1]);
    expect(parsed.caption).toBe(
      "a cool, light image in blue, white and red with a person on the left, a bottle at the center and a phone on the right",
    );
  });

  it("maps COCO labels to scene classes and reports the ones it drops", () => {
    expect(quantizeVerbalization(v).objects.map((o) => o.label)).toEqual(["person", "bottle", "phone"]);
    expect(droppedObjectLabels(v)).toEqual(["traffic light"]);
  });

  it("rounds coverage half up, clamps into [0, 1], keeps the largest of a repeated name", () => {
    const q = quantizeVerbalization({
      colors: [
        { name: "red", coverage: 0.025 },
        { name: "blue", coverage: 1.7 },
        { name: "red", coverage: 0.31 },
        { name: "green", coverage: -0.5 },
      ],
      tones: [],
      objects: [],
    });
    expect(q.colors).toEqual([
      { name: "blue", coverage: 1 },
      { name: "red", coverage: 0.3 },
    ]);
  });

  it(`keeps the ${MAX_OBJECTS} most confident objects and merges identical ones`, () => {
    const objects = Array.from({ length: 14 }, (_, i) => ({ label: "cup", box: { x: i / 16, y: 0, w: 1 / 16, h: 1 / 16 }, score: i / 20 }));
    const q = quantizeVerbalization({ colors: [], tones: [], objects: [...objects, { ...objects[13]!, score: 0 }] });
    expect(q.objects.map((o) => o.box.x * 16)).toEqual([4, 5, 6, 7, 8, 9, 10, 11, 12, 13]);
  });

  it("refuses non-finite numbers, naming the field", () => {
    const bad = { colors: [{ name: "red" as const, coverage: Number.NaN }], tones: [], objects: [] };
    expect(() => quantizeVerbalization(bad)).toThrow("verbalization colors[0].coverage is not a finite number (NaN)");
  });

  it("canonicalVocabulary lists every word and number once", () => {
    const vocabulary = canonicalVocabulary();
    expect(new Set(vocabulary).size).toBe(vocabulary.length);
    expect(vocabulary.slice(0, 5)).toEqual(["colors", "tones", "objects", ";", ","]);
    for (const word of [...COLOR_NAMES, ...TONES, ...OBJECT_CLASSES]) expect(vocabulary).toContain(word);
    const numbers = vocabulary.filter((t) => /^\d+$/.test(t)).map(Number);
    expect(numbers).toEqual([...Array.from({ length: 17 }, (_, i) => i), 20, 25, 30, 35, 40, 45, 50, 55, 60, 65, 70, 75, 80, 85, 90, 95, 100]);
    expect(vocabulary.length).toBe(5 + COLOR_NAMES.length + TONES.length + OBJECT_CLASSES.length + 34);
  });
});
