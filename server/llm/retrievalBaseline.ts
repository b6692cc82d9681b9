/**
 * The 3-shot and 5-shot retrieval baselines of Table 1 (SPEC §4 baseline b), standing in for the
 * paper's "3-shot / 5-shot GPT-3.5 / GPT-4" in-context rows (paper §3.1, Table 1). No large LM is
 * obtainable here, so the in-context learner is modelled, not run:
 *
 * 1. Shots. The candidates for a test prompt are the TRAINING records of the behavior variant,
 *    type 1 or 2 (one per image: types 3–4 and nokpi repeat the same images), of the same dataset,
 *    the same brand (social; parsed from the prompt's `brand` field, stock prompts have none) and
 *    the same KPI bucket — the examples a prompt-builder would put in front of GPT for "a high-KPI
 *    image of this brand". They are ranked by the TF-IDF cosine of their caption + keyword words
 *    with the test prompt's (IDF over that dataset's candidate pool, smoothed as
 *    ln((1 + N) / (1 + df)) + 1, so words every post of a brand shares — its name, hashtags — weigh
 *    little); ties are broken by record id, so the choice never depends on file order. The top k
 *    are the shots.
 *    Fallback: when the brand has fewer than k candidates in that bucket, all of them are kept
 *    (ranked first) and the remaining slots are filled from the other brands' records of the same
 *    dataset and bucket, ranked the same way (`fallback` reports how often). When the whole bucket
 *    has fewer than k, the shots are what there is.
 * 2. Prediction. An in-context learner that has no knowledge of its own about how images of a
 *    KPI look can only copy the pattern common to its examples. We take that literally: the
 *    prediction is the MEDOID shot's verbalization — the shot whose verbalization agrees most,
 *    on average, with the other shots' (agreement = mean of colors IoU and objects IoU, the two
 *    set-overlap metrics of Table 1, via multisetIoU). Ties go to the shot ranked higher (most
 *    similar to the prompt). With one or two shots this is the nearest shot.
 *    Why a medoid and not e.g. a merge of the shots: a merged verbalization (majority colors,
 *    averaged coverages and boxes) is something no example shows and would smooth the numbers the
 *    metrics compare; a medoid is a real verbalization, is deterministic, and makes 3-shot and
 *    5-shot differ the way more examples differ (a different consensus), as in the paper where
 *    the two rows are close.
 *
 * Pure functions over records; the instruction folder is read by server/eval/evalLlm.ts.
 */
import type { InstructionRecord } from "./instructions";
import { parseCanonicalText } from "../verbalize/canonical";
import { multisetIoU, type ScoredVerbalization } from "../eval/verbalizationMetrics";

/** What the baseline reads of a training record. */
export type ShotRecord = Pick<InstructionRecord, "id" | "type" | "variant" | "split" | "dataset" | "bucket" | "prompt" | "verbalization">;
/** What it reads of a test record: where to look, and the prompt to match. */
export type RetrievalQuery = Pick<InstructionRecord, "dataset" | "bucket" | "prompt">;

export type PromptFields = { brand: string | null; caption: string[]; keywords: string[] };

type IndexedShot = {
  record: ShotRecord;
  brand: string | null;
  /** TF-IDF of caption + keyword words (terms in code-point order) and its Euclidean norm. */
  vector: Map<string, number>;
  norm: number;
  verbalization: ScoredVerbalization;
};

type DatasetPool = { idf: Map<string, number>; size: number; shots: IndexedShot[] };

export type RetrievalIndex = { pools: Map<string, DatasetPool> };

export type RankedShot = {
  record: ShotRecord;
  /** TF-IDF cosine of caption + keyword words with the query prompt. */
  similarity: number;
  /** Same brand as the query (always true for stock, which has no brand). */
  sameBrand: boolean;
  verbalization: ScoredVerbalization;
};

export type FewShotPrediction = {
  /** Canonical text of the predicted verbalization (the medoid shot's). */
  verbalization: string;
  /** Ids of the shots, best ranked first. */
  shots: string[];
  /** Id of the medoid shot. */
  chosen: string;
  /** Some shots came from other brands (the brand had fewer than k candidates). */
  fallback: boolean;
};

/** The prompt fields the retrieval reads; prompts are `name value` fields joined by " ; " (instructions.ts). */
export function parsePromptFields(prompt: string): PromptFields {
  const fields = new Map<string, string>();
  for (const part of prompt.split(" ; ")) {
    const space = part.indexOf(" ");
    const name = space < 0 ? part : part.slice(0, space);
    fields.set(name, space < 0 ? "" : part.slice(space + 1).trim());
  }
  const words = (text: string | undefined) => (text ?? "").split(" ").filter((w) => w !== "" && w !== ",");
  return { brand: fields.has("brand") ? fields.get("brand")! : null, caption: words(fields.get("caption")), keywords: words(fields.get("keywords")) };
}

/** Only train records of the behavior variant, type 1 or 2, are candidates (one per image). */
export function isCandidate(record: ShotRecord): boolean {
  return record.split === "train" && record.variant === "behavior" && (record.type === 1 || record.type === 2);
}

export function buildRetrievalIndex(records: readonly ShotRecord[]): RetrievalIndex {
  type Parsed = { record: ShotRecord; brand: string | null; terms: Map<string, number> };
  const byDataset = new Map<string, Parsed[]>();
  for (const record of records) {
    if (!isCandidate(record)) continue;
    const fields = parsePromptFields(record.prompt);
    const list = byDataset.get(record.dataset) ?? [];
    list.push({ record, brand: fields.brand, terms: termCounts([...fields.caption, ...fields.keywords]) });
    byDataset.set(record.dataset, list);
  }
  const pools = new Map<string, DatasetPool>();
  for (const [dataset, parsed] of byDataset) {
    const df = new Map<string, number>();
    for (const p of parsed) for (const term of p.terms.keys()) df.set(term, (df.get(term) ?? 0) + 1);
    const idf = new Map<string, number>();
    for (const [term, n] of df) idf.set(term, smoothIdf(parsed.length, n));
    const pool: DatasetPool = { idf, size: parsed.length, shots: [] };
    for (const p of parsed) {
      const vector = tfidf(p.terms, pool);
      pool.shots.push({ record: p.record, brand: p.brand, vector, norm: norm(vector), verbalization: parseCanonicalText(p.record.verbalization) });
    }
    pools.set(dataset, pool);
  }
  return { pools };
}

/** ln((1 + N) / (1 + df)) + 1: positive for every term, 1 for a term in every document. */
export function smoothIdf(documents: number, documentFrequency: number): number {
  return Math.log((1 + documents) / (1 + documentFrequency)) + 1;
}

/** The k shots for a query: same dataset and bucket, same brand first, by TF-IDF cosine, ties by id. */
export function retrieveShots(index: RetrievalIndex, query: RetrievalQuery, k: number): RankedShot[] {
  if (!Number.isInteger(k) || k < 1) throw new Error(`k must be a positive integer, got ${k}`);
  const pool = index.pools.get(query.dataset);
  if (!pool) return [];
  const fields = parsePromptFields(query.prompt);
  const queryVector = tfidf(termCounts([...fields.caption, ...fields.keywords]), pool);
  const queryNorm = norm(queryVector);
  const ranked = pool.shots
    .filter((s) => s.record.bucket === query.bucket)
    .map((s) => ({
      record: s.record,
      similarity: cosine(queryVector, queryNorm, s.vector, s.norm),
      sameBrand: s.brand === fields.brand,
      verbalization: s.verbalization,
    }))
    .sort(byRank);
  const sameBrand = ranked.filter((s) => s.sameBrand);
  const otherBrands = ranked.filter((s) => !s.sameBrand);
  return [...sameBrand, ...otherBrands].slice(0, k);
}

/** Agreement of two verbalizations: mean of colors IoU and objects IoU (the medoid's distance). */
export function verbalizationAgreement(a: ScoredVerbalization, b: ScoredVerbalization): number {
  const colors = multisetIoU(a.colors.map((c) => c.name), b.colors.map((c) => c.name));
  const objects = multisetIoU(a.objects.map((o) => o.label), b.objects.map((o) => o.label));
  return (colors + objects) / 2;
}

/**
 * The shot with the highest mean agreement with the other shots; ties (and one or two shots) →
 * the first, i.e. the best ranked. `shots` must be in rank order.
 */
export function medoidShot<S extends { verbalization: ScoredVerbalization }>(shots: readonly S[]): S {
  if (shots.length === 0) throw new Error("medoidShot needs at least one shot");
  let best = shots[0]!;
  let bestScore = -Infinity;
  shots.forEach((shot, i) => {
    let total = 0;
    shots.forEach((other, j) => {
      if (i !== j) total += verbalizationAgreement(shot.verbalization, other.verbalization);
    });
    const score = shots.length > 1 ? total / (shots.length - 1) : 0;
    if (score > bestScore) {
      best = shot;
      bestScore = score;
    }
  });
  return best;
}

/** The k-shot baseline's prediction for one test prompt; null when the bucket has no candidates. */
export function fewShotPrediction(index: RetrievalIndex, query: RetrievalQuery, k: number): FewShotPrediction | null {
  return predictionFromShots(retrieveShots(index, query, k));
}

/**
 * The prediction from already retrieved shots (rank order). The ranking is a total order, so the
 * first k of a k' > k retrieval are exactly the k-shot retrieval: one ranking serves 3 and 5 shots.
 */
export function predictionFromShots(shots: readonly RankedShot[]): FewShotPrediction | null {
  if (shots.length === 0) return null;
  const chosen = medoidShot(shots);
  return {
    verbalization: chosen.record.verbalization,
    shots: shots.map((s) => s.record.id),
    chosen: chosen.record.id,
    fallback: shots.some((s) => !s.sameBrand),
  };
}

// ---------------------------------------------------------------------------------------------

/**
 * Term counts, keys in code-point order: every sum over a vector then runs in the same order, so
 * two prompts with the same words get bit-identical similarities (and tie, broken by id).
 */
function termCounts(words: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const w of [...words].sort()) counts.set(w, (counts.get(w) ?? 0) + 1);
  return counts;
}

/** Term count × IDF; a term no candidate has gets the largest IDF (df = 0). */
function tfidf(terms: ReadonlyMap<string, number>, pool: DatasetPool): Map<string, number> {
  const vector = new Map<string, number>();
  for (const [term, count] of terms) vector.set(term, count * (pool.idf.get(term) ?? smoothIdf(pool.size, 0)));
  return vector;
}

const norm = (vector: ReadonlyMap<string, number>) => Math.sqrt([...vector.values()].reduce((s, v) => s + v * v, 0));

/** Cosine of two TF-IDF vectors; 0 when either is empty (a prompt without caption and keywords). */
function cosine(a: ReadonlyMap<string, number>, aNorm: number, b: ReadonlyMap<string, number>, bNorm: number): number {
  if (aNorm === 0 || bNorm === 0) return 0;
  let dot = 0;
  for (const [term, v] of a) dot += v * (b.get(term) ?? 0);
  return dot / (aNorm * bNorm);
}

/** Higher similarity first, then record id (code-point order) so ties never depend on file order. */
function byRank(a: { similarity: number; record: ShotRecord }, b: { similarity: number; record: ShotRecord }): number {
  if (a.similarity !== b.similarity) return b.similarity - a.similarity;
  return a.record.id < b.record.id ? -1 : a.record.id > b.record.id ? 1 : 0;
}
