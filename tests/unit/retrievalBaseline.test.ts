import { describe, expect, it } from "vitest";
import { buildPrompt, type InstructionRecord } from "@/server/llm/instructions";
import {
  buildRetrievalIndex,
  fewShotPrediction,
  medoidShot,
  parsePromptFields,
  predictionFromShots,
  retrieveShots,
  smoothIdf,
  verbalizationAgreement,
  type ShotRecord,
} from "@/server/llm/retrievalBaseline";
import { parseCanonicalText } from "@/server/verbalize/canonical";
import type { Bucket } from "@/server/db/schema";

type Spec = {
  id: string;
  brand?: string | null;
  caption: string;
  keywords?: string[];
  bucket?: Bucket;
  dataset?: string;
  split?: "train" | "test";
  type?: InstructionRecord["type"];
  variant?: InstructionRecord["variant"];
  verbalization?: string;
};

/** A record as exportInstructions writes it, with a prompt built by the real buildPrompt. */
function record(spec: Spec): ShotRecord {
  const stock = spec.brand === null;
  const variant = spec.variant ?? "behavior";
  return {
    id: spec.id,
    type: spec.type ?? (stock ? 2 : 1),
    variant,
    split: spec.split ?? "train",
    dataset: spec.dataset ?? (stock ? "world/stock" : "world/social"),
    bucket: spec.bucket ?? "high",
    prompt: buildPrompt({
      kind: stock ? "stock" : "social",
      check: spec.type === 3 || spec.type === 4,
      brand: spec.brand ?? "acme",
      postedAt: new Date(Date.UTC(2022, 2, 5)),
      kpi: variant === "nokpi" ? null : (spec.bucket ?? "high"),
      caption: spec.caption,
      keywords: spec.keywords ?? [],
    }),
    verbalization: spec.verbalization ?? "colors red 50 ; tones ; objects",
  };
}

const query = (spec: Spec) => {
  const r = record({ ...spec, split: "test" });
  return { dataset: r.dataset, bucket: r.bucket, prompt: r.prompt };
};
const ids = (shots: readonly { record: ShotRecord }[]) => shots.map((s) => s.record.id);

describe("parsePromptFields", () => {
  it("reads brand, caption words and keyword words of a social prompt", () => {
    const fields = parsePromptFields(record({ id: "a", brand: "Acme Co", caption: "Red shoes, on sale!", keywords: ["running shoe", "sale"] }).prompt);
    expect(fields).toEqual({ brand: "acme co", caption: ["red", "shoes", "on", "sale"], keywords: ["running", "shoe", "sale"] });
  });

  it("has no brand for stock and empty lists for empty fields", () => {
    expect(parsePromptFields(record({ id: "s", brand: null, caption: "" }).prompt)).toEqual({ brand: null, caption: [], keywords: [] });
  });
});

describe("retrieveShots", () => {
  // Query: brand acme, bucket high, dataset world/social, words "red shoes sale".
  const pool = [
    record({ id: "acme-1", caption: "red shoes sale" }),
    record({ id: "acme-2", caption: "blue hat" }),
    record({ id: "acme-3", caption: "red hat" }),
    // Each of these matches the query's words exactly but must never be a shot:
    record({ id: "x-bucket", caption: "red shoes sale", bucket: "low" }),
    record({ id: "x-split", caption: "red shoes sale", split: "test" }),
    record({ id: "x-type3", caption: "red shoes sale", type: 3 }),
    record({ id: "x-nokpi", caption: "red shoes sale", variant: "nokpi" }),
    record({ id: "x-dataset", caption: "red shoes sale", dataset: "other/social" }),
    // Another brand, same dataset and bucket: only a fallback.
    record({ id: "bolt-1", brand: "bolt", caption: "red shoes sale" }),
  ];
  const index = buildRetrievalIndex(pool);

  it("keeps only train, behavior, type 1/2 records of the same dataset, brand and bucket, ranked by similarity", () => {
    const shots = retrieveShots(index, query({ id: "q", caption: "red shoes sale" }), 3);
    expect(ids(shots)).toEqual(["acme-1", "acme-3", "acme-2"]);
    expect(shots.every((s) => s.sameBrand)).toBe(true);
    expect(shots[0]!.similarity).toBeCloseTo(1, 12);
    expect(shots[2]!.similarity).toBe(0);
  });

  it("fills up from other brands of the same bucket when the brand has fewer than k, after the brand's own", () => {
    const shots = retrieveShots(index, query({ id: "q", caption: "red shoes sale" }), 5);
    // bolt-1 is the most similar candidate but comes after every acme shot; nothing else qualifies.
    expect(ids(shots)).toEqual(["acme-1", "acme-3", "acme-2", "bolt-1"]);
    expect(shots[3]!.sameBrand).toBe(false);
    expect(shots[3]!.similarity).toBeCloseTo(1, 12);
  });

  it("returns nothing for a dataset or bucket without candidates", () => {
    expect(retrieveShots(index, query({ id: "q", caption: "red", dataset: "missing/social" }), 3)).toEqual([]);
    expect(retrieveShots(index, query({ id: "q", caption: "red", bucket: "medium" }), 3)).toEqual([]);
    expect(() => retrieveShots(index, query({ id: "q", caption: "red" }), 0)).toThrow(/positive integer/);
  });

  it("uses TF-IDF cosine with smoothed IDF over the dataset's candidates (hand-computed)", () => {
    // Stock (no brand): d1 {red, shoes}, d2 {red, hat}, d3 {blue, hat}; N = 3.
    const stock = buildRetrievalIndex([
      record({ id: "d1", brand: null, caption: "red shoes" }),
      record({ id: "d2", brand: null, caption: "red hat" }),
      record({ id: "d3", brand: null, caption: "blue hat" }),
    ]);
    const shots = retrieveShots(stock, query({ id: "q", brand: null, caption: "red shoes" }), 3);
    expect(ids(shots)).toEqual(["d1", "d2", "d3"]);
    const red = Math.log(4 / 3) + 1; // df 2
    const shoes = Math.log(4 / 2) + 1; // df 1
    const hat = Math.log(4 / 3) + 1; // df 2
    expect(smoothIdf(3, 2)).toBeCloseTo(red, 12);
    expect(shots[1]!.similarity).toBeCloseTo((red * red) / (Math.hypot(red, shoes) * Math.hypot(red, hat)), 12);
    expect(shots[2]!.similarity).toBe(0);
    expect(shots.every((s) => s.sameBrand)).toBe(true); // stock: no brand to differ
  });

  it("weighs rare words above common ones", () => {
    // "sale" is in every candidate, "boots" in one: sharing "boots" beats sharing "sale".
    const idx = buildRetrievalIndex([
      record({ id: "a", caption: "sale boots" }),
      record({ id: "b", caption: "sale hat" }),
      record({ id: "c", caption: "sale scarf" }),
      record({ id: "d", caption: "sale gloves" }),
    ]);
    const shots = retrieveShots(idx, query({ id: "q", caption: "boots" }), 2);
    expect(ids(shots)[0]).toBe("a");
    expect(shots[1]!.similarity).toBe(0);
  });

  it("breaks ties by record id, whatever the file order or word order", () => {
    const idx = buildRetrievalIndex([
      record({ id: "t-c", caption: "hat red" }),
      record({ id: "t-a", caption: "red hat" }),
      record({ id: "t-b", caption: "red", keywords: ["hat"] }),
    ]);
    const shots = retrieveShots(idx, query({ id: "q", caption: "red" }), 3);
    expect(ids(shots)).toEqual(["t-a", "t-b", "t-c"]);
    expect(new Set(shots.map((s) => s.similarity)).size).toBe(1);
  });
});

describe("medoid choice", () => {
  const shot = (id: string, text: string) => ({ id, verbalization: parseCanonicalText(text) });

  it("agreement is the mean of colors IoU and objects (multiset) IoU", () => {
    const a = parseCanonicalText("colors red 50 blue 20 ; tones ; objects person 1 2 4 12 , person 6 3 3 9");
    const b = parseCanonicalText("colors red 40 ; tones warm 90 ; objects person 1 2 4 12");
    expect(verbalizationAgreement(a, b)).toBeCloseTo((1 / 2 + 1 / 2) / 2, 12);
    expect(verbalizationAgreement(a, a)).toBe(1);
  });

  it("picks the shot that agrees most with the others, even when it is not the top-ranked one", () => {
    // No objects anywhere (objects IoU 1). Colors: s1 red | s2 blue | s3 blue green | s4 blue yellow.
    // Mean agreement: s1 (0.5+0.5+0.5)/3 = 0.5; s2 (0.5+0.75+0.75)/3 = 0.667;
    // s3 (0.5+0.75+0.667)/3 = 0.639; s4 the same as s3 → s2.
    const shots = [
      shot("s1", "colors red 50 ; tones ; objects"),
      shot("s2", "colors blue 50 ; tones ; objects"),
      shot("s3", "colors blue 50 green 30 ; tones ; objects"),
      shot("s4", "colors blue 50 yellow 30 ; tones ; objects"),
    ];
    expect(medoidShot(shots).id).toBe("s2");
  });

  it("breaks ties by rank: the better-ranked shot wins (and one or two shots give the first)", () => {
    const tie = [shot("t1", "colors red 50 ; tones ; objects"), shot("t2", "colors blue 50 ; tones ; objects"), shot("t3", "colors green 50 ; tones ; objects")];
    expect(medoidShot(tie).id).toBe("t1");
    expect(medoidShot(tie.slice(1)).id).toBe("t2");
    expect(medoidShot(tie.slice(2)).id).toBe("t3");
    expect(() => medoidShot([])).toThrow();
  });
});

describe("fewShotPrediction", () => {
  const pool = [
    record({ id: "p1", caption: "red shoes sale", verbalization: "colors red 50 ; tones ; objects" }),
    record({ id: "p2", caption: "red shoes", verbalization: "colors blue 50 ; tones ; objects" }),
    record({ id: "p3", caption: "red sale", verbalization: "colors blue 50 green 30 ; tones ; objects" }),
    record({ id: "p4", caption: "sale", verbalization: "colors blue 50 yellow 30 ; tones ; objects" }),
  ];
  const index = buildRetrievalIndex(pool);

  it("predicts the medoid shot's verbalization and lists the shots", () => {
    const q = query({ id: "q", caption: "red shoes sale" });
    const three = fewShotPrediction(index, q, 3)!;
    expect(three.shots).toEqual(["p1", "p2", "p3"]);
    // Ranks: p2 shares the rarer "shoes" (df 2) with the query, p3 two common words (df 3), p4 one.
    // p1 red | p2 blue | p3 blue green: mean agreement 0.5 | 0.625 | 0.625 → p2 (ties p3, ranked higher).
    expect(three.chosen).toBe("p2");
    expect(three.verbalization).toBe("colors blue 50 ; tones ; objects");
    expect(three.fallback).toBe(false);
    const one = fewShotPrediction(index, q, 1)!;
    expect(one.chosen).toBe("p1");
  });

  it("the first 3 of a 5-shot retrieval are the 3-shot retrieval (one ranking serves both)", () => {
    const q = query({ id: "q", caption: "red shoes sale" });
    expect(predictionFromShots(retrieveShots(index, q, 5).slice(0, 3))).toEqual(fewShotPrediction(index, q, 3));
  });

  it("reports fallback, and null when nothing qualifies", () => {
    const withOther = buildRetrievalIndex([...pool, record({ id: "z1", brand: "zeta", caption: "red" })]);
    expect(fewShotPrediction(withOther, query({ id: "q", caption: "red" }), 5)!.fallback).toBe(true);
    expect(fewShotPrediction(index, query({ id: "q", caption: "red", bucket: "low" }), 3)).toBeNull();
  });
});
