/**
 * The test split of an instruction folder (boig instructions: test.jsonl, types 1–2, behavior)
 * joined with the `boig world` folder it was built from: each record's post (brand, date, the
 * caption as written, keywords, media) and the ground-truth verbalizations the simulator used.
 * Shared by the reward evaluation and the diffusion evaluation (Table 2), so both read the same
 * test prompts the same way.
 */
import fs from "node:fs";
import path from "node:path";
import { z } from "zod";
import type { DatasetKind } from "../db/schema";
import { badInput } from "../errors";
import { normalizeRow, socialRowSchema, stockRowSchema, type NormalizedRow } from "../import/rowSchemas";
import { readRecords } from "../import/readRecords";
import type { Verbalization } from "../verbalize/types";
import { loadWorldModel, type WorldModel } from "../world/worldModel";

const recordSchema = z.object({
  id: z.string(),
  type: z.number().int(),
  variant: z.string(),
  kind: z.enum(["social", "stock"]),
  dataset: z.string(),
  bucket: z.enum(["high", "medium", "low"]),
  prompt: z.string(),
  verbalization: z.string(),
});
export type TestRecord = z.infer<typeof recordSchema>;

/** The behavior type 1–2 records of `dir`/test.jsonl (one per test image), in file order. */
export function readTestRecords(dir: string): TestRecord[] {
  const file = path.join(dir, "test.jsonl");
  if (!fs.existsSync(file)) throw badInput(`data: ${dir} has no test.jsonl (an instruction folder from boig instructions)`);
  return fs
    .readFileSync(file, "utf8")
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line, i) => {
      const parsed = recordSchema.safeParse(JSON.parse(line));
      if (!parsed.success) throw badInput(`${file} line ${i + 1}: not an instruction record (${parsed.error.issues[0]?.message})`);
      return parsed.data;
    })
    .filter((r) => r.variant === "behavior" && (r.type === 1 || r.type === 2));
}

export type OpenWorld = { dir: string; model: WorldModel };

export function openWorld(dir: string): OpenWorld {
  const file = path.join(dir, "world.json");
  if (!fs.existsSync(file)) throw badInput(`world: ${dir} has no world.json (a folder written by boig world)`);
  return { dir, model: loadWorldModel(file) };
}

/** A record id is `dataset/externalId/position#type` (instructions.ts); this returns [externalId, position]. */
export function postOf(record: TestRecord): [string, number] | null {
  const key = record.id.replace(/#.*$/, "");
  if (!key.startsWith(`${record.dataset}/`)) return null;
  const rest = key.slice(record.dataset.length + 1);
  const slash = rest.lastIndexOf("/");
  const position = Number(rest.slice(slash + 1));
  return slash > 0 && Number.isInteger(position) ? [rest.slice(0, slash), position] : null;
}

/** The dataset `NAME/social` of an imported world lives in the world folder's `social/`. */
export const datasetFolder = (world: OpenWorld, dataset: string) => path.join(world.dir, path.basename(dataset));

export async function readPosts(file: string, kind: DatasetKind): Promise<Map<string, NormalizedRow>> {
  const rows = new Map<string, NormalizedRow>();
  if (!fs.existsSync(file)) return rows;
  const schema = kind === "social" ? socialRowSchema : stockRowSchema;
  for await (const raw of readRecords(file)) {
    if (!raw.ok) continue;
    const parsed = schema.safeParse(raw.values);
    if (parsed.success) {
      const row = normalizeRow(kind, parsed.data);
      rows.set(row.externalId, row);
    }
  }
  return rows;
}

export function readScenes(file: string): Map<string, Verbalization> {
  const byMedia = new Map<string, Verbalization>();
  if (!fs.existsSync(file)) return byMedia;
  for (const line of fs.readFileSync(file, "utf8").split("\n")) {
    if (line.trim() === "") continue;
    const { media, verbalization } = JSON.parse(line) as { media: string; verbalization: Verbalization };
    byMedia.set(media, verbalization);
  }
  return byMedia;
}
