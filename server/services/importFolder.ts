/**
 * Imports a folder in the SPEC §3.2 format. Every row is validated (zod) and its images checked;
 * a bad row is reported (line, column, reason) and skipped, the good rows are stored. Re-importing
 * the same file changes nothing. Buckets and the test split are recomputed at the end.
 */
import { createHash } from "node:crypto";
import fs from "node:fs";
import { eq } from "drizzle-orm";
import type { Db } from "../db/client";
import { datasets, importReports, type DatasetKind } from "../db/schema";
import { badInput, conflict } from "../errors";
import { MAX_MEDIA_BYTES } from "../import/checkMedia";
import { findImportSources, type ImportSource } from "../import/findSources";
import { storeImage } from "../import/imageStore";
import { readHeader, readRecords } from "../import/readRecords";
import { detectKind, REQUIRED_COLUMNS } from "../import/rowSchemas";
import { upsertPosts, type ReadyRow } from "../import/upsertPosts";
import { validateRow } from "../import/validateRow";
import { assignBuckets } from "./assignBuckets";

export type RowError = { line: number; column: string; reason: string };
export type ImportResult = {
  dataset: string;
  datasetId: string;
  kind: DatasetKind;
  file: string;
  inserted: number;
  updated: number;
  unchanged: number;
  rejected: number;
  errors: RowError[];
  buckets: Record<string, number>;
  reportId: string;
};

type Options = {
  dir: string;
  name?: string;
  maxMediaBytes?: number;
  actorId?: string | null;
  onProgress?: (fraction: number, message: string) => void | Promise<void>;
};

const BATCH = 100;
const MAX_STORED_ERRORS = 10_000;

export async function importFolder(db: Db, options: Options): Promise<ImportResult[]> {
  const sources = findImportSources(options.dir, options.name);
  const results: ImportResult[] = [];
  for (const [i, source] of sources.entries()) {
    const share = (f: number, message: string) => options.onProgress?.((i + f) / sources.length, message);
    results.push(await importSource(db, source, options, share));
  }
  return results;
}

async function importSource(
  db: Db,
  source: ImportSource,
  options: Options,
  progress: (fraction: number, message: string) => void | Promise<void>,
): Promise<ImportResult> {
  const header = await readHeader(source.file);
  const kind = detectKind(header);
  if (!kind)
    throw badInput(
      source.file.endsWith(".jsonl")
        ? `${source.file}: no line is a JSON object with post_id (social) or asset_id (stock)`
        : `${source.file}: the header names neither post_id (social) nor asset_id (stock)`,
    );
  const missing = REQUIRED_COLUMNS[kind].filter((c) => !header.includes(c));
  if (missing.length && source.file.endsWith(".csv"))
    throw badInput(`${source.file}: missing column${missing.length > 1 ? "s" : ""} ${missing.join(", ")}`, { missing });
  const datasetId = await ensureDataset(db, source, kind);
  const rootReal = fs.realpathSync(source.dir);
  const totalLines = Math.max(1, countLineBreaks(source.file));

  const counts = { inserted: 0, updated: 0, unchanged: 0 };
  const errors: RowError[] = [];
  const firstLineOf = new Map<string, number>();
  let pending: { line: number; values: Record<string, unknown> }[] = [];

  const flush = async () => {
    if (pending.length === 0) return;
    const ready = await prepareBatch(pending, kind, rootReal, options.maxMediaBytes ?? MAX_MEDIA_BYTES, firstLineOf, errors);
    const c = await upsertPosts(db, datasetId, ready);
    counts.inserted += c.inserted;
    counts.updated += c.updated;
    counts.unchanged += c.unchanged;
    const lastLine = pending.at(-1)?.line ?? 0;
    pending = [];
    await progress(Math.min(0.95, lastLine / totalLines), `${source.datasetName}: line ${lastLine} of ~${totalLines}`);
  };

  for await (const record of readRecords(source.file)) {
    if (!record.ok) errors.push({ line: record.line, column: record.column, reason: record.reason });
    else pending.push(record);
    if (pending.length >= BATCH) await flush();
  }
  await flush();
  await progress(0.97, `${source.datasetName}: computing KPI buckets and the test split`);
  const buckets = await assignBuckets(db, datasetId, kind);
  errors.sort((a, b) => a.line - b.line);
  const [report] = await db
    .insert(importReports)
    .values({ datasetId, sourceFile: source.file, ...counts, rejected: errors.length, errors: errors.slice(0, MAX_STORED_ERRORS), bucketCounts: buckets, createdBy: options.actorId ?? null })
    .returning({ id: importReports.id });
  await progress(1, `${source.datasetName}: done`);
  return { dataset: source.datasetName, datasetId, kind, file: source.file, ...counts, rejected: errors.length, errors, buckets, reportId: report!.id };
}

/**
 * For the progress message only. Counted in chunks: reading the file as one string failed on
 * files over V8's string limit (~512 MB) before a single row was imported.
 */
function countLineBreaks(file: string): number {
  const fd = fs.openSync(file, "r");
  const chunk = Buffer.alloc(1 << 20);
  let count = 0;
  try {
    for (let read = fs.readSync(fd, chunk); read > 0; read = fs.readSync(fd, chunk)) {
      const bytes = chunk.subarray(0, read);
      for (let i = bytes.indexOf(10); i >= 0; i = bytes.indexOf(10, i + 1)) count++;
    }
  } finally {
    fs.closeSync(fd);
  }
  return count;
}

async function ensureDataset(db: Db, source: ImportSource, kind: DatasetKind) {
  const [existing] = await db.select().from(datasets).where(eq(datasets.name, source.datasetName));
  if (existing) {
    if (existing.kind !== kind) throw conflict(`Dataset ${source.datasetName} holds ${existing.kind} data, not ${kind}`);
    return existing.id;
  }
  const [created] = await db.insert(datasets).values({ name: source.datasetName, kind, sourceDir: source.dir }).returning({ id: datasets.id });
  return created!.id;
}

/** Validates rows and checks their images; returns the good rows, appending the bad to `errors`. */
async function prepareBatch(
  records: { line: number; values: Record<string, unknown> }[],
  kind: DatasetKind,
  rootReal: string,
  maxMediaBytes: number,
  firstLineOf: Map<string, number>,
  errors: RowError[],
): Promise<ReadyRow[]> {
  const prepared = await Promise.all(
    records.map(async ({ line, values }): Promise<ReadyRow | null> => {
      const valid = await validateRow(kind, values, rootReal, maxMediaBytes);
      if (!valid.ok) {
        for (const error of valid.errors) errors.push({ line, ...error });
        return null;
      }
      const { row, media, verbalizations } = valid;
      const stored = await Promise.all(media.map(async (m) => ({ mediaPath: m.mediaPath, sha256: m.sha256, format: m.format, width: m.width, height: m.height, storedPath: await storeImage(m.bytes, m.sha256, m.format) })));
      const { media: _paths, verbalization, ...fields } = row;
      const contentHash = createHash("sha256")
        .update(JSON.stringify({ ...fields, postedAt: fields.postedAt.toISOString(), verbalization: verbalization ?? null, media: stored.map((m) => [m.mediaPath, m.sha256]) }))
        .digest("hex");
      return { line, row, media: stored, contentHash, verbalizations };
    }),
  );
  // Duplicate ids within one file: the first occurrence wins, later ones are reported.
  const ready: ReadyRow[] = [];
  for (const item of prepared) {
    if (!item) continue;
    const first = firstLineOf.get(item.row.externalId);
    if (first !== undefined) {
      errors.push({ line: item.line, column: kind === "social" ? "post_id" : "asset_id", reason: `duplicates the id on line ${first}` });
      continue;
    }
    firstLineOf.set(item.row.externalId, item.line);
    ready.push(item);
  }
  return ready;
}
