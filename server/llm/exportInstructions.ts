/**
 * Writes BoigLLM's instruction data for the trainer (`npx boig train llm --data OUT_DIR`):
 *   train.jsonl / test.jsonl  one InstructionRecord per line (both variants), from the stored split
 *   vocab.json                the tokenizer's vocabulary, built from the TRAIN records only
 *   meta.json                 datasets, counts per type/variant/bucket, noise, seed, vocab size
 * Only bucketed posts with verbalized images are used; the test split never reaches the vocab
 * or train.jsonl. Files are written to OUT_DIR.partial and renamed, so OUT_DIR is never half-written.
 */
import fs from "node:fs";
import path from "node:path";
import { and, eq, inArray, isNotNull, or } from "drizzle-orm";
import type { Db } from "../db/client";
import { datasets, images, posts } from "../db/schema";
import { buildInstructions, NOISE_RATE, reservedTokens, type InstructionRecord, type InstructionSource } from "./instructions";
import { buildVocab } from "./tokenizer";

export const VOCAB_MIN_COUNT = 2;
export const VOCAB_MAX_SIZE = 4000;

export type ExportInstructionsOptions = {
  /** Dataset names or ids; default: every dataset. */
  datasets?: readonly string[];
  /** Seed of the KPI-label noise (types 3–4). */
  seed?: number;
};

export type ExportInstructionsResult = {
  outDir: string;
  datasets: { name: string; kind: string }[];
  train: number;
  test: number;
  vocabSize: number;
  counts: Record<string, number>;
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export async function loadInstructionSources(db: Db, datasetKeys?: readonly string[]): Promise<InstructionSource[]> {
  let datasetFilter = undefined;
  if (datasetKeys && datasetKeys.length > 0) {
    const ids = datasetKeys.filter((key) => UUID.test(key));
    datasetFilter = ids.length > 0 ? or(inArray(datasets.name, [...datasetKeys]), inArray(datasets.id, ids)) : inArray(datasets.name, [...datasetKeys]);
  }
  const rows = await db
    .select({
      dataset: datasets.name,
      kind: datasets.kind,
      externalId: posts.externalId,
      position: images.position,
      postId: posts.id,
      imageId: images.id,
      account: posts.account,
      postedAt: posts.postedAt,
      text: posts.text,
      keywords: posts.keywords,
      bucket: posts.bucket,
      split: posts.split,
      canonicalText: images.canonicalText,
    })
    .from(images)
    .innerJoin(posts, eq(images.postId, posts.id))
    .innerJoin(datasets, eq(posts.datasetId, datasets.id))
    .where(and(isNotNull(posts.bucket), isNotNull(images.canonicalText), datasetFilter));
  return rows.map((row) => ({ ...row, bucket: row.bucket!, canonicalText: row.canonicalText!, keywords: row.keywords ?? [] }));
}

function countBy(records: readonly InstructionRecord[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of records) {
    for (const key of [`${r.split}`, `${r.split}:${r.variant}`, `${r.split}:type${r.type}:${r.variant}`, `${r.split}:${r.kind}:${r.bucket}:${r.variant}`]) {
      counts[key] = (counts[key] ?? 0) + 1;
    }
    if (r.noisy) counts[`${r.split}:type${r.type}:noisy`] = (counts[`${r.split}:type${r.type}:noisy`] ?? 0) + 1;
  }
  return Object.fromEntries(Object.entries(counts).sort(([a], [b]) => (a < b ? -1 : 1)));
}

const jsonl = (records: readonly InstructionRecord[]) => records.map((r) => JSON.stringify(r)).join("\n") + (records.length ? "\n" : "");

export async function exportInstructions(db: Db, outDir: string, options: ExportInstructionsOptions = {}): Promise<ExportInstructionsResult> {
  const seed = options.seed ?? 0;
  const sources = await loadInstructionSources(db, options.datasets);
  if (sources.length === 0) throw new Error("no verbalized images of bucketed posts in the chosen datasets (import and verbalize first)");
  const records = buildInstructions(sources, seed);
  const train = records.filter((r) => r.split === "train");
  const test = records.filter((r) => r.split === "test");
  const vocab = buildVocab(train.flatMap((r) => [r.prompt, r.target]), reservedTokens(), VOCAB_MIN_COUNT, VOCAB_MAX_SIZE);
  const datasetList = [...new Map(sources.map((s) => [s.dataset, s.kind])).entries()].sort().map(([name, kind]) => ({ name, kind }));
  const counts = countBy(records);
  const meta = {
    format: 1,
    datasets: datasetList,
    seed,
    noiseRate: NOISE_RATE,
    vocab: { size: vocab.length, minCount: VOCAB_MIN_COUNT, maxSize: VOCAB_MAX_SIZE },
    images: { train: train.length / 3, test: test.length / 3 },
    counts,
  };
  const finalDir = path.resolve(outDir);
  const partial = `${finalDir}.partial`;
  fs.rmSync(partial, { recursive: true, force: true });
  fs.mkdirSync(partial, { recursive: true });
  fs.writeFileSync(path.join(partial, "train.jsonl"), jsonl(train));
  fs.writeFileSync(path.join(partial, "test.jsonl"), jsonl(test));
  fs.writeFileSync(path.join(partial, "vocab.json"), JSON.stringify({ tokens: vocab }) + "\n");
  fs.writeFileSync(path.join(partial, "meta.json"), JSON.stringify(meta, null, 2) + "\n");
  fs.rmSync(finalDir, { recursive: true, force: true });
  fs.renameSync(partial, finalDir);
  return { outDir: finalDir, datasets: datasetList, train: train.length, test: test.length, vocabSize: vocab.length, counts };
}
